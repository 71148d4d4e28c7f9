#!/usr/bin/env bash
# The tuning loop end to end on the embedded engine with small data: the
# collection grows while traffic runs (inserts seal new indexed segments, so
# every search does more work: a real degradation, nothing injected); the
# fixture tuner `step` proposes nprobe x factor; the default (sequential)
# judge decides on the loop's long judging window (the 2 s window is the
# loop's degradation test).
# (core.tuning_loop covers the classic judge: 10 requests per arm are too few
# to be sure of the sign on a loaded machine.)
#  1. B faster (x 0.25): degradation, experiment with A != B, ramp, promotion;
#     the state file gives the promoted nprobe back after a restart.
#  2. B slower (x 3): the experiment ends without a promotion, A stays.
#  3. mode = recommend: a recommendation, no experiment, nothing routed.
#  4. vmond ctl against a running experiment: pause, resume, a SIGHUP that
#     keeps it running, abort; after a
#     promotion, rollback to the previous nprobe. Each is audited as `operator`.
# Every check reads the audit log (one JSON line per decision); a fixture sink
# records the events as sinks get them: every kind the scenarios make arrives,
# repeats included.
# Usage: tuning_e2e.sh VMOND PLUGIN_DIR TEST_PLUGIN_DIR
set -u
VMOND=$1 PLUGINS=$2 FIXTURES=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-tune-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
mkdir "$WORK/plugins"
cp "$PLUGINS"/target_embedded.so "$PLUGINS"/router_hash_split.so "$PLUGINS"/sink_stdout.so \
  "$FIXTURES"/tuner_step.so "$FIXTURES"/sink_record.so "$WORK/plugins/"

# config NAME FACTOR PIPELINE_EXTRA [DAEMON_EXTRA]
config() {
  cat >"$WORK/$1.ini" <<INI
[daemon]
shutdown_timeout = 1s
${4:-}
[target:db]
plugin = embedded
rows = 20000
dim = 32
nprobe = 64
segment_rows = 5000
index_min_rows = 1000
[traffic:load]
workers = 2
max_qps = 1000
duration = 60s
insert_rate = 2000
[tuner:t]
plugin = step
target = db
factor = $2
[router:r]
plugin = hash_split
[sink:out]
plugin = stdout
[sink:rec]
plugin = record
path = $1.events
[pipeline:p]
target = db
traffic = load
tuner = t
router = r
sinks = out, rec
check_interval = 250ms
audit_log = $1.jsonl
$3
INI
}
run() { # run NAME: vmond in the background on NAME.ini
  "$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/$1.ini" >"$WORK/$1.out" 2>"$WORK/$1.log" &
  VPID=$!
  PIDS+=("$VPID")
}
stop() { kill -TERM "$1" 2>/dev/null; wait "$1"; }
audited() { grep -q "\"event\":\"$2\"" "$WORK/$1.jsonl" 2>/dev/null; } # audited NAME EVENT
field() { # field NAME EVENT KEY: the field of the first such line
  grep "\"event\":\"$2\"" "$WORK/$1.jsonl" | head -1 | sed -n "s/.*\"$3\":\"\\([^\"]*\\)\".*/\\1/p"
}

# 1. the seeded scenario promotes, and the promotion survives a restart
config fast 0.25 "window = 2s" "state_dir = state"
run fast
check "fast: degradation detected" 'wait_for "$WORK/fast.jsonl" "\"event\":\"degradation\"" 150'
check "fast: promoted" 'wait_for "$WORK/fast.jsonl" "\"event\":\"promotion\"" 150'
stop "$VPID"
check "fast: A and B differ in the experiment" \
  '[ "$(field fast experiment_start a.nprobe)" = 64 ] && [ "$(field fast experiment_start b.nprobe)" = 16 ]'
check "fast: the ramp stepped before the promotion" 'audited fast ramp_step'
check "fast: the verdict says promote" 'grep -q "\"verdict\":\"promote\"" "$WORK/fast.jsonl"'
check "fast: the state file is owner-only" '[ "$(stat -c %a "$WORK/state/tuning.db")" = 600 ]'
mv "$WORK/fast.jsonl" "$WORK/fast1.jsonl"
run fast
check "restart: the baseline is measured with the promoted nprobe" \
  'wait_for "$WORK/fast.jsonl" "\"event\":\"baseline\"" 150 && [ "$(field fast baseline a.nprobe)" = 16 ]'
stop "$VPID"

# 2. a worse B is not promoted
config slow 3 "window = 2s"
run slow
check "slow: an experiment starts" 'wait_for "$WORK/slow.jsonl" "\"event\":\"experiment_start\"" 150'
check "slow: it ends with a verdict other than promote" \
  'wait_for "$WORK/slow.jsonl" "\"verdict\":\"\\(keep\\|rollback\\)\"" 150'
stop "$VPID"
check "slow: never promoted" '! audited slow promotion'

# 3. recommend mode decides and changes nothing
config rec 0.25 "mode = recommend
window = 2s"
run rec
check "recommend: a recommendation" 'wait_for "$WORK/rec.jsonl" "\"event\":\"recommendation\"" 150'
stop "$VPID"
check "recommend: no experiment" '! audited rec experiment_start && ! audited rec promotion'

# 4. the control channel against a running experiment (B = nprobe 62 is A's twin: the
#    judge finds no difference for a long while, so the experiment waits for us)
config ctl 0.97 "window = 2s" "control_socket = ctl.sock"
run ctl
vctl() { "$VMOND" ctl -c "$WORK/ctl.ini" "$@" >"$WORK/ctl.txt" 2>&1; }
check "ctl: an experiment starts" 'wait_for "$WORK/ctl.jsonl" "\"event\":\"experiment_start\"" 150'
check "ctl: pause" 'vctl pause p && grep -q "experiment paused" "$WORK/ctl.txt"'
check "ctl: status says paused" 'vctl status p && grep -q "paused" "$WORK/ctl.txt"'
check "ctl: resume" 'vctl resume p'
kill -HUP "$VPID"
check "reload: done" 'wait_for "$WORK/ctl.log" "reload done" 30'
check "reload: the experiment goes on (resume, reason reload)" \
  'grep -q "\"event\":\"resume\".*\"reason\":\"reload\"" "$WORK/ctl.jsonl"'
check "reload: status still shows B" 'vctl status p && grep -q "B nprobe 62" "$WORK/ctl.txt"'
check "ctl: abort" 'vctl abort p && audited ctl abort'
check "ctl: a second abort has nothing to abort" '! vctl abort p && grep -q "no experiment" "$WORK/ctl.txt"'
check "ctl: operator actions are audited as such" \
  '[ "$(grep -c "\"origin\":\"operator\"" "$WORK/ctl.jsonl")" -ge 3 ]'
stop "$VPID"
config back 0.25 "window = 2s" "control_socket = back.sock"
run back
check "rollback: promoted first" 'wait_for "$WORK/back.jsonl" "\"event\":\"promotion\"" 150'
check "rollback: ctl rollback" '"$VMOND" ctl -c "$WORK/back.ini" rollback p >"$WORK/ctl.txt" 2>&1'
check "rollback: back to the previous nprobe" \
  '[ "$(field back rollback a.nprobe)" = 16 ] && [ "$(field back rollback b.nprobe)" = 64 ]'
stop "$VPID"
kinds() { cat "$WORK"/*.events | sed -n 's/^event \([a-z_]*\) .*/\1/p' | sort -u | tr '\n' ' '; }
has_kinds() {
  for k in baseline degradation experiment_start ramp_step verdict promotion rollback pause \
    resume abort recommendation; do
    kinds | grep -qw "$k" || { echo "missing $k"; return 1; }
  done
}
check "the sink got every kind the scenarios make" 'has_kinds'
check "repeated events are delivered: a baseline per run, both recorded" \
  '[ "$(grep -c "^event baseline " "$WORK/fast.events")" -ge 2 ]'
check "events carry the experiment label" 'grep -q "^event experiment_start .*experiment=1" "$WORK/fast.events"'
checks_done
