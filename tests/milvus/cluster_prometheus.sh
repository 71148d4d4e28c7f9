#!/usr/bin/env bash
# Cluster mode through a real Prometheus: three Milvus-shaped query nodes
# (mock-milvus, each its own 9091) scraped by Debian's prometheus on
# loopback; target_milvus with metrics_source = prometheus reads the
# per-node figures back through Prometheus's query API, and with a list of
# metrics_uri reads the same nodes directly. Then `vmond --once` with the four
# component probes on that target prints the component report sections with
# the three query nodes' rows.
# Usage: cluster_prometheus.sh MOCK_MILVUS MILVUS_REPORT PLUGIN_DIR FREE_PORT VMOND
set -u
mock=$1 report=$2 plugins=$3 free_port=$4 vmond=$5
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
# shellcheck source=../integration/lib_prometheus.sh
. "$here/../integration/lib_prometheus.sh"
prom=$(command -v prometheus || echo /usr/bin/prometheus)
[ -x "$prom" ] || { echo "prometheus is not installed (scripts/install-deps.sh installs it)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vmon-cluster.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# node N's metrics at step S: counts grow by the same shape every step, so
# the p95 of any window is 91 ms (half under 10 ms, half under 100 ms).
write_metrics() {
  local node=$1 step=$2 dir=$work/node$1
  local n=$((step * 10))
  cat >"$dir/metrics.tmp" <<EOM
# TYPE milvus_querynode_sq_req_count counter
milvus_querynode_sq_req_count{node_id="$node",query_type="search",status="total",scope="collection",collection_id="1"} $((n * 2))
# TYPE milvus_querynode_sq_req_latency histogram
milvus_querynode_sq_req_latency_bucket{node_id="$node",query_type="search",scope="collection",le="1"} 0
milvus_querynode_sq_req_latency_bucket{node_id="$node",query_type="search",scope="collection",le="10"} $n
milvus_querynode_sq_req_latency_bucket{node_id="$node",query_type="search",scope="collection",le="100"} $((n * 2))
milvus_querynode_sq_req_latency_bucket{node_id="$node",query_type="search",scope="collection",le="+Inf"} $((n * 2))
milvus_querynode_sq_req_latency_sum{node_id="$node",query_type="search",scope="collection"} $((n * 40))
milvus_querynode_sq_req_latency_count{node_id="$node",query_type="search",scope="collection"} $((n * 2))
# TYPE milvus_querynode_entity_size gauge
milvus_querynode_entity_size{node_id="$node",collection_id="1",segment_state="Sealed"} $((node * 1000))
EOM
  mv "$dir/metrics.tmp" "$dir/metrics"
}

ports=()
for node in 11 12 13; do
  mkdir -p "$work/node$node/v2/vectordb/collections"
  echo OK >"$work/node$node/healthz"
  echo '{"code":0,"data":[]}' >"$work/node$node/v2/vectordb/collections/list"
  write_metrics "$node" 1
  "$mock" --dir "$work/node$node" >"$work/node$node.port" &
  pids+=($!)
done
for node in 11 12 13; do
  wait_for "$work/node$node.port" '^port ' 10 || { echo "mock-milvus $node did not start"; exit 1; }
  ports+=("$(awk '{print $2}' "$work/node$node.port")")
done
# Node 11 also stands for the proxy (REST and its 9091 routes): collection c1, an IVF index,
# one segment on each query node, and the query nodes' capacities (system_info).
P=$work/node11 V=$work/node11/v2/vectordb
mkdir -p "$V/indexes" "$V/entities" "$P/api/v1"
echo '{"code":0,"data":["c1"]}' >"$V/collections/list"
echo '{"code":0,"data":{"collectionName":"c1","collectionID":1,"fields":[{"name":"pk","type":"Int64","primaryKey":true},{"name":"emb","type":"FloatVector","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"emb_idx","fieldName":"emb","metricType":"L2"}],"load":"LoadStateLoaded"}}' >"$V/collections/describe"
echo '{"code":0,"data":{"rowCount":600}}' >"$V/collections/get_stats"
echo '{"code":0,"data":{"loadState":"LoadStateLoaded"}}' >"$V/collections/get_load_state"
echo '{"code":0,"data":["emb_idx"]}' >"$V/indexes/list"
echo '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"IVF_FLAT","metricType":"L2","totalRows":600,"indexedRows":600,"pendingRows":0,"indexState":"Finished","failReason":""}]}' >"$V/indexes/describe"
echo '{"status":{},"index_descriptions":[{"index_name":"emb_idx","params":[{"key":"params","value":"{\"nlist\":\"128\"}"}]}]}' >"$P/api/v1/index"
echo '{"code":0,"data":[{"id":"7","distance":0.5}],"cost":1}' >"$V/entities/search"
echo '{"status":{},"infos":[{"segmentID":501,"collectionID":1,"num_rows":100,"index_name":"emb_idx","indexID":9,"state":3,"nodeIds":[11]},{"segmentID":502,"collectionID":1,"num_rows":200,"index_name":"emb_idx","indexID":9,"state":3,"nodeIds":[12]},{"segmentID":503,"collectionID":1,"num_rows":300,"index_name":"emb_idx","indexID":9,"state":3,"nodeIds":[13]}]}' >"$P/api/v1/query-segment-info"
nodes_info=
for node in 11 12 13; do
  nodes_info="$nodes_info{\\\"identifier\\\":$node,\\\"infos\\\":{\\\"type\\\":\\\"querynode\\\",\\\"hardware_infos\\\":{\\\"memory\\\":100000}}},"
done
echo "{\"status\":{},\"response\":\"{\\\"nodes_info\\\":[${nodes_info%,}]}\"}" >"$P/api/v1/metrics"

targets=$(printf "'127.0.0.1:%s'," "${ports[@]}")
cat >"$work/prometheus.yml" <<EOM
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: milvus
    static_configs:
      - targets: [${targets%,}]
EOM

start_prometheus "$work/prometheus.yml" "$work" "$free_port" && pids+=("$PROM_PID")
pport=${PROM_PORT:-0}
check "prometheus is ready on loopback" 'curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null'

# Counters grow while the test runs, so rate() has something to see.
( step=2; while :; do for n in 11 12 13; do write_metrics $n $step; done; step=$((step + 1)); sleep 0.5; done ) &
pids+=($!)

common=("uri=http://127.0.0.1:${ports[0]}" "metrics_source=prometheus"
        "prometheus_url=http://127.0.0.1:$pport" "rate_window=10s" "timeout=5s")
out=$work/report.txt
# Bounded poll: the first scrape comes after Prometheus's 5 s discovery tick,
# and rate() needs two scrapes in the window.
end=$((SECONDS + 60))
until [ $SECONDS -gt $end ]; do
  "$report" "$plugins" querynode "${common[@]}" >"$out" 2>"$work/report.err" &&
    [ "$(grep -c '^querynode.search_latency_p95_ms' "$out")" -eq 3 ] && break
  sleep 0.5
done
cat "$work/report.err"
for node in 11 12 13; do
  check "node $node memory through Prometheus" \
    "grep -qx 'querynode.memory_used_bytes{node_id=\"$node\"} $((node * 1000))' '$out'"
  check "node $node p95 through Prometheus (rate + histogram_quantile there)" \
    "awk -v want=91 '/^querynode.search_latency_p95_ms\\{node_id=\"$node\"\\}/ { d = \$2 - want; ok = d < 0.5 && d > -0.5 } END { exit !ok }' '$out'"
  check "node $node search rate through Prometheus" \
    "awk '/^querynode.search_requests_per_second\\{node_id=\"$node\"\\}/ { ok = \$2 > 0 } END { exit !ok }' '$out'"
done

# The same three nodes as a list of component endpoints, read directly.
list=$(printf 'http://127.0.0.1:%s,' "${ports[@]}")
"$report" "$plugins" querynode "uri=http://127.0.0.1:${ports[0]}" "metrics_uri=${list%,}" >"$out" 2>&1
for node in 11 12 13; do
  check "node $node memory from its own endpoint" \
    "grep -qx 'querynode.memory_used_bytes{node_id=\"$node\"} $((node * 1000))' '$out'"
done

# The four component probes on the same target: `vmond --once` prints the component report.
mkdir -p "$work/plugins"
cp "$plugins"/target_milvus.so "$plugins"/probe_{proxy,querynode,datanode,indexnode}.so \
  "$plugins"/sink_stdout.so "$work/plugins/"
chmod 755 "$work" "$work/plugins"
cat >"$work/vmond.ini" <<EOI
[daemon]
plugin_dir = $work/plugins
[target:db]
plugin = milvus
uri = http://127.0.0.1:${ports[0]}
metrics_uri = http://127.0.0.1:${ports[0]}
metrics_source = prometheus
prometheus_url = http://127.0.0.1:$pport
rate_window = 10s
timeout = 5s
[probe:proxy]
plugin = proxy
target = db
searches = 2
[probe:querynode]
plugin = querynode
target = db
[probe:datanode]
plugin = datanode
target = db
[probe:indexnode]
plugin = indexnode
target = db
[sink:console]
plugin = stdout
format = human
samples = true
[pipeline:components]
target = db
probes = proxy, querynode, datanode, indexnode
sinks = console
EOI
vout=$work/vmond.txt
"$vmond" --once -c "$work/vmond.ini" >"$vout" 2>"$work/once.err"; rc=$?
check "vmond --once with metrics_source = prometheus exits 0" '[ $rc -eq 0 ] || cat "$work/once.err"'
section() { awk -v s="  [$1]" '$0 == s {on = 1; next} on && /^$/ {exit} on' "$vout"; }
check "segments: one per query node" \
  '[ "$(section Segments | awk "NR > 2 {print \$1 \":\" \$2}" | sort | tr "\n" " ")" = "501:11 502:12 503:13 " ]'
check "distribution per node: the three query nodes" \
  '[ "$(section "Distribution per node" | awk "NR > 2 {print \$1 \":\" \$2 \":\" \$3}" | sort | tr "\n" " ")" = "11:1:100 12:1:200 13:1:300 " ]'
# memory used through Prometheus (node * 1000 bytes) against the system_info capacity (100000)
check "memory per query node: the three nodes through Prometheus, against their capacity" \
  'section "Memory per query node" | grep -Eq "^ +11 +[0-9.]+ KiB +[0-9.]+ KiB +11.0 %" &&
   section "Memory per query node" | grep -Eq "^ +12 .* 12.0 %" && section "Memory per query node" | grep -Eq "^ +13 .* 13.0 %"'
check "index build: the IVF index with its nlist, finished" \
  'section "Index build progress" | grep -Eq "^  c1 +IVF_FLAT +L2 +nlist=128 +finished +100.0 %"'
check "per-node query rates through Prometheus" \
  '[ "$(grep -Ec "^  querynode.search_latency_p95_ms .*node_id=\"1[123]\"" "$vout")" -eq 3 ]'

# A Prometheus that refuses the query says so, naming prometheus_url.
"$report" "$plugins" querynode "${common[@]/prometheus_url=*/prometheus_url=http://127.0.0.1:${ports[0]}}" >"$out" 2>&1
check "a non-Prometheus prometheus_url is a clear error" "grep -q 'prometheus_url' '$out'"
checks_done
