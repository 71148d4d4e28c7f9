#!/usr/bin/env bash
# The four component probes against the milvus target and the Milvus-shaped
# test server (mock-milvus: Milvus itself cannot run in CI): the same report
# sections with per-node figures (two query nodes), memory against each node's
# capacity from the system-info route, a memory rule that fires for one node
# and resolves, and a server that stops answering (`_hang`): target_unreachable
# once, dependent alerts held, resolved when it answers again.
# The report of `vmond --once` (its exit code checked) also carries the proxy's
# latency and counters and the data node's figures the mock serves, and the
# running daemon a user search rate per proxy node.
# Usage: components_milvus.sh VMOND SOURCE_DIR MOCK_MILVUS PLUGIN_DIR
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") MOCK=$(realpath "$3") PLUGINS=$(realpath "$4")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-probes-mv-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../integration/lib_check.sh
. "$SRC/tests/integration/lib_check.sh"

D=$WORK/milvus V=$D/v2/vectordb
mkdir -p "$V/collections" "$V/indexes" "$V/entities" "$D/api/v1" "$WORK/plugins"
put() { printf '%s\n' "$2" >"$D/$1.tmp" && mv "$D/$1.tmp" "$D/$1"; } # the server never reads half a file
put healthz OK
metrics() { # the proxy's search count ($1) grows between readings while a test wants a rate
  put metrics "milvus_querynode_sq_req_count{node_id=\"7\",query_type=\"search\",status=\"total\"} 10
milvus_querynode_sq_req_count{node_id=\"8\",query_type=\"search\",status=\"total\"} 20
milvus_proxy_req_count{node_id=\"3\",function_name=\"Search\",status=\"total\",collection_name=\"c1\"} $1
milvus_proxy_req_count{node_id=\"3\",function_name=\"Search\",status=\"fail\",collection_name=\"c1\"} 2
milvus_proxy_sq_latency_bucket{node_id=\"3\",query_type=\"search\",collection_name=\"c1\",le=\"10\"} 50
milvus_proxy_sq_latency_bucket{node_id=\"3\",query_type=\"search\",collection_name=\"c1\",le=\"100\"} 100
milvus_proxy_sq_latency_bucket{node_id=\"3\",query_type=\"search\",collection_name=\"c1\",le=\"+Inf\"} 100
milvus_proxy_sq_latency_sum{node_id=\"3\",query_type=\"search\",collection_name=\"c1\"} 2500
milvus_proxy_sq_latency_count{node_id=\"3\",query_type=\"search\",collection_name=\"c1\"} 100
milvus_datanode_msg_rows_count{node_id=\"5\",msg_type=\"insert\"} 1000
milvus_datanode_flushed_data_rows{node_id=\"5\"} 900
milvus_datanode_save_latency_bucket{node_id=\"5\",le=\"100\"} 4
milvus_datanode_save_latency_bucket{node_id=\"5\",le=\"+Inf\"} 4
milvus_datanode_save_latency_sum{node_id=\"5\"} 120
milvus_datanode_save_latency_count{node_id=\"5\"} 4
milvus_datacoord_segment_num{node_id=\"5\",segment_state=\"Flushed\"} 2"
}
metrics 100
put v2/vectordb/collections/list '{"code":0,"data":["c1"]}'
put v2/vectordb/collections/describe '{"code":0,"data":{"collectionName":"c1","collectionID":1,"fields":[{"name":"pk","type":"Int64","primaryKey":true},{"name":"emb","type":"FloatVector","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"emb_idx","fieldName":"emb","metricType":"IP"}],"load":"LoadStateLoaded"}}'
put v2/vectordb/collections/get_stats '{"code":0,"data":{"rowCount":1000}}'
put v2/vectordb/collections/get_load_state '{"code":0,"data":{"loadState":"LoadStateLoaded"}}'
put v2/vectordb/indexes/list '{"code":0,"data":["emb_idx"]}'
put v2/vectordb/indexes/describe '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"HNSW","metricType":"IP","totalRows":1000,"indexedRows":800,"pendingRows":200,"indexState":"InProgress","failReason":""}]}'
put v2/vectordb/entities/search '{"code":0,"topks":[1],"data":[{"id":"7","distance":0.5}],"cost":1}'
put api/v1/query-segment-info '{"status":{},"infos":[{"segmentID":452,"collectionID":1,"mem_size":4096,"num_rows":700,"index_name":"emb_idx","indexID":9,"state":3,"nodeIds":[7]},{"segmentID":451,"collectionID":1,"mem_size":1024,"num_rows":300,"state":3,"nodeIds":[8]}]}'
sysinfo() { # node 7's memory usage in bytes of 8e9; node 8 at 2e9; the proxy's build v2.4.5
  put api/v1/metrics "{\"status\":{},\"component_name\":\"proxy1\",\"response\":\"{\\\"nodes_info\\\":[{\\\"identifier\\\":3,\\\"infos\\\":{\\\"type\\\":\\\"proxy\\\",\\\"system_info\\\":{\\\"build_version\\\":\\\"v2.4.5\\\"}}},{\\\"identifier\\\":7,\\\"infos\\\":{\\\"type\\\":\\\"querynode\\\",\\\"hardware_infos\\\":{\\\"memory\\\":8000000000,\\\"memory_usage\\\":$1}}},{\\\"identifier\\\":8,\\\"infos\\\":{\\\"type\\\":\\\"querynode\\\",\\\"hardware_infos\\\":{\\\"memory\\\":8000000000,\\\"memory_usage\\\":2000000000}}}]}\"}"
}
sysinfo 7400000000
cp "$PLUGINS"/target_milvus.so "$PLUGINS"/probe_{proxy,querynode,datanode,indexnode}.so \
  "$PLUGINS"/sink_stdout.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
"$MOCK" --dir "$D" >"$WORK/port" & PIDS+=($!)
wait_for "$WORK/port" "port" 10 || { echo "mock-milvus did not start"; exit 1; }
PORT=$(awk '/port/ {print $2}' "$WORK/port")

# The shipped rules, pointed at the mock (its target block swapped for a milvus one, the
# insert test off: the mock has no create route).
awk -v port="$PORT" -v plugins="$WORK/plugins" '
  /^\[daemon\]/ {print; print "plugin_dir = " plugins; next}
  /^\[target:db\]/ {print; print "plugin = milvus"; print "uri = http://127.0.0.1:" port;
                    print "metrics_uri = http://127.0.0.1:" port; print "timeout = 500ms";
                    print "connect_timeout = 500ms"; print "max_age = 100ms"; skip = 1; next}
  /^\[/ {skip = 0}
  skip && /^[a-z]/ {next}
  /^insert_test/ {print "insert_test = off"; next}
  {print}' "$SRC/conf.d/components.ini" >"$WORK/c.ini"
# One more rule, on a figure of the target this mock does not serve (no
# milvus_querynode_sq_req_latency): its warning says which Milvus metric and version.
sed -i 's/^\(rules  = .*\)$/\1, querynode_search_p95/' "$WORK/c.ini"
printf '\n[rule:querynode_search_p95]\nmetric = querynode.search_latency_p95_ms\nabove = 100\n' >>"$WORK/c.ini"
check "-t accepts components.ini on the milvus target" '"$VMOND" -t -c "$WORK/c.ini" >/dev/null 2>"$WORK/t.err" || { cat "$WORK/t.err"; false; }'
"$VMOND" --once -c "$WORK/c.ini" >"$WORK/report.txt" 2>"$WORK/once.err"; rc=$?
check "--once exits 0" '[ $rc -eq 0 ] || cat "$WORK/once.err"'
section() { awk -v s="  [$1]" '$0 == s {on = 1; next} on && /^$/ {exit} on' "$WORK/report.txt"; }
check "segments table with each segment's node" \
  '[ "$(section Segments | awk "NR > 2 {print \$1 \":\" \$2}" | sort | tr "\n" " ")" = "451:8 452:7 " ]'
check "distribution per node: two query nodes" \
  '[ "$(section "Distribution per node" | awk "NR > 2 {print \$1 \":\" \$3}" | sort | tr "\n" " ")" = "7:700 8:300 " ]'
check "memory per node against the node's capacity" \
  'section "Memory per query node" | grep -Eq "^ +7 .*7.45 GiB +92.5 %" && section "Memory per query node" | grep -Eq "^ +8 .*25.0 %"'
check "build progress from the index's own state" \
  'section "Index build progress" | grep -Eq "^  c1 +HNSW +IP .*building +80.0 % +200 "'
check "the memory rule fires for node 7 only" \
  'grep -q "^\[FIRING\] .* critical querynode_memory_critical: .*node_id=\"7\"" "$WORK/report.txt" && ! grep -q "querynode_memory_.*node_id=\"8\"" "$WORK/report.txt"'
# line NAME VALUE LABELS: a report line of sample NAME with that value and those labels.
line() { grep -Eq "^  $1 +$2 +\{$3\}$" "$WORK/report.txt"; }
check "proxy: connection latency and the target being up" \
  'grep -Eq "^  proxy.target_up +1$" "$WORK/report.txt" &&
   grep -Eq "^  proxy.connect_latency_avg_ms +[0-9.]+ ms$" "$WORK/report.txt"'
check "proxy: the probe's own search latency for c1" \
  'line proxy.client_search_latency_p95_ms "[0-9.]+ ms" "collection=\"c1\"" &&
   line proxy.client_search_latency_p99_ms "[0-9.]+ ms" "collection=\"c1\""'
check "proxy: the server's search latency per proxy node (histogram p95 91 ms, mean 25 ms)" \
  'line proxy.search_latency_p95_ms "91.00 ms" "collection=\"c1\",node_id=\"3\"" &&
   line proxy.search_latency_avg_ms "25.00 ms" "collection=\"c1\",node_id=\"3\""'
check "proxy: request and failure counters per proxy node" \
  'line proxy.search_requests_total 100 "collection=\"c1\",node_id=\"3\"" &&
   line proxy.search_failures_total 2 "collection=\"c1\",node_id=\"3\""'
check "datanode: inserted and flushed rows, flush duration, sealed segments of node 5" \
  'line datanode.inserted_rows_total 1000 "node_id=\"5\"" && line datanode.flushed_rows_total 900 "node_id=\"5\"" &&
   line datanode.flush_duration_ms "30.00 ms" "node_id=\"5\"" && line datanode.sealed_segments 2 "node_id=\"5\""'
check "datanode: rows and sealed segments of collection c1" \
  'line datanode.rows_total 1000 "collection=\"c1\"" && line datanode.collection_sealed_segments 2 "collection=\"c1\""'
check "without the insert test, its rule is named once as never fed, with the target" \
  '[ "$(grep -c "never appeared" "$WORK/once.err")" -eq 2 ] &&
   grep -q "\[rule:insert_throughput_low\]: metric .datanode.insert_throughput_rows_per_second. never appeared.*target db: milvus" "$WORK/once.err" &&
   ! grep "\[rule:insert_throughput_low\]" "$WORK/once.err" | grep -q "it comes from"'
check "a rule on a figure this Milvus does not expose names the Milvus metric, version and address" \
  '[ "$(grep -c "\[rule:querynode_search_p95\]" "$WORK/once.err")" -eq 1 ] &&
   grep -q "\[rule:querynode_search_p95\]: metric .querynode.search_latency_p95_ms. never appeared.*target db: milvus.*: it comes from Milvus metric milvus_querynode_sq_req_latency (histogram, query_type=search; quantile of its buckets) on Milvus v2.4.5 at http://127.0.0.1:$PORT, which did not expose it" "$WORK/once.err" || cat "$WORK/once.err"'

# Running: the memory alert resolves when the node's usage drops; then the server hangs.
sed -i 's/^interval = .*/interval = 200ms/; s/^\(\[probe:[a-z]*\]\)$/\1\nbackoff_cap = 1s/' "$WORK/c.ini"
sed -i 's/^format  = human/format  = json/' "$WORK/c.ini"
OUT=$WORK/out.json LOG=$WORK/vmond.log
"$VMOND" -c "$WORK/c.ini" >"$OUT" 2>"$LOG" & VM=$!; PIDS+=($VM)
check "memory critical fires" 'wait_for "$OUT" "querynode_memory_critical.*firing\|firing.*querynode_memory_critical" 15'
metrics 1000000
# rate3: node 3's user search rates so far (complete lines only: the daemon is writing).
rate3() { grep -h '"name":"proxy.search_requests_per_second"' "$OUT" | grep '}}$' |
  jq -r 'select(.labels.node_id == "3") | .value'; }
check "proxy: user search rate per proxy node once its counter grows" \
  'for _ in $(seq 100); do rate3 | awk "\$1 > 0 {ok = 1} END {exit !ok}" && break; sleep 0.1; done
   rate3 | awk "\$1 > 0 {ok = 1} END {exit !ok}"'
sysinfo 2000000000
check "and resolves when node 7 has room again" 'wait_for "$OUT" "\"state\":\"resolved\"" 15'
: >"$D/_hang"
check "target_unreachable fires while the server hangs" 'wait_for "$OUT" "\"rule\":\"target_unreachable\".*firing\|firing.*\"rule\":\"target_unreachable\"" 20'
check "dependent alerts are held" 'wait_for "$LOG" "holding alert probe_failed" 10'
check "vmond keeps running" 'kill -0 "$VM"'
rm -f "$D/_hang"
check "target_unreachable resolves when the server answers again" \
  'for _ in $(seq 300); do [ "$(grep -c "\"rule\":\"target_unreachable\".*resolved\|resolved.*\"rule\":\"target_unreachable\"" "$OUT")" -ge 1 ] && break; sleep 0.1; done
   [ "$(grep "\"type\":\"alert\"" "$OUT" | jq -r "select(.rule == \"target_unreachable\") | .state" | tr "\n" " ")" = "firing resolved " ]'
alerts=$(grep "\"type\":\"alert\"" "$OUT" | jq -r '.rule + " " + .state + " " + (.labels.instance // "")')
check "no dependent alert fired during the outage" \
  '! awk "/^target_unreachable firing/ {on = 1; next} /^target_unreachable resolved/ {on = 0} on && / firing/" <<<"$alerts" | grep -q .'
kill -TERM "$VM"; wait "$VM"; rc=$?
check "vmond stops cleanly" '[ $rc -eq 0 ]'
checks_done
