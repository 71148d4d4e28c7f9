#!/usr/bin/env bash
# The proxy probe against the milvus target and the Milvus-shaped test server
# (mock-milvus): request and failure rates with two proxy nodes, each node's
# counter diffed only against itself and reported per node; recall against a
# real exhaustive setting (nprobe = nlist from indexes/describe, else the
# legacy /api/v1/index route, else recall_nprobe), and no ratio but one
# warning when nlist is unknown.
# Usage: proxy_milvus.sh VMOND SOURCE_DIR MOCK_MILVUS PLUGIN_DIR
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") MOCK=$(realpath "$3") PLUGINS=$(realpath "$4")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-proxy-mv-XXXXXX")
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
put v2/vectordb/collections/list '{"code":0,"data":["c1"]}'
put v2/vectordb/collections/describe '{"code":0,"data":{"collectionName":"c1","collectionID":1,"fields":[{"name":"pk","type":"Int64","primaryKey":true},{"name":"emb","type":"FloatVector","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"emb_idx","fieldName":"emb","metricType":"L2"}],"load":"LoadStateLoaded"}}'
put v2/vectordb/collections/get_stats '{"code":0,"data":{"rowCount":1000}}'
put v2/vectordb/indexes/list '{"code":0,"data":["emb_idx"]}'
put v2/vectordb/indexes/describe '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"IVF_FLAT","metricType":"L2","totalRows":1000,"indexedRows":1000,"pendingRows":0,"indexState":"Finished","failReason":""}]}'
put v2/vectordb/entities/search '{"code":0,"data":[{"id":"7","distance":0.5}],"cost":1}'
put api/v1/query-segment-info '{"status":{},"infos":[]}'
cp "$PLUGINS"/target_milvus.so "$PLUGINS"/probe_proxy.so "$PLUGINS"/sink_stdout.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
"$MOCK" --dir "$D" >"$WORK/port" & PIDS+=($!)
wait_for "$WORK/port" "port" 10 || { echo "mock-milvus did not start"; exit 1; }
PORT=$(awk '/port/ {print $2}' "$WORK/port")

conf() { # conf FILE [extra proxy-probe lines...]
  local f=$1; shift
  {
    printf '[daemon]\nplugin_dir = %s\n' "$WORK/plugins"
    printf '[target:db]\nplugin = milvus\nuri = http://127.0.0.1:%s\nmetrics_uri = http://127.0.0.1:%s\n' "$PORT" "$PORT"
    printf 'timeout = 2s\nmax_age = 10ms\n'
    printf '[probe:px]\nplugin = proxy\ntarget = db\ninterval = 100ms\nhealth_checks = 1\n'
    printf '%s\n' "$@"
    printf '[sink:out]\nplugin = stdout\nformat = json\nsamples = true\n'
    printf '[pipeline:p]\ntarget = db\nprobes = px\nsinks = out\n'
  } >"$f"
}
S() { jq -c "select(.type == \"sample\" and .name == \"$1\")" "$2"; }

# 1. Two proxy nodes whose counters stand still: node 1 at 100 searches (5 failed), node 2 at
#    1000 (50 failed). Diffed against each other (one series per collection) they read as
#    hundreds per second; per node they are 0.
put metrics 'milvus_proxy_req_count{node_id="1",function_name="Search",status="total",collection_name="c1"} 100
milvus_proxy_req_count{node_id="2",function_name="Search",status="total",collection_name="c1"} 1000
milvus_proxy_req_count{node_id="1",function_name="Search",status="fail",collection_name="c1"} 5
milvus_proxy_req_count{node_id="2",function_name="Search",status="fail",collection_name="c1"} 50'
conf "$WORK/rates.ini" 'searches = 0'
"$VMOND" --cycles 5 -c "$WORK/rates.ini" >"$WORK/rates.json" 2>"$WORK/rates.err"; rc=$?
check "--cycles 5 exits 0" '[ $rc -eq 0 ] || cat "$WORK/rates.err"'
for m in proxy.search_requests_per_second proxy.search_failures_per_second; do
  check "$m: one series per proxy node (nodes 1 and 2)" \
    '[ "$(S $m "$WORK/rates.json" | jq -r .labels.node_id | sort -u | tr "\n" " ")" = "1 2 " ]'
  check "$m: each node diffed against itself (0 while its counter stands still)" \
    'S $m "$WORK/rates.json" | jq -s -e "length >= 4 and (map(.value == 0) | all)" >/dev/null'
done

# 2. Recall on an IVF index. The exhaustive searches must probe nlist lists: the searches the
#    mock was asked for say which nprobe they used.
recall() { # recall NAME [extra proxy-probe lines...]: one --once run with recall on
  local n=$1; shift
  : >"$D/requests.log"
  conf "$WORK/$n.ini" 'searches = 1' 'recall = on' 'recall_queries = 1' "$@"
  "$VMOND" --once -c "$WORK/$n.ini" >"$WORK/$n.json" 2>"$WORK/$n.err"
}
nprobes() { grep -o '"nprobe":[0-9]*' "$D/requests.log" | sort -u | tr "\n" " "; }
# 2a. REST v2 without build params and no legacy route (404): nlist is unknown.
recall unknown; rc=$?
check "nlist unknown: --once exits 0" '[ $rc -eq 0 ] || cat "$WORK/unknown.err"'
check "nlist unknown: no recall ratio (a ratio against the default nprobe would mislead)" \
  '[ -z "$(S proxy.search_recall_ratio "$WORK/unknown.json")" ] && [ -z "$(nprobes)" ]'
check "nlist unknown: one warning naming the collection and recall_nprobe" \
  '[ "$(grep -c "recall" "$WORK/unknown.err")" -eq 1 ] &&
   grep -q "recall of collection .c1. not measured: .*nlist.*recall_nprobe" "$WORK/unknown.err"'
check "nlist unknown: the target asked the legacy DescribeIndex route" \
  'grep -q "^GET /api/v1/index .*\"collection_name\":\"c1\".*\"index_name\":\"emb_idx\"" "$D/requests.log"'
# 2b. The legacy route answers with DescribeIndexResponse (params as key/value, "params" JSON-encoded).
put api/v1/index '{"status":{},"index_descriptions":[{"index_name":"emb_idx","indexID":9,"field_name":"emb","params":[{"key":"index_type","value":"IVF_FLAT"},{"key":"metric_type","value":"L2"},{"key":"params","value":"{\"nlist\":\"64\"}"}]}]}'
recall legacy
check "nlist from /api/v1/index: exhaustive searches at nprobe = 64, a ratio in [0, 1]" \
  '[ "$(nprobes)" = "\"nprobe\":64 " ] &&
   S proxy.search_recall_ratio "$WORK/legacy.json" | jq -s -e "length == 1 and .[0].value >= 0 and .[0].value <= 1" >/dev/null'
# 2c. A server whose indexes/describe has the build params: no legacy call needed.
rm "$D/api/v1/index"
put v2/vectordb/indexes/describe '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"IVF_FLAT","metricType":"L2","params":{"nlist":32},"totalRows":1000,"indexedRows":1000,"pendingRows":0,"indexState":"Finished","failReason":""}]}'
recall described
check "nlist from indexes/describe params: nprobe = 32, no legacy call" \
  '[ "$(nprobes)" = "\"nprobe\":32 " ] && [ -n "$(S proxy.search_recall_ratio "$WORK/described.json")" ] &&
   ! grep -q "^GET /api/v1/index " "$D/requests.log"'
# 2d. recall_nprobe overrides nlist.
recall override 'recall_nprobe = 16'
check "recall_nprobe = 16 is the exhaustive setting" \
  '[ "$(nprobes)" = "\"nprobe\":16 " ] && [ -n "$(S proxy.search_recall_ratio "$WORK/override.json")" ]'

checks_done
