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

# start_vmond CONF: run it, wait for the sink's "serving" line, set PORT.
start_vmond() {
  "$VMOND" -c "$1" >"$WORK/vmond.out" 2>"$WORK/vmond.log" &
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
