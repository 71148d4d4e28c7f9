#!/usr/bin/env bash
# contrib/systemd/vmond.service without booting systemd (these machines do not run it).
# Usage: systemd_unit.sh verify   UNIT VMOND
#        systemd_unit.sh security UNIT [MAX]     (MAX: highest exposure accepted, 2.5)
#        systemd_unit.sh mdwe     VMOND
#  verify:   a copy of UNIT in a temp folder with /usr/bin/vmond rewritten to VMOND (verify
#            wants every Exec binary to exist) passes `systemd-analyze verify` with exit 0 and
#            nothing printed: an unknown or misspelt key is only a warning, so output fails.
#  security: `systemd-analyze security --offline=true UNIT` prints an overall exposure
#            of at most MAX.
#  mdwe:     MemoryDenyWriteExecute=yes does not break FAISS/OpenBLAS: vmond --cycles on the
#            embedded engine (an IVF index trained with BLAS, then searched) succeeds under
#            the kernel's own W^X for the process (prctl PR_SET_MDWE, Linux 6.3+), after a
#            check that the same setting refuses a writable+executable mapping. systemd's
#            filter is a seccomp one (it also refuses mprotect(PROT_EXEC) outright); both
#            fail a JIT, which is what this looks for. Skipped (77) on an older kernel.
set -u
MODE=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-systemd-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (apt-get install systemd)"; exit 1; }

case $MODE in
verify)
  UNIT=$2 VMOND=$3
  sed "s|/usr/bin/vmond|$VMOND|g" "$UNIT" >"$WORK/vmond.service"
  check "the copy runs the build's vmond" "grep -q '^ExecStart=$VMOND ' '$WORK/vmond.service'"
  (cd "$WORK" && timeout 60 systemd-analyze verify ./vmond.service) >"$WORK/out" 2>&1
  rc=$?
  cat "$WORK/out"
  check "systemd-analyze verify exits 0" "[ $rc -eq 0 ]"
  check "systemd-analyze verify prints no warning" "[ ! -s '$WORK/out' ]"
  # The check itself: a misspelt key must not pass.
  sed 's/^ProtectHome=/ProtectHomee=/' "$WORK/vmond.service" >"$WORK/bad.service"
  (cd "$WORK" && timeout 60 systemd-analyze verify ./bad.service) >"$WORK/bad" 2>&1
  check "a misspelt key is reported" "grep -q ProtectHomee '$WORK/bad'"
  ;;
security)
  UNIT=$2 MAX=${3:-2.5}
  cp "$UNIT" "$WORK/vmond.service"
  (cd "$WORK" && timeout 60 systemd-analyze security --offline=true ./vmond.service) \
    >"$WORK/out" 2>&1
  grep -v '✓' "$WORK/out"
  score=$(sed -n 's/.*Overall exposure level for vmond.service: \([0-9.]*\).*/\1/p' "$WORK/out")
  echo "exposure: ${score:-none} (at most $MAX)"
  check "an overall exposure is printed" "[ -n '$score' ]"
  check "exposure $score <= $MAX" "awk -v s='$score' -v m='$MAX' 'BEGIN { exit !(s != \"\" && s + 0 <= m + 0) }'"
  ;;
mdwe)
  VMOND=$2
  cat >"$WORK/mdwe.ini" <<'INI'
[target:db]
plugin     = embedded
collection = docs
dim        = 64
rows       = 20000
index      = IVF_FLAT
[probe:proxy]
plugin   = proxy
target   = db
interval = 1s
[sink:out]
plugin = stdout
format = human
[pipeline:p]
target = db
probes = proxy
sinks  = out
INI
  cat >"$WORK/mdwe.py" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    print("PR_SET_MDWE:", os.strerror(ctypes.get_errno()))
    sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])
PY
  python3 "$WORK/mdwe.py" /bin/true || { echo "no PR_SET_MDWE on $(uname -r): skipped"; exit 77; }
  probe='import mmap
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    print("allowed")
except OSError:
    print("refused")'
  check "W^X refuses a writable executable mapping" \
    "[ \"\$(python3 '$WORK/mdwe.py' '$(command -v python3)' -c '$probe')\" = refused ]"
  (cd "$WORK" && timeout 120 python3 "$WORK/mdwe.py" "$VMOND" --cycles 5 -c "$WORK/mdwe.ini") \
    >"$WORK/out" 2>"$WORK/log"
  rc=$?
  tail -5 "$WORK/log"
  check "vmond --cycles 5 on the embedded engine exits 0 under W^X" "[ $rc -eq 0 ]"
  check "the IVF index was trained and built" "grep -q 'IVF_FLAT index of 20000 rows built' '$WORK/log'"
  check "the proxy probe searched it" "grep -q 'proxy.search_latency' '$WORK/out'"
  ;;
*)
  echo "usage: $0 verify|security|mdwe ..."
  exit 2
  ;;
esac
checks_done
