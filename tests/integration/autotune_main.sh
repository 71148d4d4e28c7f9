#!/usr/bin/env bash
# The main job as shipped: vmond -c conf.d/autotune.ini, unchanged, ends by itself and its
# stdout tells the whole story in order: a baseline, a degradation (the collection grows
# under the traffic), an experiment with B != A, at least one ramp step, a promote verdict,
# the promotion; exit 0.
# Usage: autotune_main.sh VMOND PLUGIN_DIR CONFIG PARAM START (PARAM START: nprobe 128, ef 256)
set -u
VMOND=$1 PLUGINS=$2 CONFIG=$3 PARAM=$4 START=$5
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-autotune-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

cd "$WORK" || exit 1
# The shipped file with only its log level raised, so a failure shows every look of the judge
# (the file names no relative path, so it runs the same from here).
run_config="$WORK/autotune.ini"
sed 's/^log_level *=.*/log_level = debug/' "$CONFIG" >"$run_config"
# The file's traffic lasts 90 s; 240 s bounds a hung run on a loaded machine.
timeout -s KILL 240 "$VMOND" --plugin-dir "$PLUGINS" -c "$run_config" >out.txt 2>log.txt
rc=$?
# The event types in the order they were printed, one per line.
sed -n 's/^==== event #[0-9]* \([a-z_]*\) .*/\1/p' out.txt >events.txt
# first TYPE: the line number of TYPE's first block (0: none).
first() { grep -n -x "$1" events.txt | head -1 | cut -d: -f1 | grep . || echo 0; }
before() { [ "$(first "$1")" -gt 0 ] && [ "$(first "$1")" -lt "$(first "$2")" ]; }

check "vmond ends by itself with exit 0" '[ "$rc" -eq 0 ]'
check "the story starts with a baseline" '[ "$(first baseline)" -eq 1 ]'
check "a degradation follows it" 'before baseline degradation'
check "an experiment starts on it" 'before degradation experiment_start'
check "B changes $PARAM" 'grep -q "^  $PARAM $START -> [0-9]*$" out.txt'
check "the ramp steps" 'before experiment_start ramp_step'
check "the judge says promote" 'grep -q "^  verdict: promote$" out.txt'
check "B is promoted" 'before ramp_step promotion && grep -q "^  now $PARAM $START -> " out.txt'
check "no errors in the log" '! awk "\$2 == \"error\"" log.txt | grep -q .'
[ "$fail" -eq 0 ] || { cat events.txt; grep -v "look at step" log.txt | tail -20; grep "look at step" log.txt | tail -5; }
checks_done
