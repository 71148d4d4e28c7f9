#!/usr/bin/env bash
# Benchmarks for the core (figures and ratios, never pass/fail):
#   1. RSS and CPU of vmond (system probe + memory rules + stdout sink, 1 s interval)
#      side by side with Debian's collectd (memory + threshold + logfile, 1 s), same run;
#   2. time from exec to the first delivered sample (median of N runs);
#   3. `vmond -t` on a generated 1,000-section configuration (median of N runs).
# Usage: vmond_vs_collectd.sh BUILD_DIR [SECONDS=60] [RUNS=21]
set -euo pipefail
build=$(cd "$1" && pwd); secs=${2:-60}; runs=${3:-21}
vmond=$build/vmond
work=$(mktemp -d "${TMPDIR:-/tmp}/vmon-bench-XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
command -v collectd >/dev/null || { echo "collectd missing: ./scripts/install-deps.sh collectd-core"; exit 1; }

cat >"$work/vmon.ini" <<INI
[daemon]
self_interval = 60s
[probe:sys]
plugin = system
interval = 1s
[rule:memory_high]
metric = system.memory_used_percent
above = 90
[sink:out]
plugin = stdout
[pipeline:p]
probes = sys
rules = memory_high
sinks = out
INI
cat >"$work/collectd.conf" <<CONF
Interval 1
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
LoadPlugin memory
LoadPlugin threshold
<Plugin logfile>
  LogLevel info
  File "$work/collectd.log"
</Plugin>
<Plugin memory>
  ValuesAbsolute true
  ValuesPercentage true
</Plugin>
<Plugin threshold>
  <Plugin "memory">
    <Type "percent">
      Instance "used"
      WarningMax 90
    </Type>
  </Plugin>
</Plugin>
CONF

# CPU nanoseconds summed over the process's threads (schedstat is ns-precise; stat's ticks are 10 ms).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# The same pipeline without the per-reading report: like collectd, it only writes on an alert.
sed 's/^plugin = stdout$/plugin = stdout\nsamples = false/' "$work/vmon.ini" >"$work/quiet.ini"

"$vmond" -c "$work/vmon.ini" >"$work/vmond.out" 2>"$work/vmond.err" & vp=$!; pids+=("$vp")
"$vmond" -c "$work/quiet.ini" >"$work/quiet.out" 2>"$work/quiet.err" & qp=$!; pids+=("$qp")
collectd -f -C "$work/collectd.conf" >/dev/null 2>&1 & cp=$!; pids+=("$cp")
sleep 2
v0=$(cpu_ns "$vp"); q0=$(cpu_ns "$qp"); c0=$(cpu_ns "$cp")
sleep "$secs"
v1=$(cpu_ns "$vp"); q1=$(cpu_ns "$qp"); c1=$(cpu_ns "$cp")
vr=$(rss_kb "$vp"); qr=$(rss_kb "$qp"); cr=$(rss_kb "$cp")
kill "$vp" "$qp" "$cp"; wait "$vp" "$qp" "$cp" 2>/dev/null || true
reports=$(grep -c "==== probe:sys" "$work/vmond.out" || true)
echo "== 1. steady state over ${secs} s at a 1 s interval (all three side by side, one run)"
awk -v vr="$vr" -v qr="$qr" -v cr="$cr" -v vt=$((v1 - v0)) -v qt=$((q1 - q0)) -v ct=$((c1 - c0)) \
    -v s="$secs" -v n="$reports" 'BEGIN {
  printf "  vmond, report each reading  RSS %6d KiB   CPU %7.1f us per interval   (%d reports)\n", vr, vt / 1000 / s, n
  printf "  vmond, alerts only          RSS %6d KiB   CPU %7.1f us per interval\n", qr, qt / 1000 / s
  printf "  collectd                    RSS %6d KiB   CPU %7.1f us per interval\n", cr, ct / 1000 / s
  printf "  ratio vmond/collectd: report RSS %.2f CPU %.2f;  alerts only RSS %.2f CPU %.2f\n", vr / cr, vt / ct, qr / cr, qt / ct
}'

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "== 2. exec to first delivered sample (median of $runs)"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$vmond" -c "$work/vmon.ini" 2>/dev/null | { head -1 >/dev/null; date +%s%N; } >"$work/t1" &
  p=$!
  while [ ! -s "$work/t1" ]; do sleep 0.001; done
  echo $(( ($(cat "$work/t1") - t0) / 1000 ))
  pkill -f "$work/vmon.ini" || true; wait "$p" 2>/dev/null || true; rm -f "$work/t1"
done | median | awk '{printf "  %.2f ms\n", $1 / 1000}'

echo "== 3. vmond -t on a 1,000-section config (median of $runs)"
{
  for i in $(seq 0 329); do
    printf '[probe:p%d]\nplugin = system\ninterval = %ds\n' "$i" $((i % 50 + 1))
    printf '[rule:r%d]\nmetric = system.memory_used_percent\nabove = %d\nfor = 2\n' "$i" $((i % 90 + 5))
  done
  for i in $(seq 0 329); do printf '[sink:s%d]\nplugin = stdout\nmin_severity = warning\n' "$i"; done
  for i in $(seq 0 9); do
    printf '[pipeline:q%d]\nprobes = %s\nrules = r%d\nsinks = s%d\n' "$i" "p$i" "$i" "$i"
  done
} >"$work/big.ini"
echo "  $(grep -c '^\[' "$work/big.ini") sections, $(wc -l <"$work/big.ini") lines"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N); "$vmond" -t -c "$work/big.ini" 2>/dev/null; echo $(( ($(date +%s%N) - t0) / 1000 ))
done | median | awk '{printf "  %.2f ms\n", $1 / 1000}'
