#!/usr/bin/env bash
# The tuning loop's keys as `vmond -t` checks them: a good loop passes; a
# ramp that does not increase, a share that is not one, bounds the wrong
# way round, a check interval longer than the window, and mode = apply
# without a router are each an error naming the file, line, section and key.
# Usage: tuning_config.sh VMOND TEST_PLUGIN_DIR PLUGIN_DIR
set -u
VMOND=$1 FIXTURES=$2 PLUGINS=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-tunecfg-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
mkdir "$WORK/plugins"
cp "$PLUGINS"/sink_stdout.so "$FIXTURES"/target_journal.so "$FIXTURES"/tuner_step.so \
  "$FIXTURES"/router_split.so "$WORK/plugins/"

# write NAME PIPELINE_LINES [TUNER_LINES]: a config whose pipeline and tuner get extra lines
write() {
  cat >"$WORK/$1.ini" <<INI
[target:db]
plugin = journal
journal = db.journal
[tuner:t]
plugin = step
target = db
mode = classic
latency_target = 5ms
recall_floor = 95%
${3:-}
[router:r]
plugin = split
[traffic:q]
duration = 10s
[sink:out]
plugin = stdout
[pipeline:p]
target = db
sinks = out
tuner = t
traffic = q
$2
INI
}
vt() { "$VMOND" --plugin-dir "$WORK/plugins" -t -c "$WORK/$1.ini" >"$WORK/$1.out" 2>"$WORK/$1.err"; }
says() { grep -q -- "$2" "$WORK/$1.err"; }

write good "router = r
mode = apply
judge = classic
ramp = 10%, 25%, 50%, 100%
check_interval = 500ms
window = 5s
audit_log = audit.jsonl" "nprobe_min = 4
nprobe_max = 64"
check "a full tuning loop passes" 'vt good'

write seed "router = r
ramp = 10%"
check "the seed's fixed split passes" 'vt seed'

write decreasing "router = r
ramp = 50%, 10%"
check "a decreasing ramp is an error at its line" \
  '! vt decreasing && says decreasing "decreasing.ini:23: \[pipeline:p\] ramp: step 2 (10%) must be above"'

write word "router = r
ramp = 10%, lots"
check "a share that is not one names the step" '! vt word && says word "ramp: step 2:"'

write full "router = r
ramp = 100%"
check "a lone 100% step is refused" '! vt full && says full "nothing to compare"'

write norouter "mode = apply"
check "apply without a router is an error" '! vt norouter && says norouter "needs a .router =."'

write auto ""
check "auto on a non-embedded target recommends: no router needed" 'vt auto'
"$VMOND" --plugin-dir "$WORK/plugins" -t --print -c "$WORK/auto.ini" >"$WORK/auto.print" 2>/dev/null
check "--print shows auto resolved and the defaults" \
  'grep -q "^mode = recommend ; auto, from the target" "$WORK/auto.print" &&
   grep -q "^ramp = 10%, 25%, 50%, 100%" "$WORK/auto.print" &&
   grep -q "^judge = sequential" "$WORK/auto.print" && grep -q "^on_restart = resume" "$WORK/auto.print"'

write bounds "router = r" "nprobe_min = 64
nprobe_max = 8"
check "bounds the wrong way round" '! vt bounds && says bounds "\[tuner:t\] has nprobe_min (64) above nprobe_max (8)"'

write interval "router = r
check_interval = 20s
window = 5s"
check "a check interval longer than the window" '! vt interval && says interval "check_interval: longer than the window"'

write badmode "router = r
mode = sometimes"
check "an unknown mode names the values" '! vt badmode && says badmode "mode: expected one of: auto apply recommend"'
sed '/^traffic = q$/d' "$WORK/seed.ini" >"$WORK/notraffic.ini"
check "a loop without traffic is an error" '! vt notraffic && says notraffic "measures the pipeline.s traffic"'
checks_done
