# Shared by the integration scripts: TAP-like checks and a bounded wait.
# Source it, run `check NAME 'COMMAND'` for each check, end with `checks_done`.
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# wait_for FILE PATTERN SECONDS: poll until PATTERN appears in FILE, at most SECONDS.
wait_for() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -le $end ]; do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
# The summary line and the exit status: non-zero when any check failed.
checks_done() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
