#!/usr/bin/env bash
# vmond --export-rules: the shipped configs and one that uses every rule
# feature become Prometheus rule files that promtool accepts; exact lines for
# the name mapping, templates, `for` conversion, absent and skipped rules; and
# promtool's rule unit test shows the hysteresis and `for` behave as in vmond.
# Usage: export_rules.sh VMOND SOURCE_DIR PLUGIN_DIR
set -u
VMOND=$1 SRC=$2 PLUGINS=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-export-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
command -v promtool >/dev/null || { echo "promtool missing (Debian package prometheus; scripts/install-deps.sh)"; exit 1; }

# A tree built without the embedded target (the clang tree) reads components.ini with its
# [target:db] swapped for a milvus one: the rules, the subject here, do not depend on it.
components=$SRC/conf.d/components.ini
if [ ! -e "$PLUGINS/target_embedded.so" ]; then
  awk '/^\[target:db\]$/ {print; print "plugin = milvus"; print "uri = http://127.0.0.1:1"; skip = 1; next}
       skip && (/^$/ || /^[;[]/) {skip = 0}
       !skip' "$components" >"$WORK/components.ini"
  components=$WORK/components.ini
fi
for ini in components alerts; do
  conf=$SRC/conf.d/$ini.ini
  [ "$ini" = components ] && conf=$components
  "$VMOND" --plugin-dir "$PLUGINS" --export-rules -c "$conf" >"$WORK/$ini.yml" 2>"$WORK/$ini.err"; rc=$?
  check "conf.d/$ini.ini exports (exit 0)" '[ $rc -eq 0 ]'
  check "promtool check rules accepts conf.d/$ini.ini's rules" 'promtool check rules "$WORK/$ini.yml" >"$WORK/$ini.check" 2>&1'
done
check "components: the sink's name mapping and a template" \
  'grep -Fxq "        expr: \"vmon_proxy_target_up < 0.5\"" "$WORK/components.yml" &&
   grep -Fxq "          summary: \"target unreachable: no health answer from {{ \$labels.exported_instance }}'"'"'s target\"" "$WORK/components.yml"'
check "alerts: for = 3 readings of a 10s probe is for: 20s" \
  'grep -Fxq "        for: 20s" "$WORK/alerts.yml" && grep -q "for = 3 readings, 10s apart (probe:sys)" "$WORK/alerts.yml"'

# Every feature, and what cannot be expressed. MSG carries a tab, a newline,
# a quote, a backslash and a byte that is not UTF-8.
cat >"$WORK/all.ini" <<'INI'
[daemon]
self_interval = 30s
[probe:fast]
plugin   = system
interval = 5s
[probe:slow]
plugin   = system
interval = 1m
[rule:mem]
metric     = system.memory_used_percent
match      = instance=fast, zone=eu-1
above      = 90
hysteresis = 5
for        = 4
severity   = critical
repeat     = 1h
label.team = storage {ops}
annotation.runbook = https://runbooks/{rule}?m={metric}&s={severity}
message    = {metric} {value} % on {instance} (threshold {threshold}, {nolabel}, {{literal}})
[rule:band]
metric     = system.load_1m
above      = 8
below      = 0.25
hysteresis = 0.125
message    = load {value} outside, crossed {threshold}
[rule:gone]
metric = system.memory_total_bytes
match  = instance=slow
absent = 5m
[rule:gone_or_low]
metric = system.memory_available_bytes
below  = 1e9
absent = 90s
message = ${MSG}
[rule:self]
metric = vmon.samples_total
below  = 1
for    = 2
[rule:two_intervals]
metric = system.load_5m
above  = 4
for    = 2
[rule:unwired]
metric = system.load_15m
above  = 4
for    = 3
[rule:clash]
metric = system.load_15m
above  = 4
label.severity = page
[sink:out]
plugin = stdout
[pipeline:a]
probes = fast
rules  = mem, band, gone, gone_or_low, self, two_intervals, clash
sinks  = out
[pipeline:b]
probes = slow
rules  = two_intervals
sinks  = out
INI
MSG=$'tab\there\nnew "q" \\ \xff end' "$VMOND" --plugin-dir "$PLUGINS" --export-rules -c "$WORK/all.ini" >"$WORK/all.yml" 2>"$WORK/all.err"; rc=$?
check "every-feature config exports (exit 0)" '[ $rc -eq 0 ]'
check "promtool check rules accepts it" 'promtool check rules "$WORK/all.yml" >"$WORK/all.check" 2>&1 && grep -q "SUCCESS: 6 rules found" "$WORK/all.check"'
g() { grep -Fxq -- "$1" "$WORK/all.yml"; }
check "match as selectors, instance as exported_instance, hysteresis through ALERTS" \
  'g "        expr: \"vmon_system_memory_used_percent{exported_instance=\\\"fast\\\",zone=\\\"eu-1\\\"} > 90 or (vmon_system_memory_used_percent{exported_instance=\\\"fast\\\",zone=\\\"eu-1\\\"} > 85 and ignoring(alertname, alertstate, severity, team) ALERTS{alertname=\\\"mem\\\", alertstate=\\\"firing\\\"})\""'
check "for = 4 readings 5s apart is for: 15s" 'g "        for: 15s"'
check "severity and label.X as labels, literal braces kept literal" \
  'g "          severity: \"critical\"" && g "          team: \"storage {{ \\\"{\\\" }}ops}\""'
check "message fields as Prometheus templates" \
  'g "          summary: \"system.memory_used_percent {{ \$value | printf \\\"%.4g\\\" }} % on {{ \$labels.exported_instance }} (threshold 90, {{ \$labels.nolabel }}, {{ \\\"{\\\" }}{{ \\\"{\\\" }}literal}})\""'
check "annotation.X with {rule} {metric} {severity}" \
  'g "          runbook: \"https://runbooks/mem?m=system.memory_used_percent&s=critical\""'
check "above and below together, each threshold moved by the hysteresis" \
  'grep -Fq "expr: \"vmon_system_load_1m > 8 or vmon_system_load_1m < 0.25 or ((vmon_system_load_1m > 7.875 or vmon_system_load_1m < 0.375) and ignoring" "$WORK/all.yml"'
check "absent as absent(...) for the absent duration" \
  'g "        expr: \"absent(vmon_system_memory_total_bytes{exported_instance=\\\"slow\\\"})\"" && grep -A1 -F "absent(vmon_system_memory_total_bytes" "$WORK/all.yml" | grep -Fxq "        for: 300s"'
check "a rule with a threshold and absent becomes two alerts, NAME and NAME_absent" \
  'g "      - alert: \"gone_or_low\"" && g "      - alert: \"gone_or_low_absent\"" && g "        for: 90s"'
check "control characters and bad UTF-8 escaped in YAML" \
  'g "$(printf "          summary: \"tab\\\\there\\\\nnew \\\\\"q\\\\\" \\\\\\\\ \xef\xbf\xbd end\"")"'
check "vmon.* readings are self_interval apart" 'grep -q "for = 2 readings, 30s apart (\[daemon\] self_interval)" "$WORK/all.yml"'
check "skipped: probes at different intervals" \
  'grep -q "^      # skipped \[rule:two_intervals\]: .*different intervals" "$WORK/all.yml" && ! grep -q "alert: \"two_intervals\"" "$WORK/all.yml"'
check "skipped: for without a probe" 'grep -q "^      # skipped \[rule:unwired\]: .*no pipeline" "$WORK/all.yml"'
check "skipped: label.severity" 'grep -q "^      # skipped \[rule:clash\]: label.severity" "$WORK/all.yml"'
check "skips named on stderr" '[ "$(grep -c "skipped \[rule:" "$WORK/all.err")" -eq 3 ]'

# Behaviour: promtool evaluates the exported `mem` rule over a series that
# crosses 90 for 4 readings (fires after 15s), dips to 87 (still firing:
# hysteresis) and then to 84 (resolved).
sed -n '/^groups:/,$p' "$WORK/all.yml" >"$WORK/rules.yml"
cat >"$WORK/test.yml" <<'YML'
rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'vmon_system_memory_used_percent{exported_instance="fast",zone="eu-1"}'
        values: '50 95 95 95 95 87 87 84 84'
    alert_rule_test:
      - eval_time: 10s
        alertname: mem
        exp_alerts: []
      - eval_time: 20s
        alertname: mem
        exp_alerts:
          - exp_labels: {severity: critical, team: 'storage {ops}', exported_instance: fast, zone: eu-1}
            exp_annotations:
              summary: 'system.memory_used_percent 95 % on fast (threshold 90, , {{literal}})'
              runbook: 'https://runbooks/mem?m=system.memory_used_percent&s=critical'
      - eval_time: 30s
        alertname: mem
        exp_alerts:
          - exp_labels: {severity: critical, team: 'storage {ops}', exported_instance: fast, zone: eu-1}
            exp_annotations:
              summary: 'system.memory_used_percent 87 % on fast (threshold 90, , {{literal}})'
              runbook: 'https://runbooks/mem?m=system.memory_used_percent&s=critical'
      - eval_time: 35s
        alertname: mem
        exp_alerts: []
YML
check "promtool test rules: for, hysteresis and resolution as in vmond" \
  '(cd "$WORK" && promtool test rules test.yml >"$WORK/test.out" 2>&1) || { cat "$WORK/test.out"; false; }'
checks_done
