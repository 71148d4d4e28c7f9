#!/usr/bin/env bash
# No alert lost across a reload: alerts held while the target is unreachable
# survive a SIGHUP that keeps the target, its probes and the inhibiting rule,
# and are delivered once the target answers again, after the resolution.
# Usage: unreachable_reload.sh VMOND SOURCE_DIR TEST_PLUGIN_DIR PLUGIN_DIR SILENT_SERVER
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") FIXTURES=$3 PLUGINS=$4 SERVER=$5
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-unreach-reload-XXXXXX")
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
kill -USR1 "$SRV"   # the server now accepts and never answers
check "target_unreachable fires" 'wait_for "$OUT" "\"rule\":\"target_unreachable\".*\"firing\"\|\"firing\".*\"rule\":\"target_unreachable\"" 15'
check "a dependent probe failure is held" \
  'wait_for "$LOG" "holding alert probe_failed from probe:px while target db is unreachable" 15'
# A change that keeps the target, the probes and target_unreachable as they are.
sed -i 's/^rules = target_unreachable, latency_typo$/rules = target_unreachable/' "$WORK/v.ini"
kill -HUP "$VM"
check "the reload is done" 'wait_for "$LOG" "reload done" 10'
check "nothing held was delivered during the outage" \
  '! grep "\"type\":\"alert\"" "$OUT" | jq -e "select(.rule == \"probe_failed\" and .labels.instance == \"px\")" >/dev/null'
kill -USR2 "$SRV"   # answering again
check "target_unreachable resolves when the server is back" 'wait_for "$OUT" "\"state\":\"resolved\"" 15'
alerts() { grep "\"type\":\"alert\"" "$OUT" | jq -r '.rule + " " + .state + " " + (.labels.instance // "")'; }
released() { alerts | awk '/^target_unreachable resolved/ {r = 1} /^probe_failed firing px/ {if (r) f = 1} END {exit !f}'; }
check "the probe failure held before the reload is delivered after the resolution" \
  'for _ in $(seq 100); do released && break; sleep 0.05; done; released'
settle() { alerts | awk '$2 == "firing" && $1 != "target_unreachable" {f[$1 $3]++} $2 == "resolved" && $1 != "target_unreachable" {f[$1 $3]--} END {for (k in f) if (f[k] != 0) exit 1}'; }
check "every dependent alert delivered is resolved too" 'for _ in $(seq 100); do settle && break; sleep 0.05; done; settle'
kill -TERM "$VM"; wait "$VM"; rc=$?
check "vmond stops cleanly" '[ $rc -eq 0 ]'
checks_done
