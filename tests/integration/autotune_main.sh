#!/usr/bin/env bash
# The main job as shipped: vmond -c conf.d/autotune.ini, unchanged, ends by itself and its
# stdout tells the whole story in order: a baseline, a degradation (the collection grows
# under the traffic), an experiment with B != A, at least one ramp step, a promote verdict,
# the promotion; exit 0.
# Usage: autotune_main.sh VMOND PLUGIN_DIR CONFIG
set -u
VMOND=$1 PLUGINS=$2 CONFIG=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-autotune-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

cd "$WORK" || exit 1
# The file's traffic lasts 90 s; 240 s bounds a hung run on a loaded machine.
timeout -s KILL 240 "$VMOND" --plugin-dir "$PLUGINS" -c "$CONFIG" >out.txt 2>log.txt
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
check "B changes nprobe" 'grep -q "^  nprobe 128 -> [0-9]*$" out.txt'
check "the ramp steps" 'before experiment_start ramp_step'
check "the judge says promote" 'grep -q "^  verdict: promote$" out.txt'
check "B is promoted" 'before ramp_step promotion && grep -q "^  now nprobe 128 -> " out.txt'
check "no errors in the log" '! grep -q " error " log.txt'
[ "$fail" -eq 0 ] || { cat events.txt; tail -20 log.txt; }
checks_done
