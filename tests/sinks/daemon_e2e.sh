#!/usr/bin/env bash
# The sinks through vmond itself: a rule firing in `--once` reaches stdout,
# a webhook receiver and a real rsyslogd; `--test-alert` through each sink;
# a 400 is dead-lettered without endless retries; a 410 disables the sink;
# with a spool, alerts queued while the receiver refuses them survive kill -9
# and arrive after restart; a full spool raises delivery_backlog.
# Env: VMOND, SINK_SEND, HOOK_RECEIVER, FREE_PORT, PLUGIN_DIR, RSYSLOGD,
# SPOOL_DUMP. Nothing here skips: every part passes or fails.
set -euo pipefail

T=$(mktemp -d /tmp/vmon-e2e-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rsyslog_stop
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/*.log "$T"/*.out; do echo "--- $f" >&2; tail -20 "$f" >&2; done; exit 1; }
# shellcheck source=lib_rsyslog.sh
. "$(dirname "$0")/lib_rsyslog.sh"

# receiver NAME FAIL_PERCENT STATUS: sets RX_<NAME> to its port (it binds
# port 0 and reports the one it got) and RXPID_<NAME> to its pid.
receiver() {
    rm -f "$T/$1.port"
    "$HOOK_RECEIVER" "$T/$1.port" "$T/$1.bodies" "$2" "$3" 2> "$T/$1.rx.log" &
    PIDS+=($!)
    printf -v "RXPID_$1" '%s' "$!"
    for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
    [ -s "$T/$1.port" ] || fail "receiver $1 did not start"
    printf -v "RX_$1" '%s' "$(cat "$T/$1.port")"
}

rsyslog_start
receiver ok 0 200
receiver bad 0 400
receiver gone 0 410

cat > "$T/vmon.ini" <<INI
[daemon]
log_level = info
[probe:sys]
plugin   = system
interval = 1s
[rule:always]
metric   = system.memory_used_percent
above    = 0
severity = critical
message  = memory {value} % used
[sink:console]
plugin = stdout
[sink:hook]
plugin = webhook
url    = http://127.0.0.1:$RX_ok/hook
format = json
token  = \${VMON_E2E_TOKEN}
[sink:sys]
plugin    = syslog
mode      = remote
transport = tcp
host      = 127.0.0.1
port      = $PORT
app_name  = vmone2e
[sink:bad]
plugin      = webhook
url         = http://127.0.0.1:$RX_bad/
retry_limit = 3
dead_letter = $T/dead.jsonl
[sink:gone]
plugin      = webhook
url         = http://127.0.0.1:$RX_gone/
dead_letter = $T/dead.jsonl
[pipeline:p]
probes = sys
rules  = always
sinks  = console, hook, sys
INI

export VMON_E2E_TOKEN=e2e-secret-token
"$VMOND" -t -c "$T/vmon.ini" > "$T/check.out" 2>&1 || fail "config check"

# 1. One cycle: the alert reaches all three sinks; the token is never logged.
timeout 30 "$VMOND" -c "$T/vmon.ini" --once > "$T/once.out" 2>&1 || fail "--once failed"
grep -q '\[FIRING\].*always' "$T/once.out" || fail "stdout did not show the alert"
rsyslog_wait_for 'app=vmone2e'
grep 'app=vmone2e' "$T/out.log" | grep -q 'in=imtcp pri=26 fac=daemon sev=crit' || fail "syslog record"
for _ in $(seq 40); do grep -q '"rule":"always"' "$T/ok.bodies" 2>/dev/null && break; sleep 0.05; done
grep -q '"rule":"always"' "$T/ok.bodies" || fail "webhook did not get the alert"
grep -q "$VMON_E2E_TOKEN" "$T"/*.out && fail "the token appeared in vmond's output"

# 2. --test-alert through the webhook and syslog sinks.
timeout 30 "$VMOND" --test-alert hook -c "$T/vmon.ini" > "$T/ta_hook.out" 2>&1 || fail "test-alert hook"
timeout 30 "$VMOND" --test-alert sys -c "$T/vmon.ini" > "$T/ta_sys.out" 2>&1 || fail "test-alert sys"
rsyslog_wait_for 'app=vmone2e .*vmon_test_alert'

# 3. 400: permanent, one request only, dead-lettered.
if timeout 30 "$VMOND" --test-alert bad -c "$T/vmon.ini" > "$T/ta_bad.out" 2>&1; then
    fail "test-alert through a 400 receiver reported success"
fi
# vmond has exited, so every request it made was answered, hence recorded;
# stopping the receiver flushes its record, so the count is final.
kill "$RXPID_bad"; wait "$RXPID_bad" 2>/dev/null || true
[ "$(grep -c '^400 ' "$T/bad.bodies")" = 1 ] || fail "a 400 was retried"
grep -q 'HTTP 400' "$T/dead.jsonl" || fail "no dead letter for the 400"
grep -q 'vmon_test_alert' "$T/dead.jsonl" || fail "dead letter without the alert"

# 4. 410: the sink says so and is disabled.
if timeout 30 "$VMOND" --test-alert gone -c "$T/vmon.ini" > "$T/ta_gone.out" 2>&1; then
    fail "test-alert through a 410 receiver reported success"
fi
grep -qi 'disabl' "$T/ta_gone.out" || fail "410 did not disable the sink loudly"
grep -q 'HTTP 410' "$T/dead.jsonl" || fail "no dead letter for the 410"

# 5. Crash safety: alerts spooled while the receiver refuses them (503),
# kill -9, restart; once the receiver accepts (SIGUSR1) every spooled alert
# arrives. The receiver keeps its own port (bound as port 0) throughout.
receiver crash 100 200
cat > "$T/crash.ini" <<INI
[probe:sys]
plugin   = system
interval = 100ms
[rule:always]
metric   = system.memory_used_percent
above    = 0
severity = critical
repeat   = 200ms
[sink:console]
plugin = stdout
[sink:hook]
plugin     = webhook
url        = http://127.0.0.1:$RX_crash/hook
retry_base = 20ms
retry_cap  = 100ms
retry_limit = -1
spool      = $T/hook.spool
[pipeline:p]
probes = sys
rules  = always
sinks  = console, hook
INI
"$VMOND" -c "$T/crash.ini" > "$T/crash1.out" 2>&1 &
VPID=$!
PIDS+=("$VPID")
# Up to 10 s for two alerts to be spooled (a repeat every 200 ms).
for _ in $(seq 100); do
    "$SPOOL_DUMP" "$T/hook.spool" sink:hook > "$T/spooled.keys" 2>/dev/null &&
        [ "$(wc -l < "$T/spooled.keys")" -ge 2 ] && break
    sleep 0.1
done
kill -9 "$VPID"
wait "$VPID" 2>/dev/null || true
"$SPOOL_DUMP" "$T/hook.spool" sink:hook > "$T/spooled.keys" || fail "cannot read the spool"
[ -s "$T/spooled.keys" ] || fail "nothing was spooled in 10 s while the receiver refused alerts"
echo "spooled before kill -9: $(wc -l < "$T/spooled.keys") alert(s)"
kill -USR1 "$RXPID_crash"
"$VMOND" -c "$T/crash.ini" > "$T/crash2.out" 2>&1 &
VPID=$!
PIDS+=("$VPID")
for _ in $(seq 100); do
    missing=0
    while read -r k; do
        grep '^2[0-9][0-9] ' "$T/crash.bodies" 2>/dev/null | grep -qF "\"idempotencyKey\":\"$k\"" ||
            missing=$((missing + 1))
    done < "$T/spooled.keys"
    [ "$missing" = 0 ] && break
    sleep 0.1
done
kill "$VPID"; wait "$VPID" 2>/dev/null || true
[ "$missing" = 0 ] || fail "$missing spooled alert(s) never arrived after restart"

# 6. Spool full: the other sinks get a critical delivery_backlog alert.
# Port 1 on loopback: nothing listens there, so every delivery fails.
sed -e "s|^spool .*|spool = $T/full.spool\nspool_max = 1k|" -e "s|:$RX_crash/|:1/|" "$T/crash.ini" > "$T/full.ini"
timeout 20 "$VMOND" -c "$T/full.ini" > "$T/full.out" 2>&1 &
VPID=$!
PIDS+=("$VPID")
for _ in $(seq 100); do grep -q 'delivery_backlog' "$T/full.out" && break; sleep 0.1; done
kill "$VPID" 2>/dev/null; wait "$VPID" 2>/dev/null || true
grep -q 'FIRING.*critical.*delivery_backlog' "$T/full.out" || fail "a full spool did not raise delivery_backlog"
echo "daemon_e2e: all passed"
