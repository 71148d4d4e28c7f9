#!/usr/bin/env bash
# HTTP requests per minute of the four component probes together, at their
# default intervals (proxy, querynode, indexnode 10 s; datanode 30 s), against
# the Milvus-shaped test server (mock-milvus, from the milvus target's tests)
# standing for a standalone Milvus 2.4 with one collection; per route, from the
# server's request log. Also the wall time of a proxy reading (span of its
# samples' timestamps). Figures, not pass/fail.
# Usage: milvus_requests.sh VMOND MOCK_MILVUS PLUGIN_DIR [SECONDS=60]
#   PLUGIN_DIR holds target_milvus.so, probe_{proxy,querynode,datanode,indexnode}.so, sink_stdout.so
set -euo pipefail
VMOND=$(realpath "$1") MOCK=$(realpath "$2") PLUGINS=$(realpath "$3") SECS=${4:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-mv-bench-XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
D=$WORK/milvus V=$D/v2/vectordb
mkdir -p "$V/collections" "$V/indexes" "$V/entities" "$D/api/v1" "$WORK/plugins"
echo OK >"$D/healthz"
cat >"$D/metrics" <<'M'
# TYPE milvus_proxy_req_count counter
milvus_proxy_req_count{node_id="1",function_name="Search",status="total",collection_name="c1"} 100
milvus_proxy_req_count{node_id="1",function_name="Search",status="fail",collection_name="c1"} 0
# TYPE milvus_querynode_sq_req_count counter
milvus_querynode_sq_req_count{node_id="1",query_type="search",status="total"} 100
# TYPE milvus_querynode_entity_size gauge
milvus_querynode_entity_size{node_id="1",collection_id="1",segment_state="Sealed"} 4096
M
echo '{"code":0,"data":["c1"]}' >"$V/collections/list"
echo '{"code":0,"data":{"collectionName":"c1","collectionID":1,"fields":[{"name":"pk","type":"Int64","primaryKey":true},{"name":"emb","type":"FloatVector","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"emb_idx","fieldName":"emb","metricType":"L2"}],"load":"LoadStateLoaded"}}' >"$V/collections/describe"
echo '{"code":0,"data":{"rowCount":1000}}' >"$V/collections/get_stats"
echo '{"code":0,"data":{"loadState":"LoadStateLoaded"}}' >"$V/collections/get_load_state"
echo '{"code":0,"data":["emb_idx"]}' >"$V/indexes/list"
echo '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"HNSW","metricType":"L2","totalRows":1000,"indexedRows":1000,"pendingRows":0,"indexState":"Finished","failReason":""}]}' >"$V/indexes/describe"
echo '{"code":0,"topks":[1],"data":[{"id":"7","distance":0.5}],"cost":1}' >"$V/entities/search"
echo '{"status":{},"infos":[{"segmentID":452,"collectionID":1,"mem_size":4096,"num_rows":1000,"index_name":"emb_idx","indexID":9,"state":3,"nodeIds":[1]}]}' >"$D/api/v1/query-segment-info"
cp "$PLUGINS"/target_milvus.so "$PLUGINS"/probe_{proxy,querynode,datanode,indexnode}.so \
  "$PLUGINS"/sink_stdout.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
"$MOCK" --dir "$D" >"$WORK/port" & PIDS+=($!)
for _ in $(seq 100); do grep -q port "$WORK/port" && break; sleep 0.05; done
PORT=$(awk '/port/ {print $2}' "$WORK/port")
cat >"$WORK/v.ini" <<INI
[daemon]
plugin_dir = $WORK/plugins
[target:db]
plugin = milvus
uri = http://127.0.0.1:$PORT
metrics_uri = http://127.0.0.1:$PORT
[probe:proxy]
plugin = proxy
target = db
[probe:querynode]
plugin = querynode
target = db
memory_limit = 16G
[probe:datanode]
plugin = datanode
target = db
interval = 30s
[probe:indexnode]
plugin = indexnode
target = db
[sink:out]
plugin = stdout
format = json
samples = true
[pipeline:p]
target = db
probes = proxy, querynode, datanode, indexnode
sinks = out
INI
"$VMOND" -c "$WORK/v.ini" >"$WORK/out.json" 2>"$WORK/vmond.log" & VM=$!; PIDS+=($VM)
sleep "$SECS"
kill "$VM"; wait "$VM" 2>/dev/null || true
total=$(wc -l <"$D/requests.log")
echo "four component probes, default intervals, ${SECS}s against mock-milvus (1 collection)"
awk -v s="$SECS" '{n[$1 " " $2]++} END {for (r in n) printf "  %-45s %6.1f /min\n", r, n[r] * 60 / s}' \
  "$D/requests.log" | sort -k3 -nr
printf '  %-45s %6.1f /min\n' "total" "$(echo "$total * 60 / $SECS" | bc -l)"
jq -r 'select(.type == "sample" and .source == "probe:proxy") | .time_ms' "$WORK/out.json" |
  awk 'NR == 1 {s = $1; l = $1; next} $1 - l > 5000 {print l - s; s = $1} {l = $1} END {print l - s}' |
  sort -n | awk '{v[NR] = $1} END {printf "  proxy reading wall time: median %d ms, max %d ms (%d readings)\n", v[int((NR + 1) / 2)], v[NR], NR}'
grep -E "warning|error" "$WORK/vmond.log" | head -5 || true
