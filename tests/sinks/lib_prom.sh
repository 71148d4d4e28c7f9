# Shared by the prometheus sink's scripts: a vmond with the system probe and
# the embedded target's proxy probe feeding [sink:prom] on a free port.
# Needs VMOND and WORK; sets VPID and PORT. Source lib_check.sh first.

# write_conf FILE PROBES: the config, with `probes = PROBES` in the pipeline.
write_conf() {
  cat >"$1" <<INI
[daemon]
log_level = info
self_interval = 1s
[target:db]
plugin = embedded
collection = docs
dim = 8
rows = 500
index = FLAT
[probe:sys]
plugin = system
interval = 1s
[probe:proxy]
plugin = proxy
target = db
interval = 1s
searches = 5
health_checks = 1
[rule:always]
metric = system.memory_total_bytes
above = 0
severity = warning
message = always firing ({value})
[sink:prom]
plugin = prometheus
port = 0
[pipeline:p]
target = db
probes = $2
rules = always
sinks = prom
INI
}

# start_vmond CONF [ARGS...]: run it, wait for the sink's "serving" line, set PORT.
start_vmond() {
  local conf=$1
  shift
  "$VMOND" "$@" -c "$conf" >"$WORK/vmond.out" 2>"$WORK/vmond.log" &
  VPID=$!
  wait_for "$WORK/vmond.log" 'serving Prometheus metrics on' 30 || return 1
  PORT=$(sed -n 's|.*serving Prometheus metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' \
    "$WORK/vmond.log" | head -1)
  [ -n "$PORT" ]
}

# scrape FILE: the body of GET /metrics.
scrape() { curl -sf "http://127.0.0.1:$PORT/metrics" -o "$1"; }

# scrape_until FILE SECONDS PATTERN...: scrape until every pattern is in the body.
scrape_until() {
  local file=$1 end=$((SECONDS + $2)) p all
  shift 2
  while [ $SECONDS -le $end ]; do
    if scrape "$file"; then
      all=1
      for p in "$@"; do grep -q -- "$p" "$file" || all=0; done
      [ $all = 1 ] && return 0
    fi
    sleep 0.2
  done
  return 1
}

# promtool_ok FILE: `promtool check metrics` finds no error; its only lint may be
# the abbreviated units of vmon's own names (_ms), which the name mapping keeps.
promtool_ok() {
  promtool check metrics <"$1" >"$WORK/promtool.out" 2>&1
  local rc=$?
  cat "$WORK/promtool.out" >&2
  [ $rc -eq 0 ] && return 0
  [ $rc -eq 3 ] && ! grep -v 'should not contain abbreviated units' "$WORK/promtool.out" | grep -q .
}

# write_tuning_conf FILE [PORT]: a short tuning run beside every component probe, all into [sink:prom]
# (port 0): the embedded target grows under traffic (inserts seal new indexed segments, a
# real degradation), the fixture tuner `step` proposes nprobe x 0.25 (64 -> 16), and the
# judge ramps and promotes it, as in tests/integration/tuning_e2e.sh (TUNING_DURATION of
# traffic, 60s by default; PORT 0 by default). Run vmond with
# --plugin-dir holding the built plugins and test-plugins/tuner_step.so (copy_plugins).
write_tuning_conf() {
  cat >"$1" <<INI
[daemon]
log_level = info
self_interval = 1s
shutdown_timeout = 1s
[target:db]
plugin = embedded
collection = docs
rows = 20000
dim = 32
nprobe = 64
segment_rows = 5000
index_min_rows = 1000
memory_limit = 1G
[probe:sys]
plugin = system
interval = 1s
[probe:proxy]
plugin = proxy
target = db
interval = 1s
searches = 5
health_checks = 1
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
[traffic:load]
workers = 2
max_qps = 1000
duration = ${TUNING_DURATION:-60s}
insert_rate = 2000
[tuner:t]
plugin = step
target = db
factor = 0.25
[router:r]
plugin = hash_split
[sink:prom]
plugin = prometheus
port = ${2:-0}
[pipeline:p]
target = db
probes = sys, proxy, querynode, datanode, indexnode
traffic = load
tuner = t
router = r
sinks = prom
window = 2s
check_interval = 250ms
INI
}

# copy_plugins DIR PLUGIN_DIR TEST_PLUGIN_DIR: what write_tuning_conf's vmond loads, into DIR.
copy_plugins() {
  mkdir -p "$1"
  cp "$2"/target_embedded.so "$2"/router_hash_split.so "$2"/sink_prometheus.so \
    "$2"/probe_system.so "$2"/probe_proxy.so "$2"/probe_querynode.so "$2"/probe_datanode.so \
    "$2"/probe_indexnode.so "$3"/tuner_step.so "$1/"
}
