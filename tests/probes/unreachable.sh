#!/usr/bin/env bash
# A database that stops answering: the proxy probe fails within its timeout,
# `target_unreachable` fires once, the alerts that depend on the target are
# held (not a storm), vmond keeps running, and when the server answers again
# the alert resolves and nothing held is left dangling. Also: a rule whose
# metric never appears is named once in the log.
# Usage: unreachable.sh VMOND SOURCE_DIR TEST_PLUGIN_DIR PLUGIN_DIR SILENT_SERVER
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") FIXTURES=$3 PLUGINS=$4 SERVER=$5
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-unreach-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../integration/lib_check.sh
. "$SRC/tests/integration/lib_check.sh"
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

mkdir "$WORK/plugins"
cp "$PLUGINS"/probe_proxy.so "$PLUGINS"/probe_querynode.so "$PLUGINS"/sink_stdout.so \
  "$FIXTURES"/target_remote.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"

"$SERVER" "$WORK/port" & PIDS+=($!); SRV=$!
wait_for "$WORK/port" "[0-9]" 10 || { echo "server did not start"; exit 1; }
PORT=$(cat "$WORK/port")

cat >"$WORK/v.ini" <<INI
[daemon]
plugin_dir = $WORK/plugins
log_level = debug
[target:db]
plugin = remote
url = http://127.0.0.1:$PORT
timeout = 300ms
[probe:px]
plugin = proxy
target = db
interval = 100ms
backoff_cap = 400ms
health_checks = 1
searches = 0
[probe:qn]
plugin = querynode
target = db
interval = 100ms
backoff_cap = 400ms
[rule:target_unreachable]
metric = proxy.target_up
below = 0.5
severity = critical
inhibits_target = true
message = target unreachable
[rule:latency_typo]
metric = proxy.conect_latency_avg_ms
above = 90
[sink:out]
plugin = stdout
format = json
[pipeline:p]
target = db
probes = px, qn
rules = target_unreachable, latency_typo
sinks = out
INI
OUT=$WORK/out.json LOG=$WORK/vmond.log
"$VMOND" -c "$WORK/v.ini" >"$OUT" 2>"$LOG" & PIDS+=($!); VM=$!
check "probes read the healthy server" 'wait_for "$LOG" "never appeared" 10'
check "the rule whose metric never appears is named once, with its metric and target" \
  '[ "$(count "$LOG" "never appeared")" -eq 1 ] && grep -q "\[rule:latency_typo\].*proxy.conect_latency_avg_ms.*target db: remote test" "$LOG"'
check "no alert while the server answers" '[ "$(count "$OUT" "\"type\":\"alert\"")" -eq 0 ]'

kill -USR1 "$SRV"   # the server now accepts and never answers
start=$SECONDS
check "target_unreachable fires" 'wait_for "$OUT" "\"rule\":\"target_unreachable\".*\"firing\"\|\"firing\".*\"rule\":\"target_unreachable\"" 15'
elapsed=$((SECONDS - start))
check "the probe failed on its timeout (reason in the log, within ${elapsed}s)" \
  'grep -q "\[probe:px\].*target .db. unreachable" "$LOG" && [ "$elapsed" -le 10 ]'
# Let the probes fail several more times while the server stays silent (the repeats of one
# reason are logged at debug).
fails() { [ "$(count "$LOG" "\[probe:px\]: collect failed")" -ge 4 ]; }
check "the probe keeps retrying (backoff) while the server is silent" 'for _ in $(seq 200); do fails && break; sleep 0.05; done; fails'
check "vmond keeps running" 'kill -0 "$VM"'
check "target_unreachable fired once" \
  '[ "$(grep "\"type\":\"alert\"" "$OUT" | jq -r "select(.rule == \"target_unreachable\") | .state" | grep -c firing)" -eq 1 ]'
check "the dependent probe failures are held, not delivered" \
  'grep -q "holding alert probe_failed from probe:px while target db is unreachable" "$LOG" &&
   ! grep "\"type\":\"alert\"" "$OUT" | jq -e "select(.rule == \"probe_failed\" and .labels.instance == \"px\")" >/dev/null'

kill -USR2 "$SRV"   # answering again
check "target_unreachable resolves when the server is back" 'wait_for "$OUT" "\"state\":\"resolved\"" 15'
check "what was still firing is released after the resolution" 'grep -q "target db is reachable again: [0-9]* held alert(s) still firing" "$LOG"'
# In the alert stream: between target_unreachable firing and its resolution no
# dependent alert fires; every dependent alert that fired is resolved later.
alerts=$(grep "\"type\":\"alert\"" "$OUT" | jq -r '.rule + " " + .state + " " + (.labels.instance // "")')
check "no dependent alert fired during the outage" \
  '! awk "/^target_unreachable firing/ {on = 1; next} /^target_unreachable resolved/ {on = 0} on && / firing/" <<<"$alerts" | grep -q .'
check "the held probe failure comes after the resolution" \
  'awk "/^target_unreachable resolved/ {r = 1} /^probe_failed firing px/ {if (!r) exit 1; f = 1} END {exit !f}" <<<"$alerts"'
settle() { awk '$2 == "firing" && $1 != "target_unreachable" {f[$1 $3]++} $2 == "resolved" && $1 != "target_unreachable" {f[$1 $3]--} END {for (k in f) if (f[k] != 0) exit 1}' <<<"$(grep "\"type\":\"alert\"" "$OUT" | jq -r '.rule + " " + .state + " " + (.labels.instance // "")')"; }
check "every dependent alert delivered is resolved too" 'for _ in $(seq 100); do settle && break; sleep 0.05; done; settle'
check "fired once, resolved once" \
  '[ "$(grep -c "^target_unreachable firing" <<<"$alerts")" -eq 1 ] && [ "$(grep "\"type\":\"alert\"" "$OUT" | jq -r "select(.rule == \"target_unreachable\") | .state" | grep -c resolved)" -eq 1 ]'
kill -TERM "$VM"; wait "$VM"; rc=$?
check "vmond stops cleanly" '[ $rc -eq 0 ]'
checks_done
