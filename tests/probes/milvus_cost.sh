#!/usr/bin/env bash
# What the four component probes cost a Milvus (mock-milvus, three servers: the
# proxy with its REST port and two more 9091 endpoints), counted in the servers'
# request logs over one `vmond --once` reading:
#  - with 20 collections and `max_collections = 2` (then `collections = c05,
#    c07`), every per-collection route (the probes' own calls and the target's
#    report() for querynode, datanode, indexnode) names only the watched ones;
#  - connection latency is measured (samples present) by `health_checks` (5)
#    requests to the proxy's REST port, and /healthz is asked once per reading
#    of every metrics_uri endpoint (target_up), not health_checks times each.
# Usage: milvus_cost.sh VMOND SOURCE_DIR MOCK_MILVUS PLUGIN_DIR
set -u
VMOND=$(realpath "$1") SRC=$(realpath "$2") MOCK=$(realpath "$3") PLUGINS=$(realpath "$4")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-mv-cost-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=../integration/lib_check.sh
. "$SRC/tests/integration/lib_check.sh"

mkdir -p "$WORK/plugins"
cp "$PLUGINS"/target_milvus.so "$PLUGINS"/probe_{proxy,querynode,datanode,indexnode}.so \
  "$PLUGINS"/sink_stdout.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
names=$(for i in $(seq -w 0 19); do printf '"c%s",' "$i"; done)
start() { # start NAME: a server on its own folder; its port in PORT_NAME
  local D=$WORK/$1
  mkdir -p "$D/v2/vectordb/collections" "$D/v2/vectordb/indexes" "$D/v2/vectordb/entities" "$D/api/v1"
  printf 'OK\n' >"$D/healthz"
  printf 'milvus_querynode_sq_req_count{node_id="%s",query_type="search",status="total"} 10\n' \
    "${#1}" >"$D/metrics"
  "$MOCK" --dir "$D" >"$WORK/$1.port" & PIDS+=($!)
  wait_for "$WORK/$1.port" "port" 10 || { echo "mock-milvus $1 did not start"; exit 1; }
  eval "PORT_$1=$(awk '/port/ {print $2}' "$WORK/$1.port")"
}
start px; start qn; start dn
V=$WORK/px/v2/vectordb
printf '{"code":0,"data":[%s]}\n' "${names%,}" >"$V/collections/list"
printf '%s\n' '{"code":0,"data":{"collectionName":"c","collectionID":1,"fields":[{"name":"pk","type":"Int64","primaryKey":true},{"name":"emb","type":"FloatVector","params":[{"key":"dim","value":"4"}]}],"indexes":[{"indexName":"emb_idx","fieldName":"emb","metricType":"L2"}],"load":"LoadStateLoaded"}}' >"$V/collections/describe"
printf '%s\n' '{"code":0,"data":{"rowCount":1000}}' >"$V/collections/get_stats"
printf '%s\n' '{"code":0,"data":{"loadState":"LoadStateLoaded"}}' >"$V/collections/get_load_state"
printf '%s\n' '{"code":0,"data":["emb_idx"]}' >"$V/indexes/list"
printf '%s\n' '{"code":0,"data":[{"indexName":"emb_idx","fieldName":"emb","indexType":"HNSW","metricType":"L2","params":{"M":16,"efConstruction":200},"totalRows":1000,"indexedRows":1000,"pendingRows":0,"indexState":"Finished","failReason":""}]}' >"$V/indexes/describe"
printf '%s\n' '{"code":0,"topks":[1],"data":[{"id":"7","distance":0.5}],"cost":1}' >"$V/entities/search"
printf '%s\n' '{"status":{},"infos":[{"segmentID":1,"collectionID":1,"mem_size":4096,"num_rows":700,"state":3,"nodeIds":[7]}]}' >"$WORK/px/api/v1/query-segment-info"

conf() { # conf FILE [common probe lines...]
  local f=$1; shift
  {
    printf '[daemon]\nplugin_dir = %s\n' "$WORK/plugins"
    printf '[target:db]\nplugin = milvus\nuri = http://127.0.0.1:%s\n' "$PORT_px"
    printf 'metrics_uri = http://127.0.0.1:%s, http://127.0.0.1:%s, http://127.0.0.1:%s\n' \
      "$PORT_px" "$PORT_qn" "$PORT_dn"
    printf 'timeout = 2s\nmax_age = 5s\n'
    for pr in proxy querynode datanode indexnode; do
      printf '[probe:%s]\nplugin = %s\ntarget = db\n' "$pr" "$pr"
      [ "$pr" != proxy ] || printf 'searches = 1\n'
      printf '%s\n' "$@"
    done
    printf '[sink:out]\nplugin = stdout\n'
    printf '[pipeline:p]\ntarget = db\nprobes = proxy, querynode, datanode, indexnode\nsinks = out\n'
  } >"$f"
}
logs() { rm -f "$WORK"/{px,qn,dn}/requests.log; }
# colls: the collections named in per-collection requests to the proxy, sorted, unique.
colls() { grep -o '"collectionName":"[^"]*"' "$WORK/px/requests.log" | cut -d'"' -f4 | sort -u | tr '\n' ' '; }
count() { grep -c "^$2 " "$WORK/$1/requests.log" || true; } # count SERVER "METHOD PATH"

conf "$WORK/max.ini" "max_collections = 2"
logs
"$VMOND" --once -c "$WORK/max.ini" >"$WORK/max.txt" 2>"$WORK/max.err"; rc=$?
check "--once with max_collections = 2 exits 0" '[ $rc -eq 0 ] || cat "$WORK/max.err"'
check "per-collection routes name only the first two of 20 collections" '[ "$(colls)" = "c00 c01 " ] || colls'
# Bounded by the 2 watched collections, not the 20 listed: load state once each (the query
# node report), the others a few times each (the probes' own calls and the reports' shared
# index description; at most 6 per collection), where walking every listed one made >= 20.
check "collections/get_load_state: once per watched collection" \
  '[ "$(count px "POST /v2/vectordb/collections/get_load_state")" -eq 2 ]'
for r in "POST /v2/vectordb/collections/get_stats" "POST /v2/vectordb/indexes/describe" \
  "GET /api/v1/query-segment-info"; do
  check "$r: 2 to 12 requests (2 watched collections)" \
    'n=$(count px "$r"); [ "$n" -ge 2 ] && [ "$n" -le 12 ] || echo "$n"'
done
check "connection latency samples" \
  'grep -Eq "^  proxy.connect_latency_avg_ms +[0-9.]+ ms$" "$WORK/max.txt" &&
   grep -Eq "^  proxy.connect_latency_max_ms +[0-9.]+ ms$" "$WORK/max.txt" &&
   grep -Eq "^  proxy.target_up +1$" "$WORK/max.txt"'
# One reading: health_checks (5) connection checks, all to the proxy, plus one health call
# (every metrics_uri endpoint's /healthz once; the proxy's 9091 is this same server).
check "/healthz: 5 connection checks + 1 health call on the proxy, 1 on each other endpoint" \
  '[ "$(count px "GET /healthz")" -eq 6 ] && [ "$(count qn "GET /healthz")" -eq 1 ] &&
   [ "$(count dn "GET /healthz")" -eq 1 ] || { count px "GET /healthz"; count qn "GET /healthz"; }'

conf "$WORK/list.ini" "collections = c05, c07"
logs
"$VMOND" --once -c "$WORK/list.ini" >"$WORK/list.txt" 2>"$WORK/list.err"; rc=$?
check "--once with collections = c05, c07 exits 0" '[ $rc -eq 0 ] || cat "$WORK/list.err"'
check "per-collection routes name only c05 and c07" '[ "$(colls)" = "c05 c07 " ] || colls'
check "no collection list is asked for when the collections are named" \
  '[ "$(count px "POST /v2/vectordb/collections/list")" -eq 0 ]'
check "the samples of the named collections only" \
  'grep -q "c05" "$WORK/list.txt" && grep -q "c07" "$WORK/list.txt" && ! grep -q "c0[012346]" "$WORK/list.txt"'
checks_done
