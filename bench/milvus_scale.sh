#!/usr/bin/env bash
# The milvus target at scale: 50 Milvus-shaped nodes (mock-milvus, each its
# own 9091 with per-node metrics for 200 collections; node 1 also the proxy
# with 200 collections over REST), watched by one target instance the way
# the four component probes watch it (proxy, querynode, datanode, indexnode,
# each once per interval). Prints requests per minute (from the servers'
# logs), the watcher's CPU per minute and peak RSS. Figures, not pass/fail.
# Usage: bench/milvus_scale.sh BUILD_DIR [NODES=50] [COLLECTIONS=200] [INTERVAL_S=10] [SECONDS=60]
set -eu
build=$(cd "$1" && pwd)
nodes=${2:-50} colls=${3:-200} interval=${4:-10} duration=${5:-60}
mock=$build/tests/mock-milvus report=$build/tests/milvus-report plugins=$build/plugins
work=$(mktemp -d "${TMPDIR:-/tmp}/vmon-scale.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT

metrics_of() { # node id: a query node's /metrics for every collection
  local n=$1 c
  for ((c = 0; c < colls; c++)); do
    echo "milvus_querynode_segment_num{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\",segment_level=\"L1\"} 4"
    echo "milvus_querynode_entity_num{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\",collection_name=\"coll$c\",db_name=\"default\"} 40000"
    echo "milvus_querynode_entity_size{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\"} 20480000"
    echo "milvus_querynode_sq_req_count{node_id=\"$n\",query_type=\"search\",status=\"total\",scope=\"collection\",collection_id=\"$((1000 + c))\"} $((c * 10))"
    for le in 1 2 4 8 16 32 64 128 256 512 1024 +Inf; do
      echo "milvus_querynode_sq_req_latency_bucket{node_id=\"$n\",query_type=\"search\",scope=\"collection\",le=\"$le\"} $((c + 1))"
    done
  done
  echo "process_resident_memory_bytes 1.5e+09"
}

for ((n = 1; n <= nodes; n++)); do
  d=$work/node$n
  mkdir -p "$d"
  echo OK >"$d/healthz"
  metrics_of "$n" >"$d/metrics"
done
p=$work/node1 v=$p/v2/vectordb
mkdir -p "$v/collections" "$v/indexes" "$p/api/v1"
names=$(for ((c = 0; c < colls; c++)); do printf '"coll%d",' "$c"; done)
echo "{\"code\":0,\"data\":[${names%,}]}" >"$v/collections/list"
echo '{"code":0,"data":{"collectionID":1,"fields":[{"name":"id","type":"Int64","primaryKey":true},{"name":"vector","type":"FloatVector","params":[{"key":"dim","value":"128"}]}],"indexes":[{"indexName":"vector","metricType":"L2"}],"load":"LoadStateLoaded"}}' >"$v/collections/describe"
echo '{"code":0,"data":{"rowCount":160000}}' >"$v/collections/get_stats"
echo '{"code":0,"data":["vector"]}' >"$v/indexes/list"
echo '{"code":0,"data":[{"indexName":"vector","indexType":"HNSW","metricType":"L2","totalRows":160000,"indexedRows":160000,"pendingRows":0,"indexState":"Finished"}]}' >"$v/indexes/describe"
segs=$(for ((s = 0; s < 4; s++)); do printf '{"segmentID":%d,"mem_size":5120000,"num_rows":40000,"index_name":"vector","indexID":9,"state":3,"nodeIds":[%d]},' $((500 + s)) $((s % nodes + 1)); done)
echo "{\"status\":{},\"infos\":[${segs%,}]}" >"$p/api/v1/query-segment-info"

ports=()
for ((n = 1; n <= nodes; n++)); do
  "$mock" --dir "$work/node$n" >"$work/port$n" &
  pids+=($!)
done
for ((n = 1; n <= nodes; n++)); do
  for _ in $(seq 100); do grep -q '^port ' "$work/port$n" 2>/dev/null && break; sleep 0.05; done
  ports+=("$(awk '{print $2}' "$work/port$n")")
done
list=$(printf 'http://127.0.0.1:%s,' "${ports[@]}")
rounds=$((duration / interval))
[ "$rounds" -ge 1 ] || rounds=1
echo "milvus_scale: $nodes nodes, $colls collections, four components every ${interval}s, $rounds rounds"
"$report" --quiet --repeat "$rounds" --every-ms $((interval * 1000)) "$plugins" \
  proxy,querynode,datanode,indexnode "uri=http://127.0.0.1:${ports[0]}" "metrics_uri=${list%,}" \
  timeout=30s 2>&1
total=$(cat "$work"/node*/requests.log | wc -l)
scrapes=$(cat "$work"/node*/requests.log | grep -c 'GET /metrics ' || true)
echo "requests: $total in $rounds rounds ($scrapes /metrics scrapes), $((total * 60 / (rounds * interval))) per minute"
