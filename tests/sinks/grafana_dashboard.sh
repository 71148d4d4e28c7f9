#!/usr/bin/env bash
# contrib/grafana/vmon.json against what the prometheus sink really exports
# (Grafana itself is not in Debian, so its queries go to a real Prometheus):
#  - the JSON: schemaVersion 38, a `datasource` variable of type prometheus
#    that every panel and query uses (no data source uid written in), the
#    three rows, a query in every panel;
#  - a vmond with every figure the dashboard shows (embedded target, the four
#    component probes, the system probe, a short tuning run: lib_prom.sh's
#    write_tuning_conf) scraped by Debian's prometheus on loopback; every
#    panel query, with $__rate_interval / $__interval as 30s and the
#    dashboard's variables as `.*`, must return data through /api/v1/query
#    (bounded poll); a query that never does fails the test naming its panel;
#  - every vmon_* name in the queries is a family of the sink's exposition.
# Usage: grafana_dashboard.sh DASHBOARD (env: VMOND, FREE_PORT, PLUGIN_DIR, TEST_PLUGIN_DIR)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
# shellcheck source=../integration/lib_prometheus.sh
. "$here/../integration/lib_prometheus.sh"
. "$here/lib_prom.sh"
DASH=${1:-$here/../../contrib/grafana/vmon.json}
command -v prometheus >/dev/null || [ -x /usr/bin/prometheus ] ||
  { echo "prometheus is not installed (scripts/install-deps.sh installs it)"; exit 1; }
command -v jq >/dev/null || { echo "jq is not installed"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-grafana-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# ---- the JSON ----
check "the dashboard is JSON with schemaVersion 38" "jq -e '.schemaVersion == 38' '$DASH' >/dev/null"
check "a datasource variable of type prometheus" \
  "jq -e '.templating.list | map(select(.name == \"datasource\" and .type == \"datasource\" and
     .query == \"prometheus\")) | length == 1' '$DASH' >/dev/null"
# Every data source reference: the variable, or Grafana's built-in annotations; never a uid.
check "no data source uid is written in: panels and queries use \${datasource}" \
  "jq -e '[.. | objects | select(has(\"datasource\")) | .datasource | objects | .uid] |
     all(. == \"\${datasource}\" or . == \"-- Grafana --\")' '$DASH' >/dev/null &&
   jq -e '[.panels[] | select(.type != \"row\") | .datasource.uid, .targets[].datasource.uid] |
     all(. == \"\${datasource}\")' '$DASH' >/dev/null"
check "the three rows" \
  "[ \"\$(jq -r '[.panels[] | select(.type == \"row\") | .title] | join(\"|\")' '$DASH')\" = \
     'Milvus components|Delivery health (vmond)|Tuning loop' ]"
check "every panel has a query" \
  "jq -e '[.panels[] | select(.type != \"row\") | (.targets // []) | length > 0 and all(.expr | length > 0)] |
     all' '$DASH' >/dev/null"
check "panel ids are unique" "jq -e '[.panels[].id] | length == (unique | length)' '$DASH' >/dev/null"

# title, refId and the query as Prometheus gets it, one per line (tab-separated).
jq -r '.panels[] | select(.type != "row") | .title as $t | .targets[] | [$t, .refId, .expr] | @tsv' \
  "$DASH" |
  sed -e 's/\$__rate_interval/30s/g; s/\$__interval/30s/g; s/\$__range/5m/g' \
    -e 's/\${\?pipeline}\?/.*/g; s/\${\?collection}\?/.*/g' >"$WORK/queries.tsv"
check "no query uses a variable the test does not know" "! cut -f3 '$WORK/queries.tsv' | grep -q '\\$'"

# ---- a vmond with every figure, and Prometheus scraping it from the start ----
copy_plugins "$WORK/plugins" "$PLUGIN_DIR" "$TEST_PLUGIN_DIR"
TPORT=$("$FREE_PORT")
# Traffic for longer than the test needs: vmond is stopped at the end.
TUNING_DURATION=10m write_tuning_conf "$WORK/vmon.ini" "$TPORT"
cat >"$WORK/prometheus.yml" <<EOM
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: vmon
    static_configs:
      - targets: ['127.0.0.1:$TPORT']
EOM
start_prometheus "$WORK/prometheus.yml" "$WORK" "$FREE_PORT" && pids+=("$PROM_PID")
api=http://127.0.0.1:${PROM_PORT:-0}/api/v1
check "prometheus is ready on loopback" "curl -sf '$api/status/buildinfo' >/dev/null"
start_vmond "$WORK/vmon.ini" --plugin-dir "$WORK/plugins" || { cat "$WORK/vmond.log"; exit 1; }
pids+=("$VPID")

# Every query until it returns data, for at most 150 s in all (the first scrape waits for
# Prometheus's discovery tick; the tuning figures for the first baseline).
has_data() {
  curl -sf -G "$api/query" --data-urlencode "query=$1" |
    jq -e '.status == "success" and (.data.result | length > 0)' >/dev/null 2>&1
}
cp "$WORK/queries.tsv" "$WORK/pending.tsv"
end=$((SECONDS + 150))
while [ -s "$WORK/pending.tsv" ] && [ $SECONDS -le $end ]; do
  : >"$WORK/still.tsv"
  while IFS=$'\t' read -r title ref expr; do
    has_data "$expr" || printf '%s\t%s\t%s\n' "$title" "$ref" "$expr" >>"$WORK/still.tsv"
  done <"$WORK/pending.tsv"
  mv "$WORK/still.tsv" "$WORK/pending.tsv"
  [ -s "$WORK/pending.tsv" ] && sleep 1
done
while IFS=$'\t' read -r title ref expr; do
  bad "panel '$title' query $ref returns no data: $expr"
done <"$WORK/pending.tsv"
check "every panel query returns data ($(wc -l <"$WORK/queries.tsv") queries)" "[ ! -s '$WORK/pending.tsv' ]"

# Every vmon_* name the queries use is a family of the exposition (a histogram's parts too).
# shellcheck disable=SC2034 # scrape (lib_prom.sh) reads PORT
PORT=$TPORT
scrape "$WORK/metrics"
sed -n 's/^# TYPE \([^ ]*\) \(.*\)$/\1 \2/p' "$WORK/metrics" |
  while read -r name type; do
    echo "$name"
    [ "$type" = histogram ] && printf '%s_bucket\n%s_sum\n%s_count\n' "$name" "$name" "$name"
  done | sort -u >"$WORK/families"
jq -r '.panels[].targets[]?.expr, (.templating.list[] | .definition // empty)' "$DASH" |
  grep -o 'vmon_[a-zA-Z0-9_]*' | sort -u >"$WORK/used"
check "every metric the dashboard uses is one the sink exports" \
  "missing=\$(comm -23 '$WORK/used' '$WORK/families'); [ -z \"\$missing\" ] || { echo \"not exported: \$missing\"; false; }"
kill -TERM "$VPID"
check "vmond stops cleanly" "wait '$VPID'"
checks_done
