#!/usr/bin/env bash
# The milvus target at scale: one real vmond (BUILD_DIR/vmond, plugins from
# BUILD_DIR/plugins) with the four component probes (proxy, querynode,
# datanode, indexnode) watching NODES Milvus-shaped nodes (mock-milvus, each its
# own 9091 with per-node /metrics for COLLECTIONS collections; node 1 also the
# proxy, with COLLECTIONS collections over REST). One [target:db] plugin =
# milvus: `uri` is node 1's REST port, `metrics_uri` lists every node.
# Prints HTTP requests per minute per route and in total (from the servers'
# logs, with the probe that asks each route), vmond's CPU seconds per minute
# (utime + stime from /proc/PID/stat), its peak RSS (VmHWM) and the samples
# it produced per minute (its own vmon.samples_total). Figures, not pass/fail.
#
# Usage: bench/milvus_scale.sh BUILD_DIR [NODES=50] [COLLECTIONS=200] [INTERVAL_S] [SECONDS=60]
#   INTERVAL_S  every probe's interval; empty or 0: the shipped intervals of
#               conf.d/components.ini (proxy, querynode, indexnode 10 s; datanode 30 s)
#   PROBES=...  (environment) only these probes, e.g. PROBES=proxy: one probe's own cost
#   PROXY_OPTS  (environment) extra `key = value` lines for [probe:proxy], separated by ';',
#               e.g. PROXY_OPTS='max_collections = 10' or PROXY_OPTS='searches = 2'
#   PROBE_OPTS  (environment) the same for every probe, e.g. PROBE_OPTS='max_collections = 10'
# Loopback only: every server takes a free port (port 0) and prints it; all are
# killed and the work folder removed on exit. Bounded: SECONDS, plus at most
# 5 s for each node to start and 10 s for vmond to stop.
set -euo pipefail
build=$(cd "$1" && pwd)
nodes=${2:-50} colls=${3:-200} interval=${4:-0} duration=${5:-60}
vmond=$build/vmond mock=$build/tests/mock-milvus plugins=$build/plugins
probes=${PROBES:-proxy,querynode,datanode,indexnode}
for f in "$vmond" "$mock" "$plugins/target_milvus.so"; do
  [ -e "$f" ] || { echo "milvus_scale: $f missing (build first)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vmon-scale.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

metrics_of() { # node id: a query node's /metrics for every collection (node 1: also the proxy's)
  local n=$1 c
  for ((c = 0; c < colls; c++)); do
    echo "milvus_querynode_segment_num{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\",segment_level=\"L1\"} 4"
    echo "milvus_querynode_entity_num{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\",collection_name=\"coll$c\",db_name=\"default\"} 40000"
    echo "milvus_querynode_entity_size{node_id=\"$n\",collection_id=\"$((1000 + c))\",segment_state=\"Sealed\"} 20480000"
    echo "milvus_querynode_sq_req_count{node_id=\"$n\",query_type=\"search\",status=\"total\",scope=\"collection\",collection_id=\"$((1000 + c))\"} $((c * 10))"
    for le in 1 2 4 8 16 32 64 128 256 512 1024 +Inf; do
      echo "milvus_querynode_sq_req_latency_bucket{node_id=\"$n\",query_type=\"search\",scope=\"collection\",le=\"$le\"} $((c + 1))"
    done
    if [ "$n" = 1 ]; then
      echo "milvus_proxy_req_count{node_id=\"1\",function_name=\"Search\",status=\"total\",collection_name=\"coll$c\",db_name=\"default\"} $((c * 100))"
      echo "milvus_proxy_req_count{node_id=\"1\",function_name=\"Search\",status=\"fail\",collection_name=\"coll$c\",db_name=\"default\"} 0"
    fi
  done
  echo "process_resident_memory_bytes 1.5e+09"
}

for ((n = 1; n <= nodes; n++)); do
  d=$work/node$n
  mkdir -p "$d"
  echo OK >"$d/healthz"
  metrics_of "$n" >"$d/metrics"
done
p=$work/node1 v=$work/node1/v2/vectordb
mkdir -p "$v/collections" "$v/indexes" "$v/entities" "$p/api/v1"
names=$(for ((c = 0; c < colls; c++)); do printf '"coll%d",' "$c"; done)
echo "{\"code\":0,\"data\":[${names%,}]}" >"$v/collections/list"
echo '{"code":0,"data":{"collectionID":1,"fields":[{"name":"id","type":"Int64","primaryKey":true},{"name":"vector","type":"FloatVector","params":[{"key":"dim","value":"128"}]}],"indexes":[{"indexName":"vector","fieldName":"vector","metricType":"L2"}],"load":"LoadStateLoaded"}}' >"$v/collections/describe"
echo '{"code":0,"data":{"rowCount":160000}}' >"$v/collections/get_stats"
echo '{"code":0,"data":{"loadState":"LoadStateLoaded"}}' >"$v/collections/get_load_state"
echo '{"code":0,"data":["vector"]}' >"$v/indexes/list"
echo '{"code":0,"data":[{"indexName":"vector","fieldName":"vector","indexType":"HNSW","metricType":"L2","totalRows":160000,"indexedRows":160000,"pendingRows":0,"indexState":"Finished","failReason":"","params":{"M":"16","efConstruction":"200"}}]}' >"$v/indexes/describe"
hits=$(for ((k = 0; k < 10; k++)); do printf '{"id":%d,"distance":0.%d},' $((7 + k)) $((k + 1)); done)
echo "{\"code\":0,\"topks\":[10],\"data\":[${hits%,}],\"cost\":1}" >"$v/entities/search"
segs=$(for ((s = 0; s < 4; s++)); do printf '{"segmentID":%d,"mem_size":5120000,"num_rows":40000,"index_name":"vector","indexID":9,"state":3,"nodeIds":[%d]},' $((500 + s)) $((s % nodes + 1)); done)
echo "{\"status\":{},\"infos\":[${segs%,}]}" >"$p/api/v1/query-segment-info"

for ((n = 1; n <= nodes; n++)); do
  "$mock" --dir "$work/node$n" >"$work/port$n" &
  pids+=($!)
done
ports=()
for ((n = 1; n <= nodes; n++)); do
  for _ in $(seq 100); do grep -q '^port ' "$work/port$n" 2>/dev/null && break; sleep 0.05; done
  port=$(awk '/^port / {print $2}' "$work/port$n")
  [ -n "$port" ] || { echo "milvus_scale: mock-milvus $n did not start" >&2; exit 1; }
  ports+=("$port")
done
list=$(printf 'http://127.0.0.1:%s, ' "${ports[@]}")

# The probes' intervals: INTERVAL_S for all, else conf.d/components.ini's.
every() { if [ "$interval" -gt 0 ]; then echo "${interval}s"; elif [ "$1" = datanode ]; then echo 30s; else echo 10s; fi; }
{
  cat <<INI
[daemon]
plugin_dir = $plugins
log_level = warning
self_interval = 5s
shutdown_timeout = 2s
[target:db]
plugin = milvus
uri = http://127.0.0.1:${ports[0]}
metrics_uri = ${list%, }
INI
  IFS=, read -ra want <<<"$probes"
  for pr in "${want[@]}"; do
    printf '[probe:%s]\nplugin = %s\ntarget = db\ninterval = %s\n' "$pr" "$pr" "$(every "$pr")"
    [ "$pr" = querynode ] && echo "memory_limit = 16G"
    if [ -n "${PROBE_OPTS:-}" ]; then tr ';' '\n' <<<"$PROBE_OPTS"; fi
    if [ "$pr" = proxy ] && [ -n "${PROXY_OPTS:-}" ]; then tr ';' '\n' <<<"$PROXY_OPTS"; fi
  done
  # Readings go nowhere (no rules, samples off); a second pipeline with only a
  # sink gets vmond's own figures (vmon.samples_total) every self_interval.
  cat <<INI
[sink:out]
plugin = stdout
samples = false
[sink:self]
plugin = stdout
format = json
[pipeline:watch]
target = db
probes = ${probes//,/, }
sinks = out
[pipeline:self]
sinks = self
INI
} >"$work/scale.ini"

ticks=$(getconf CLK_TCK)
desc="$nodes nodes, $colls collections, probes ${probes//,/ }"
if [ "$interval" -gt 0 ]; then desc+=" every ${interval}s"; else desc+=" at 10s (datanode 30s)"; fi
echo "milvus_scale: $desc, ${duration}s of one vmond"
"$vmond" -c "$work/scale.ini" >"$work/out.json" 2>"$work/vmond.log" &
vm=$!
pids+=("$vm")
# Each probe reads at 0, interval, 2 x interval ... from vmond's start: stop
# half a second before SECONDS, so the window holds the readings of
# [0, SECONDS) whole and none of the one due at SECONDS; figures are per
# SECONDS (a multiple of every interval, 30 with the shipped ones, is exact).
sleep "$(awk -v d="$duration" 'BEGIN {print d - 0.5}')"
kill -0 "$vm" 2>/dev/null || { echo "milvus_scale: vmond exited early:" >&2; head -20 "$work/vmond.log" >&2; exit 1; }
cpu=$(awk -v hz="$ticks" '{sub(/^.*\) /, ""); print ($12 + $13) / hz}' "/proc/$vm/stat")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$vm/status")
kill "$vm"
for _ in $(seq 100); do kill -0 "$vm" 2>/dev/null || break; sleep 0.1; done
kill -9 "$vm" 2>/dev/null || true
wait "$vm" 2>/dev/null || true
secs=$duration

# Requests per route, with the probes that ask it (PROBES=one shows one probe's
# own). search and /healthz are the proxy probe's alone (searches x watched
# collections; health_checks to the proxy + one per metrics_uri endpoint);
# /metrics is one scrape per node per max_age, shared; the per-collection routes
# come from the target's report() and the probes' own calls, both for the
# watched collections only (at most max_collections each).
cat "$work"/node*/requests.log >"$work/all.log"
total=$(wc -l <"$work/all.log")
echo "requests per minute, per route (asked by):"
awk -v s="$secs" '
  function who(r) {
    if (r ~ /entities\/search/) return "proxy"
    if (r ~ /healthz/) return "proxy"
    if (r ~ /^GET \/metrics/) return "all four, one scrape per node per max_age"
    if (r ~ /api\/v1\/metrics/) return "querynode (system_info)"
    if (r ~ /get_load_state/) return "querynode"
    if (r ~ /get_stats|collections\/describe/) return "proxy, datanode"
    if (r ~ /query-segment-info/) return "proxy, querynode, datanode"
    if (r ~ /indexes\/|collections\/list/) return "all four"
    return "?"
  }
  {n[$1 " " $2]++}
  END {for (r in n) printf "  %9.1f  %-42s %s\n", n[r] * 60 / s, r, who(r)}' "$work/all.log" | sort -k1 -nr
awk -v t="$total" -v s="$secs" 'BEGIN {printf "  %9.1f  total (%d requests in %d s)\n", t * 60 / s, t, s}'
search=$(grep -c 'entities/search' "$work/all.log" || true)
health=$(grep -c '/healthz' "$work/all.log" || true)
awk -v a="$search" -v h="$health" -v t="$total" 'BEGIN {
  if (t) printf "  proxy probe'"'"'s own (searches + health checks): %.0f%% of all requests\n", (a + h) * 100 / t }'
if [ "$search" -gt 0 ]; then
  echo "  (searches per reading = searches (10) x watched collections, at most max_collections (50);"
  echo "   bound them with [probe:proxy] max_collections = N, collections = a, b or searches = N)"
fi
echo "vmond:"
awk -v c="$cpu" -v s="$secs" 'BEGIN {printf "  CPU %.2f s in %d s: %.2f s per minute\n", c, s, c * 60 / s}'
awk -v k="$hwm" 'BEGIN {printf "  peak RSS (VmHWM) %.1f MB\n", k / 1024}'
# vmon.samples_total at its last report (every 5 s: the last one comes after the
# window's last readings), less vmond's own vmon.* samples of the reports before.
awk '/"name":"vmon\./ {
       if ($0 ~ /"name":"vmon\.uptime_seconds"/) base = own
       own++
       if ($0 ~ /"name":"vmon\.samples_total"/) {
         v = $0; sub(/.*"value":/, "", v); sub(/[,}].*/, "", v); n = v - base; seen = 1 }
     }
     END {if (seen) printf "  samples %.0f in %d s: %.0f per minute\n", n, s, n * 60 / s}' \
  s="$secs" "$work/out.json"
if grep -qE 'warning|error' "$work/vmond.log"; then
  echo "vmond's log (first lines):"
  grep -E 'warning|error' "$work/vmond.log" | head -5 | sed 's/^/  /'
fi
