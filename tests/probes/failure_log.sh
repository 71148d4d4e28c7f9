#!/usr/bin/env bash
# A probe's failure is said once: against a Milvus-shaped server (mock-milvus)
# that refuses the credentials (HTTP 401), each probe's `collect failed` is
# logged once at warning however many readings fail, the repeats at debug;
# a failure whose reason changes is said again, and the reading that
# succeeds says "recovered" once.
# Usage: failure_log.sh VMOND SOURCE_DIR MOCK_MILVUS PLUGIN_DIR
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") MOCK=$(realpath "$3") PLUGINS=$(realpath "$4")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-faillog-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../integration/lib_check.sh
. "$SRC/tests/integration/lib_check.sh"
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

D=$WORK/milvus V=$D/v2/vectordb
mkdir -p "$V/collections" "$WORK/plugins"
put() { printf '%s\n' "$2" >"$D/$1.tmp" && mv "$D/$1.tmp" "$D/$1"; } # the server never reads half a file
put healthz OK
put metrics ''
put v2/vectordb/collections/list '{"code":1800,"message":"user hasn'"'"'t authenticated"}'
put v2/vectordb/collections/list.status 401
cp "$PLUGINS"/target_milvus.so "$PLUGINS"/probe_{proxy,querynode}.so "$PLUGINS"/sink_stdout.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
"$MOCK" --dir "$D" >"$WORK/port" & PIDS+=($!)
wait_for "$WORK/port" "port" 10 || { echo "mock-milvus did not start"; exit 1; }
PORT=$(awk '/port/ {print $2}' "$WORK/port")

conf() { # conf FILE LOG_LEVEL PROBES
  cat >"$1" <<INI
[daemon]
plugin_dir = $WORK/plugins
log_level = $2
[target:db]
plugin = milvus
uri = http://127.0.0.1:$PORT
metrics_uri = http://127.0.0.1:$PORT
token = wrong-key
timeout = 1s
[probe:px]
plugin = proxy
target = db
interval = 50ms
backoff_cap = 50ms
health_checks = 1
searches = 0
[probe:qn]
plugin = querynode
target = db
interval = 50ms
backoff_cap = 50ms
[sink:out]
plugin = stdout
format = json
[pipeline:p]
target = db
probes = $3
sinks = out
INI
}

# 1. Credentials refused: eight readings of each probe fail for the same reason.
conf "$WORK/auth.ini" info "px, qn"
"$VMOND" --cycles 8 -c "$WORK/auth.ini" >"$WORK/auth.json" 2>"$WORK/auth.log"
for p in px qn; do
  check "probe:$p: the refused credentials are one warning in eight failed readings" \
    '[ "$(count "$WORK/auth.log" "warning \[probe:$p\]: collect failed")" -eq 1 ] &&
     grep -q "warning \[probe:$p\]: collect failed (status [0-9-]*): .*not authenticated" "$WORK/auth.log"'
done
check "the failures are still counted (vmon.probe_failures_total)" \
  'jq -s -e "map(select(.name == \"vmon.probe_failures_total\") | .value) | max >= 16" "$WORK/auth.json" >/dev/null'
conf "$WORK/auth-debug.ini" debug "px, qn"
"$VMOND" --cycles 8 -c "$WORK/auth-debug.ini" >/dev/null 2>"$WORK/auth-debug.log"
check "with log_level = debug the repeats are there, at debug" \
  '[ "$(count "$WORK/auth-debug.log" "debug \[probe:px\]: collect failed again")" -eq 7 ] &&
   [ "$(count "$WORK/auth-debug.log" "debug \[probe:qn\]: collect failed again")" -eq 7 ]'

# 2. A failure whose reason changes is said again; the reading that succeeds says so once.
rm "$D/v2/vectordb/collections/list.status"
put v2/vectordb/collections/list '{"code":0,"data":[]}'
put healthz 'Not all components are healthy, 2/3'
put healthz.status 500
conf "$WORK/health.ini" info px
LOG=$WORK/health.log
"$VMOND" -c "$WORK/health.ini" >/dev/null 2>"$LOG" & VM=$!; PIDS+=($VM)
check "an unhealthy server: one warning" 'wait_for "$LOG" "collect failed.*2/3" 10'
sleep 0.5
put healthz 'Not all components are healthy, 1/3'
check "a new reason: said again" 'wait_for "$LOG" "collect failed.*1/3" 10'
sleep 0.5
rm "$D/healthz.status"; put healthz OK
check "the reading that succeeds says so once" 'wait_for "$LOG" "recovered after" 10'
sleep 0.5
kill -TERM "$VM"; wait "$VM"
check "two warnings (one per reason), one recovery" \
  '[ "$(count "$LOG" "warning \[probe:px\]: collect failed")" -eq 2 ] && [ "$(count "$LOG" "recovered after")" -eq 1 ]'
checks_done
