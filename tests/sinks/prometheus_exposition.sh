#!/usr/bin/env bash
# The prometheus sink in vmond: GET /metrics on a free port has the system
# probe's gauges, the proxy probe's counters and latency histogram, vmond's
# own figures and the firing alert, and `promtool check metrics` accepts it;
# a SIGHUP that drops a probe keeps the (unchanged) sink serving on its port
# with no failed or partial scrape, and the dropped probe's series go away.
# Usage: prometheus_exposition.sh   (env: VMOND)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
. "$here/lib_prom.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-prom-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

write_conf "$WORK/vmon.ini" "sys, proxy"
check "vmond starts the sink on a free port and logs it" 'start_vmond "$WORK/vmon.ini"'
pids+=("$VPID")
m=$WORK/metrics
check "a scrape has samples, histogram, vmond's figures and the alert" \
  "scrape_until '$m' 30 '^vmon_system_memory_total_bytes{instance=\"sys\"} ' \
     '^vmon_proxy_search_latency_ms_bucket{collection=\"docs\",instance=\"proxy\",le=\"+Inf\"} ' \
     '^vmon_vmon_samples_total{instance=\"vmond\"} ' '^vmon_alerts_firing{'"
check "promtool check metrics accepts it" "promtool_ok '$m'"
check "Content-Type is text/plain; version=0.0.4" \
  "curl -sfI 'http://127.0.0.1:$PORT/metrics' | grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8'"
check "gauges are gauges" "grep -qx '# TYPE vmon_system_memory_used_percent gauge' '$m'"
check "counters are counters" "grep -qx '# TYPE vmon_proxy_search_requests_total counter' '$m'"
check "vmond's own totals are counters" "grep -qx '# TYPE vmon_vmon_samples_total counter' '$m'"
check "the latency histogram is one histogram family" \
  "grep -qx '# TYPE vmon_proxy_search_latency_ms histogram' '$m' &&
   grep -q '^vmon_proxy_search_latency_ms_sum{collection=\"docs\",instance=\"proxy\"} ' '$m' &&
   grep -q '^vmon_proxy_search_latency_ms_count{collection=\"docs\",instance=\"proxy\"} ' '$m'"
check "the firing alert is a gauge with rule and severity" \
  "grep -q '^vmon_alerts_firing{instance=\"sys\",rule=\"always\",severity=\"warning\"} 1$' '$m'"
check "every family has HELP and TYPE" \
  "awk '/^# HELP /{h[\$3]=1} /^# TYPE /{t[\$3]=1} !/^#/{n=\$1; sub(/\\{.*/, \"\", n); f=n;
        sub(/_(bucket|sum|count)\$/, \"\", f); if (!(n in t) && !(f in t)) bad=1; if (!(n in h) && !(f in h)) bad=1}
        END{exit bad}' '$m'"
check "another path is 404" \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$PORT/other')\" = 404 ]"

# Scrape without pause through a reload that drops probe sys; the sink is unchanged.
write_conf "$WORK/vmon.ini" "proxy"
( n=0; while :; do
    code=$(curl -s -o "$WORK/s.txt" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
    n=$((n + 1))
    if [ "$code" != 200 ] || ! tail -1 "$WORK/s.txt" | grep -q '^vmon_prometheus_dropped_samples_total{reason="type_conflict"} '; then
      echo "bad scrape $n: $code" >>"$WORK/bad"
    fi
    echo $n >"$WORK/scrapes"
  done ) &
pids+=($!)
sleep_until_scrapes() { local end=$((SECONDS + 10)); while [ $SECONDS -le $end ]; do [ "$(cat "$WORK/scrapes" 2>/dev/null || echo 0)" -ge "$1" ] && return 0; sleep 0.05; done; return 1; }
sleep_until_scrapes 5
kill -HUP "$VPID"
check "the reload is done" "wait_for '$WORK/vmond.log' 'reload done' 30"
before=$(cat "$WORK/scrapes")
check "scrapes go on after the reload" "sleep_until_scrapes $((before + 5))"
check "no scrape failed or came back partial during the reload" "[ ! -s '$WORK/bad' ]"
check "the sink kept its port (carried over)" "scrape '$m'"
check "the dropped probe's series go away (two of its intervals)" \
  "end=\$((SECONDS + 20)); until scrape '$m' && ! grep -q '^vmon_system_' '$m'; do [ \$SECONDS -gt \$end ] && break; sleep 0.2; done; ! grep -q '^vmon_system_' '$m'"
check "the other probe's series stay" "grep -q '^vmon_proxy_search_requests_total{' '$m'"
kill -TERM "$VPID"
check "vmond stops cleanly" "wait '$VPID'"
checks_done
