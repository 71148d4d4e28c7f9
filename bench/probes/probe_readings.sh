#!/usr/bin/env bash
# The four component probes against the embedded engine: the wall time of one
# reading per probe (the span of its samples' timestamps: from the first
# figure to the last, so the proxy's health calls before its first sample
# are left out; timestamps are whole milliseconds), median and max over the
# readings of one run.
# Usage: probe_readings.sh VMOND [ROWS] [DIM] [READINGS]
set -euo pipefail
VMOND=$(realpath "$1") ROWS=${2:-20000} DIM=${3:-128} N=${4:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-probe-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/b.ini" <<INI
[target:db]
plugin = embedded
dim = $DIM
rows = $ROWS
index = IVF_FLAT
memory_limit = 1G
[probe:proxy]
plugin = proxy
target = db
interval = 1s
[probe:querynode]
plugin = querynode
target = db
interval = 1s
[probe:datanode]
plugin = datanode
target = db
interval = 1s
[probe:indexnode]
plugin = indexnode
target = db
interval = 1s
[sink:out]
plugin = stdout
format = json
samples = true
[pipeline:p]
target = db
probes = proxy, querynode, datanode, indexnode
sinks = out
INI
"$VMOND" --cycles "$N" -c "$WORK/b.ini" >"$WORK/out.json" 2>"$WORK/err.log"
echo "component probes on the embedded engine: $ROWS rows x $DIM, $N readings each"
printf '%-10s %12s %12s %8s\n' probe "median ms" "max ms" readings
for p in proxy querynode datanode indexnode; do
  # One reading = the samples of one source; readings are a second apart.
  jq -r "select(.type == \"sample\" and .source == \"probe:$p\") | .time_ms" "$WORK/out.json" |
    awk 'NR == 1 {start = $1; last = $1; next}
         $1 - last > 500 {print last - start; start = $1}
         {last = $1}
         END {print last - start}' | sort -n |
    awk -v p="$p" '{v[NR] = $1} END {printf "%-10s %12.1f %12.1f %8d\n", p, v[int((NR + 1) / 2)], v[NR], NR}'
done
