#!/usr/bin/env bash
# vmond with bounded traffic over the embedded target ends by itself with exit 0: by count
# and by duration, after its sink got what was queued; unbounded traffic keeps running.
# Usage: traffic_exit.sh VMOND PLUGIN_DIR TEST_PLUGIN_DIR
set -u
VMOND=$1 PLUGINS=$2 FIXTURES=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-traffic-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

mkdir "$WORK/plugins"
cp "$PLUGINS"/target_embedded.so "$PLUGINS"/sink_stdout.so "$FIXTURES"/sink_record.so \
  "$WORK/plugins/"
chmod 755 "$WORK/plugins"

config() { # config FILE TRAFFIC_KEYS...
  local f=$1; shift
  {
    printf '[target:local]\nplugin = embedded\ndim = 16\nrows = 2000\nthreads = 1\n'
    printf '[sink:rec]\nplugin = record\npath = %s/rec.txt\n' "$WORK"
    printf '[traffic:t]\n'; printf '%s\n' "$@"
    printf '[pipeline:p]\ntarget = local\nsinks = rec\ntraffic = t\n'
  } >"$f"
}

# run_bounded NAME CONFIG: vmond must exit on its own within 60 s.
run_bounded() {
  "$VMOND" --plugin-dir "$WORK/plugins" -c "$2" >"$WORK/$1.out" 2>"$WORK/$1.err" &
  local pid=$! end=$((SECONDS + 60))
  PIDS+=("$pid")
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -le $end ]; do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; wait "$pid" 2>/dev/null; return 124; fi
  wait "$pid"
}

config "$WORK/count.ini" "count = 500" "workers = 2" "max_qps = 100000"
run_bounded count "$WORK/count.ini"; rc=$?
check "count = 500: vmond exits 0 by itself" '[ $rc -eq 0 ]'
check "count = 500: it says why" 'grep -q "all traffic has ended: stopping" "$WORK/count.err"'
check "count = 500: 500 queries, none failed" 'grep -q "traffic: 500 queries (0 failed)" "$WORK/count.err"'

config "$WORK/duration.ini" "duration = 1s" "rate = 100"
run_bounded duration "$WORK/duration.ini"; rc=$?
check "duration = 1s: vmond exits 0 by itself" '[ $rc -eq 0 ]'
check "duration = 1s: about 100 queries" \
  'n=$(sed -n "s/.*traffic: \([0-9]*\) queries.*/\1/p" "$WORK/duration.err"); [ "${n:-0}" -ge 80 ] && [ "${n:-0}" -le 120 ]'

config "$WORK/bad.ini" "rate = 5000" "max_qps = 100"
"$VMOND" --plugin-dir "$WORK/plugins" -t -c "$WORK/bad.ini" >"$WORK/bad.out" 2>&1; rc=$?
check "rate above max_qps is a config error naming the key" \
  '[ $rc -ne 0 ] && grep -q "bad.ini:.*\[traffic:t\] rate: rate 5000 is above max_qps 100" "$WORK/bad.out"'

config "$WORK/forever.ini" "rate = 50"
"$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/forever.ini" >"$WORK/forever.out" 2>"$WORK/forever.err" &
pid=$!
PIDS+=("$pid")
wait_for "$WORK/forever.err" "traffic \[traffic:t\] started" 30
check "unbounded traffic keeps vmond running" 'kill -0 $pid 2>/dev/null'
kill -TERM "$pid"; wait "$pid"; rc=$?
check "SIGTERM stops it with exit 0" '[ $rc -eq 0 ]'

checks_done
