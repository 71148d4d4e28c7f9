#!/usr/bin/env bash
# The four component probes against the embedded target, as a user runs them:
# the shipped conf.d/components.ini (-t, --once and its report tables), every
# probe's figures in JSON, the opt-in insert test and recall, and rules that
# fire and resolve as an index build starts and finishes.
# Usage: components_embedded.sh VMOND SOURCE_DIR
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-probes-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../integration/lib_check.sh
. "$SRC/tests/integration/lib_check.sh"
cd "$WORK" || exit 1

# 1. The shipped file checks and prints the four-section report.
check "-t accepts conf.d/components.ini" '"$VMOND" -t -c "$SRC/conf.d/components.ini" >/dev/null 2>&1'
out=$("$VMOND" --once -c "$SRC/conf.d/components.ini" 2>"$WORK/once.err"); rc=$?
check "--once on components.ini exits 0" '[ $rc -eq 0 ]'
printf '%s\n' "$out" >"$WORK/report.txt"
# section SECTION: the table lines under `[SECTION]` up to the next blank line.
section() { awk -v s="  [$1]" '$0 == s {on = 1; next} on && /^$/ {exit} on' "$WORK/report.txt"; }
check "segments table: header, rule, rows" \
  'section Segments | sed -n 1p | grep -Eq "^  Segment ID +Node ID +State +Rows +Index +Collection$" &&
   section Segments | sed -n 2p | grep -Eq "^  -+( +-+){5}$" && [ "$(section Segments | wc -l)" -ge 3 ]'
check "distribution per node: one row per query node" \
  'section "Distribution per node" | sed -n 1p | grep -Eq "^  Node ID +Segments +Rows$" &&
   [ "$(section "Distribution per node" | wc -l)" -eq 3 ]'
check "memory table: used against the capacity" \
  'section "Memory per query node" | sed -n 1p | grep -Eq "^  Node ID +Used +Capacity +Used % +Full in$" &&
   section "Memory per query node" | sed -n 3p | grep -q "512.00 MiB"'
check "build progress: index type, metric, parameters, progress" \
  'section "Index build progress" | sed -n 1p | grep -Eq "^  Collection +Index +Metric +Params +State +Progress +Pending rows +Elapsed +ETA$" &&
   section "Index build progress" | sed -n 3p | grep -Eq "^  docs +IVF_FLAT +L2 +nlist=[0-9]+ +(pending|building|finished) +[0-9.]+ %"'
check "no progress bar when stdout is not a terminal" '! grep -q "\[#*\.*\] " "$WORK/report.txt"'
# The same rows seen two ways: segment rows of node 1 add up to the node's row count.
seg_rows=$(section Segments | awk 'NR > 2 && $2 == 1 {s += $4} END {print s + 0}')
node_rows=$(section "Distribution per node" | awk 'NR > 2 && $1 == 1 {print $3}')
check "distribution agrees with the segments (node 1: $seg_rows rows)" '[ "$seg_rows" -gt 0 ] && [ "$seg_rows" = "$node_rows" ]'
check "proxy latency and connection figures reported" \
  'grep -Eq "proxy.client_search_latency_p95_ms +[0-9.]+ ms  \{collection=\"docs\"\}" "$WORK/report.txt" &&
   grep -q "proxy.connect_latency_avg_ms" "$WORK/report.txt" && grep -q "datanode.flush_duration_ms" "$WORK/report.txt"'
check "no alert fires on a healthy engine" '! grep -q "^\[FIRING\]" "$WORK/report.txt"'
check "every shipped rule's metric appears (no never-appeared warning)" '! grep -q "never appeared" "$WORK/once.err"'
check "the opt-in insert test as shipped measures throughput" 'grep -Eq "datanode.insert_throughput_rows_per_second +[0-9.e+]+" "$WORK/report.txt"'

# 2. Every probe in JSON over a few cycles, with the opt-in measurements on.
cat >"$WORK/all.ini" <<INI
[target:db]
plugin = embedded
dim = 32
rows = 3000
index = IVF_FLAT
memory_limit = 256M
[target:db2]
plugin = embedded
dim = 8
rows = 0
[probe:px]
plugin = proxy
target = db
interval = 100ms
searches = 5
recall = on
recall_interval = 1s
[probe:qn]
plugin = querynode
target = db
interval = 100ms
forecast_window = 1s
[probe:dn]
plugin = datanode
target = db
interval = 100ms
insert_test = on
insert_rows = 200
[probe:ix]
plugin = indexnode
target = db
interval = 100ms
[probe:nolimit]
plugin = querynode
target = db2
[sink:out]
plugin = stdout
format = json
samples = true
[pipeline:p]
target = db
probes = px, qn, dn, ix
sinks = out
[pipeline:p2]
target = db2
probes = nolimit
sinks = out
INI
"$VMOND" --cycles 6 -c "$WORK/all.ini" >"$WORK/all.json" 2>"$WORK/all.err"; rc=$?
check "--cycles 6 with every probe exits 0" '[ $rc -eq 0 ]'
S() { jq -c "select(.type == \"sample\" and .name == \"$1\")" "$WORK/all.json"; }
# One probe's readings come in order: compare the Nth p95 with the Nth p99 of the same probe
# and collection (a reading's samples need not share a millisecond).
check "proxy: p95 and p99 per collection, p95 <= p99" \
  '[ -n "$(S proxy.client_search_latency_p95_ms)" ] &&
   jq -s -e "map(select(.type == \"sample\")) | group_by([.source, (.labels | tostring)]) | map(
     [map(select(.name == \"proxy.client_search_latency_p95_ms\") | .value),
      map(select(.name == \"proxy.client_search_latency_p99_ms\") | .value)] | transpose |
     map(.[0] <= .[1]) | all) | all" "$WORK/all.json" >/dev/null'
check "proxy: connection latency min <= avg <= max" \
  'jq -s -e "map(select(.type == \"sample\")) | group_by(.source) | map(
     [map(select(.name == \"proxy.connect_latency_min_ms\") | .value),
      map(select(.name == \"proxy.connect_latency_avg_ms\") | .value),
      map(select(.name == \"proxy.connect_latency_max_ms\") | .value)] | transpose |
     map(.[0] <= .[1] and .[1] <= .[2]) | all) | all" "$WORK/all.json" >/dev/null'
check "proxy: request rate leaves out the probe's own searches" \
  '[ "$(S proxy.search_requests_per_second | jq -s "map(.value) | max")" = 0 ]'
check "proxy: recall ratio in [0, 1], measured at most once a second" \
  'n=$(S proxy.search_recall_ratio | jq -s length); [ "$n" -ge 1 ] && [ "$n" -le 2 ] &&
   S proxy.search_recall_ratio | jq -e "select(.value < 0 or .value > 1)" >/dev/null; [ $? -ne 0 ]'
check "querynode: each segment carries its node, state and index" \
  '[ -n "$(S querynode.segment_rows)" ] && S querynode.segment_rows | jq -e -s "map(.labels.node_id == \"1\" and (.labels.state | length > 0) and (.labels.index_type | length > 0)) | all" >/dev/null'
# The probe emits used bytes, capacity and percent of one node one after the other, so each
# percent is checked against the two samples of its own instance just before it (grouping by
# millisecond split a reading that crossed a millisecond boundary).
check "querynode: memory percent is used over the target's capacity" \
  'S querynode.memory_used_percent | jq -e -s "length > 0" >/dev/null &&
   jq -s -e "map(select(.type == \"sample\" and .labels.instance == \"qn\")) as \$q |
     [range(2; \$q | length) | select(\$q[.].name == \"querynode.memory_used_percent\") |
      \$q[. - 2].name == \"querynode.memory_used_bytes\" and
      \$q[. - 1].name == \"querynode.memory_capacity_bytes\" and
      ((\$q[.].value - 100 * \$q[. - 2].value / \$q[. - 1].value) | fabs) < 1e-6] |
     length > 0 and all" "$WORK/all.json" >/dev/null'
check "querynode: without a capacity, memory but no percentage" \
  'jq -s -e "map(select(.type == \"sample\" and .labels.instance == \"nolimit\")) | (map(.name) | index(\"querynode.memory_used_bytes\") != null) and (map(.name) | index(\"querynode.memory_used_percent\") == null)" "$WORK/all.json" >/dev/null'
check "querynode: headroom forecast once the window has points" \
  'S querynode.memory_full_in_seconds | jq -e -s "length > 0 and (map(.value >= 0 and .value <= 604800) | all)" >/dev/null'
check "datanode: insert throughput measured (opt-in)" \
  'S datanode.insert_throughput_rows_per_second | jq -e -s "length >= 1 and (map(.value > 0) | all)" >/dev/null'
check "datanode: the scratch collection never shows and is dropped" \
  '! jq -e "select(.labels.collection? // \"\" | startswith(\"vmon_scratch_\"))" "$WORK/all.json" >/dev/null &&
   ! grep -q "could not drop scratch" "$WORK/all.err"'
check "indexnode: type, metric and parameters of the index" \
  'S indexnode.index_info | jq -e -s ".[0].labels | .index_type == \"IVF_FLAT\" and .metric == \"L2\" and (.nlist | tonumber > 0)" >/dev/null'

# 3. Rules fire and resolve: an HNSW build is "too long" above 0 s, so the
#    alert fires while it runs and resolves when it has finished; the ETA
#    appears while it runs.
cat >"$WORK/rules.ini" <<INI
[target:db]
plugin = embedded
dim = 32
rows = 10000
index = HNSW
threads = 1
[probe:ix]
plugin = indexnode
target = db
interval = 100ms
[rule:index_build_slow]
metric = indexnode.build_elapsed_seconds
above = 0
severity = warning
message = index build on {collection} running for {value} s
[sink:out]
plugin = stdout
format = json
samples = true
[pipeline:p]
target = db
probes = ix
rules = index_build_slow
sinks = out
INI
"$VMOND" -c "$WORK/rules.ini" >"$WORK/rules.json" 2>"$WORK/rules.err" &
PID=$!
check "build alert fires while the index builds" 'wait_for "$WORK/rules.json" "\"rule\":\"index_build_slow\".*\"state\":\"firing\"\|\"state\":\"firing\".*\"rule\":\"index_build_slow\"" 60'
check "build alert resolves once the build has finished" 'wait_for "$WORK/rules.json" "\"state\":\"resolved\"" 120'
check "an ETA was reported while building" 'grep -q "indexnode.build_eta_seconds" "$WORK/rules.json"'
check "fired once, resolved once" \
  '[ "$(jq -c "select(.type == \"alert\" and .rule == \"index_build_slow\") | .state" "$WORK/rules.json" | sort | uniq -c | awk "{print \$1}" | tr "\n" " ")" = "1 1 " ]'
kill "$PID"; wait "$PID" 2>/dev/null; PID=

checks_done
