#!/usr/bin/env bash
# A real Prometheus (Debian's, on loopback, its own free port) scrapes the
# prometheus sink of a running vmond, and the series read back through its
# HTTP API: a gauge's value, a counter's type (/api/v1/metadata), the latency
# histogram through histogram_quantile, the firing alert, a series that
# goes away once its probe is dropped by a reload, and the tuning loop's state
# (vmon_tuning_*) through a short tuning run that promotes nprobe 64 -> 16.
# Usage: prometheus_scrape.sh   (env: VMOND, FREE_PORT, PLUGIN_DIR, TEST_PLUGIN_DIR)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
# shellcheck source=../integration/lib_prometheus.sh
. "$here/../integration/lib_prometheus.sh"
. "$here/lib_prom.sh"
prom=$(command -v prometheus || echo /usr/bin/prometheus)
[ -x "$prom" ] || { echo "prometheus is not installed (scripts/install-deps.sh installs it)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-promscrape-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

write_conf "$WORK/vmon.ini" "sys, proxy"
start_vmond "$WORK/vmon.ini" || { cat "$WORK/vmond.log"; exit 1; }
pids+=("$VPID")
cat >"$WORK/prometheus.yml" <<EOM
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: vmon
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOM
start_prometheus "$WORK/prometheus.yml" "$WORK" "$FREE_PORT" && pids+=("$PROM_PID")
pport=${PROM_PORT:-0}
api=http://127.0.0.1:$pport/api/v1
check "prometheus is ready on loopback" 'curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null'

# query EXPR: the result vector as JSON lines {metric, value}.
query() { curl -sf -G "$api/query" --data-urlencode "query=$1" | jq -c '.data.result[]'; }
# query_until SECONDS EXPR JQ_TEST: poll until a result passes the jq test.
query_until() {
  local end=$((SECONDS + $1))
  while [ $SECONDS -le $end ]; do
    query "$2" 2>/dev/null | jq -e "$3" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  return 1
}

# The first scrape comes after Prometheus's 5 s discovery tick: a bounded poll.
check "the scrape target is up" "query_until 40 'up{job=\"vmon\"}' '.value[1] == \"1\"'"
scrape "$WORK/m"
total=$(sed -n 's/^vmon_system_memory_total_bytes{instance="sys"} //p' "$WORK/m")
check "a gauge reads back with its value (instance stored as exported_instance)" \
  "query_until 20 'vmon_system_memory_total_bytes' \
     'select(.metric.exported_instance == \"sys\" and .metric.job == \"vmon\") | (.value[1] | tonumber) == ($total)'"
check "a counter is a counter in /api/v1/metadata" \
  "end=\$((SECONDS + 20)); until curl -sf -G '$api/metadata' --data-urlencode metric=vmon_proxy_search_requests_total |
     jq -e '.data.vmon_proxy_search_requests_total[0].type == \"counter\"' >/dev/null; do
     [ \$SECONDS -gt \$end ] && exit 1; sleep 0.25; done"
check "the histogram is a histogram in /api/v1/metadata" \
  "curl -sf -G '$api/metadata' --data-urlencode metric=vmon_proxy_search_latency_ms |
     jq -e '.data.vmon_proxy_search_latency_ms[0].type == \"histogram\"' >/dev/null"
check "histogram_quantile over the latency buckets gives a latency" \
  "query_until 20 'histogram_quantile(0.95, vmon_proxy_search_latency_ms_bucket{collection=\"docs\"})' \
     '(.value[1] | tonumber) as \$q | \$q > 0 and \$q <= 1000'"
check "the firing alert reads back" \
  "query_until 20 'vmon_alerts_firing{rule=\"always\",severity=\"warning\"}' '.value[1] == \"1\"'"
check "vmond's own counter reads back" \
  "query_until 20 'vmon_vmon_samples_total' '(.value[1] | tonumber) > 0'"

# Drop probe sys by a reload: its series leave the exposition, and Prometheus's
# query finds none (a series gone from a scrape is marked stale there).
write_conf "$WORK/vmon.ini" "proxy"
kill -HUP "$VPID"
check "the reload is done" "wait_for '$WORK/vmond.log' 'reload done' 30"
gone() {
  local end=$((SECONDS + 30))
  while [ $SECONDS -le $end ]; do
    [ -z "$(query 'vmon_system_memory_total_bytes' 2>/dev/null)" ] &&
      [ -n "$(query 'vmon_proxy_search_requests_total' 2>/dev/null)" ] && return 0
    sleep 0.25
  done
  return 1
}
check "a series goes away after its source stops; the others stay" gone
check "the target stayed up through the reload" \
  "[ \"\$(curl -sf -G '$api/query' --data-urlencode 'query=min_over_time(up{job=\"vmon\"}[1m])' | jq -r '.data.result[0].value[1]')\" = 1 ]"
kill -TERM "$VPID"
check "vmond stops cleanly" "wait '$VPID'"

# The tuning loop's state, from its events. Prometheus scrapes the tuning vmond's port before
# it starts (a reloaded config), so every decision of the run lands in its history.
copy_plugins "$WORK/plugins" "$PLUGIN_DIR" "$TEST_PLUGIN_DIR"
TPORT=$("$FREE_PORT")
write_tuning_conf "$WORK/tune.ini" "$TPORT"
cat >>"$WORK/prometheus.yml" <<EOM
  - job_name: tune
    static_configs:
      - targets: ['127.0.0.1:$TPORT']
EOM
kill -HUP "$PROM_PID"
check "prometheus takes the tuning target" \
  "end=\$((SECONDS + 20)); until curl -sf '$api/targets' |
     jq -e '.data.activeTargets[] | select(.labels.job == \"tune\")' >/dev/null; do
     [ \$SECONDS -gt \$end ] && exit 1; sleep 0.25; done"
start_vmond "$WORK/tune.ini" --plugin-dir "$WORK/plugins" || { cat "$WORK/vmond.log"; exit 1; }
pids+=("$VPID")
T='job="tune",collection="docs",pipeline="p"'
check "the baseline's p95 reads back" \
  "query_until 60 'vmon_tuning_baseline_p95_ms{$T}' '(.value[1] | tonumber) > 0'"
# was VALUE SERIES: the series had VALUE at some scrape of the run (later decisions move on).
was() { echo "max_over_time(($2 == bool $1)[5m:250ms])"; }
A="vmon_tuning_param{$T,arm=\"a\",param=\"nprobe\"}"
B="vmon_tuning_param{$T,arm=\"b\",param=\"nprobe\"}"
check "A's nprobe is the target's (64) before the experiment" \
  "query_until 60 '$(was 64 "$A")' '.value[1] == \"1\"'"
check "during the experiment B's nprobe is the candidate (16)" \
  "query_until 90 '$(was 16 "$B")' '.value[1] == \"1\"'"
check "the experiment runs, B has a share and a ramp step" \
  "query_until 20 'max_over_time(vmon_tuning_experiment_running{$T}[5m])' '.value[1] == \"1\"' &&
   query_until 20 'max_over_time(vmon_tuning_arm_weight{$T,arm=\"b\"}[5m])' '(.value[1] | tonumber) > 0' &&
   query_until 20 'max_over_time(vmon_tuning_ramp_step{$T}[5m])' '(.value[1] | tonumber) >= 1'"
check "after the promotion A's nprobe is B's" "query_until 120 '$(was 16 "$A")' '.value[1] == \"1\"'"
check "the promote verdict is counted" \
  "query_until 20 'vmon_tuning_verdicts_total{$T,verdict=\"promote\"}' '(.value[1] | tonumber) >= 1'"
check "the verdicts are a counter in /api/v1/metadata" \
  "end=\$((SECONDS + 20)); until curl -sf -G '$api/metadata' --data-urlencode metric=vmon_tuning_verdicts_total |
     jq -e '.data.vmon_tuning_verdicts_total | map(.type) | index(\"counter\")' >/dev/null; do
     [ \$SECONDS -gt \$end ] && exit 1; sleep 0.25; done"
check "the four verdicts are there from the start (keep at 0)" \
  "query_until 20 'vmon_tuning_verdicts_total{$T,verdict=\"keep\"}' '.value[1] == \"0\"'"
check "events are counted by type" \
  "query_until 20 'vmon_tuning_events_total{$T,type=\"experiment_start\"}' '(.value[1] | tonumber) >= 1'"
check "B's series exist only during experiments (fewer scrapes than A's)" \
  "query_until 20 'count_over_time($A[5m]) - on() count_over_time($B[5m])' '(.value[1] | tonumber) > 0'"
check "the series count is under max_series with nothing dropped" \
  "query_until 20 'vmon_prometheus_dropped_samples_total{job=\"tune\",reason=\"max_series\"}' '.value[1] == \"0\"'"
kill -TERM "$VPID"
check "the tuning vmond stops cleanly" "wait '$VPID'"
checks_done
