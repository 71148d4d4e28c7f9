#!/usr/bin/env bash
# The webhook's signing_secret in vmond: masked in `-t --print` (taken from
# ${ENV}), and in no log line, dead letter or error when the receiver fails
# (500 retried to the limit, then dead-lettered) at log_level = debug.
# Env: VMOND, HOOK_RECEIVER, PLUGIN_DIR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
T=$(mktemp -d /tmp/vmon-whsign-XXXXXX)
RXPID=
cleanup() { [ -n "$RXPID" ] && kill "$RXPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

"$HOOK_RECEIVER" "$T/rx.port" "$T/rx.bodies" 0 500 2>"$T/rx.log" &
RXPID=$!
for _ in $(seq 100); do [ -s "$T/rx.port" ] && break; sleep 0.05; done
[ -s "$T/rx.port" ] || { echo "receiver did not start"; exit 1; }

cat >"$T/vmon.ini" <<INI
[daemon]
log_level = debug
[probe:sys]
plugin   = system
interval = 1s
[rule:always]
metric   = system.memory_used_percent
above    = 0
message  = memory {value} % used
[sink:hook]
plugin         = webhook
url            = http://127.0.0.1:$(cat "$T/rx.port")/hook
signing_secret = \${VMON_TEST_SIGNING_SECRET}
retry_limit    = 2
retry_base     = 10ms
dead_letter    = $T/dead.jsonl
[pipeline:p]
probes = sys
rules  = always
sinks  = hook
INI
export VMON_TEST_SIGNING_SECRET=whsec-never-shown-4e1f
SECRET=$VMON_TEST_SIGNING_SECRET

"$VMOND" --plugin-dir "$PLUGIN_DIR" -t --print -c "$T/vmon.ini" >"$T/print.out" 2>&1
check "the configuration is valid" "grep -q 'configuration OK' '$T/print.out'"
check "--print masks signing_secret" "grep -q '^signing_secret = \*\*\*\*\*\*\*\*' '$T/print.out'"
check "--print shows the default signature header" \
  "grep -q '^signature_header = X-Vmon-Signature' '$T/print.out'"
check "the secret is not in --print" "! grep -q -e '$SECRET' '$T/print.out'"

timeout 30 "$VMOND" --plugin-dir "$PLUGIN_DIR" --once -c "$T/vmon.ini" >"$T/once.out" 2>&1
kill "$RXPID"; wait "$RXPID" 2>/dev/null; RXPID=
check "the receiver failed every request (500)" \
  "[ -s '$T/rx.bodies' ] && ! grep -qv '^500 ' '$T/rx.bodies'"
check "vmond logged the failures" "grep -q 'HTTP 500' '$T/once.out'"
check "the alert was dead-lettered" "grep -q 'HTTP 500' '$T/dead.jsonl'"
check "the secret is in no log line" "! grep -q -e '$SECRET' '$T/once.out'"
check "the secret is not in the dead letters" "! grep -q -e '$SECRET' '$T/dead.jsonl'"
checks_done
