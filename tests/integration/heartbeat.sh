#!/usr/bin/env bash
# heartbeat = INTERVAL on a sink: the always-firing info alert vmon_heartbeat
# arrives again and again with one fingerprint, about one interval apart, only
# at the sink that asked for it (and despite its min_severity), and is
# resolved when vmond stops on SIGTERM; not when vmond dies by SIGKILL.
# Usage: heartbeat.sh VMOND PLUGIN_DIR
set -u
VMOND=$1 PLUGINS=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-heartbeat-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
command -v jq >/dev/null || { echo "jq missing (scripts/install-deps.sh)"; exit 1; }

INTERVAL_MS=400
cat >"$WORK/vmon.ini" <<INI
[probe:sys]
plugin   = system
interval = 1h
[sink:beat]
plugin       = stdout
format       = json
samples      = false
min_severity = critical
heartbeat    = ${INTERVAL_MS}ms
[sink:quiet]
plugin  = stdout
format  = json
samples = false
[pipeline:p]
probes = sys
sinks  = beat, quiet
INI
now_ms() { echo $(($(date +%s%N) / 1000000)); }
beats() { jq -r 'select(.rule == "vmon_heartbeat") | .state' "$1" 2>/dev/null | grep -c firing; }

# Both sinks write to stdout; `quiet` has no heartbeat, so each line is `beat`'s.
"$VMOND" --plugin-dir "$PLUGINS" -c "$WORK/vmon.ini" >"$WORK/out" 2>"$WORK/err" &
PID=$!
# Note when each of the first four heartbeats arrives (bounded poll, 50 ms steps).
arrivals=() seen=0 end=$(($(now_ms) + 15000))
while [ "$seen" -lt 4 ] && [ "$(now_ms)" -lt "$end" ]; do
  n=$(beats "$WORK/out")
  while [ "$seen" -lt "$n" ]; do arrivals+=("$(now_ms)"); seen=$((seen + 1)); done
  sleep 0.05
done
check "four heartbeats arrived (min_severity = critical does not hold them back)" '[ "$seen" -ge 4 ]'
gaps_ok=1 gaps=
for i in 2 3; do
  gap=$((arrivals[i] - arrivals[i - 1])); gaps="$gaps $gap"
  # One interval, give or take the poll step and a loaded machine.
  [ "$gap" -ge $((INTERVAL_MS - 150)) ] && [ "$gap" -le $((INTERVAL_MS * 4)) ] || gaps_ok=0
done
check "they come one interval apart (gaps:$gaps ms, interval $INTERVAL_MS ms)" '[ $gaps_ok -eq 1 ]'
check "one fingerprint, info, firing, counted repeats, a new key each" \
  '[ "$(jq -r "select(.rule == \"vmon_heartbeat\") | .fingerprint" "$WORK/out" | sort -u | wc -l)" -eq 1 ] &&
   jq -e -s "map(select(.rule == \"vmon_heartbeat\")) | (all(.severity == \"info\" and .state == \"firing\")) and (.[0].repeat == 0 and .[1].repeat == 1) and ((map(.idempotencyKey) | unique | length) == length)" "$WORK/out" >/dev/null'
check "not resolved while vmond runs" '! grep -q "\"state\":\"resolved\"" "$WORK/out"'
kill -TERM "$PID"
wait "$PID"; rc=$?; PID=
check "vmond stops on SIGTERM (exit 0)" '[ $rc -eq 0 ]'
check "SIGTERM resolves the heartbeat, with the same fingerprint, as the last line" \
  'last=$(tail -n 1 "$WORK/out") &&
   [ "$(jq -r .state <<<"$last")" = resolved ] && [ "$(jq -r .rule <<<"$last")" = vmon_heartbeat ] &&
   [ "$(jq -r .fingerprint <<<"$last")" = "$(jq -r "select(.rule == \"vmon_heartbeat\") | .fingerprint" "$WORK/out" | head -n 1)" ]'
check "exactly one resolution (the sink without heartbeat got none)" \
  '[ "$(grep -c "\"state\":\"resolved\"" "$WORK/out")" -eq 1 ]'

# SIGKILL: no clean stop, so nothing is resolved and the receiver's timer runs out.
"$VMOND" --plugin-dir "$PLUGINS" -c "$WORK/vmon.ini" >"$WORK/out2" 2>"$WORK/err2" &
PID=$!
check "a second run beats too" 'end=$(($(now_ms) + 15000)); until [ "$(beats "$WORK/out2")" -ge 1 ] || [ "$(now_ms)" -ge "$end" ]; do sleep 0.05; done; [ "$(beats "$WORK/out2")" -ge 1 ]'
kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=
check "SIGKILL leaves it unresolved" '! grep -q "\"state\":\"resolved\"" "$WORK/out2"'
checks_done
