#!/usr/bin/env bash
# vmond as a user runs it: --once on the shipped config, -t on a broken file,
# SIGHUP reloads (good and bad), SIGTERM, --describe, --list-plugins, --test-alert.
# Usage: daemon_cli.sh VMOND SOURCE_DIR TEST_PLUGIN_DIR PLUGIN_DIR
set -u
VMOND=$1 SRC=$2 FIXTURES=$3 PLUGINS=$4
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-cli-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

# Plugins are copied (the loader refuses symlinks) into one folder of our own.
mkdir "$WORK/plugins"
cp "$PLUGINS"/*.so "$FIXTURES"/probe_counter.so "$FIXTURES"/sink_record.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"

# 1. The shipped config, once.
out=$("$VMOND" --once -c "$SRC/conf.d/system.ini" 2>"$WORK/once.err"); rc=$?
check "--once on conf.d/system.ini exits 0" '[ $rc -eq 0 ]'
check "--once prints the memory report" 'grep -q "==== probe:sys" <<<"$out" && grep -q "system.memory_used_percent" <<<"$out" && grep -q "system.memory_total_bytes .*GiB" <<<"$out"'
check "--once reports vmond itself" 'grep -q "vmon.samples_total" <<<"$out"'

# 2. A firing alert is printed by --once (threshold 0 always fires).
cat >"$WORK/fire.ini" <<INI
[probe:sys]
plugin = system
[rule:mem_any]
metric = system.memory_used_percent
above = 0
severity = critical
[sink:out]
plugin = stdout
[pipeline:p]
probes = sys
rules = mem_any
sinks = out
INI
out=$("$VMOND" --once -c "$WORK/fire.ini" 2>/dev/null)
check "--once prints a firing alert" 'grep -q "^\[FIRING\] .* critical mem_any: system.memory_used_percent = .* above 0" <<<"$out"'
sed 's/plugin = stdout/plugin = stdout\nformat = json/' "$WORK/fire.ini" >"$WORK/json.ini"
out=$("$VMOND" --once -c "$WORK/json.ini" 2>/dev/null)
check "format = json gives one valid JSON object per line" 'jq -e . <<<"$out" >/dev/null && [ "$(jq -s length <<<"$out")" -eq "$(wc -l <<<"$out")" ] && jq -s -e "map(select(.type == \"alert\")) | .[0].rule == \"mem_any\"" <<<"$out" >/dev/null'

# 3. -t on a broken file: exit 2, every error with file:line.
cat >"$WORK/broken.ini" <<INI
[probe:sys]
plugin = system
interval = soon
[sink:out]
plugin = stdout
formt = json
[pipeline:p]
probes = sys
sinks = out, missing
INI
err=$("$VMOND" -t -c "$WORK/broken.ini" 2>&1); rc=$?
check "-t on a broken file exits 2" '[ $rc -eq 2 ]'
check "-t names line 3 (bad duration)" 'grep -q "broken.ini:3: \[probe:sys\] interval: expected a duration" <<<"$err"'
check "-t names line 6 with a suggestion" "grep -q \"broken.ini:6: \\[sink:out\\] formt: unknown key; did you mean 'format'?\" <<<\"\$err\""
check "-t names line 9 (missing sink)" 'grep -q "broken.ini:9: \[pipeline:p\] sinks: no section \[sink:missing\]" <<<"$err"'
"$VMOND" -t -c "$SRC/conf.d/system.ini" 2>/dev/null
check "-t on the shipped config exits 0" '[ $? -eq 0 ]'

# 4. Reload: good file swaps, bad file keeps the old pipeline running.
cat >"$WORK/live.ini" <<INI
[daemon]
shutdown_timeout = 500ms
[probe:c]
plugin = counter
interval = 100ms
[sink:rec]
plugin = record
path = first.txt
[pipeline:p]
probes = c
sinks = rec
INI
"$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/live.ini" 2>"$WORK/live.log" &
VPID=$!; PIDS+=("$VPID")
check "the daemon delivers before reload" 'wait_for "$WORK/first.txt" "sample probe:c" 5'
sed -i 's/first.txt/second.txt/' "$WORK/live.ini"
kill -HUP "$VPID"
check "a good reload swaps to the new pipeline" 'wait_for "$WORK/second.txt" "sample probe:c" 5'
check "the log says reload done" 'wait_for "$WORK/live.log" "reload done" 2'
printf '[probe:c]\nplugin = counter\ninterval = never\n' >>"$WORK/live.ini"
: >"$WORK/second.txt"
kill -HUP "$VPID"
check "a bad reload is reported with file:line" 'wait_for "$WORK/live.log" "live.ini:12: \[probe:c\] duplicate section" 5'
check "a bad reload keeps the old pipeline" 'wait_for "$WORK/live.log" "previous configuration keeps running" 2 && wait_for "$WORK/second.txt" "sample probe:c" 5'
# Coalescing: a burst of HUPs does not queue a burst of reloads.
sed -i '$d' "$WORK/live.ini"; sed -i '$d' "$WORK/live.ini"; sed -i '$d' "$WORK/live.ini"
# Unchanged sections carry over in a millisecond, so the first reload replaces a sink that is
# inside a 300 ms call: the other seven signals arrive while it waits for that call.
sed -i 's/^path = second.txt$/path = third.txt\ndelay = 300ms/' "$WORK/live.ini"
before=$(grep -c "SIGHUP: reloading" "$WORK/live.log")
for i in 1 2 3 4 5 6 7 8; do kill -HUP "$VPID"; done
# A measurement window, not a wait for an event: count the reloads that
# start within 1.5 s of the burst. No poll can replace it (the test asks how
# many reloads did NOT start). Under heavy load the HUPs can land between
# reloads and legitimately not coalesce; a deterministic version needs a
# reload that is slow on purpose.
sleep 1.5
after=$(grep -c "SIGHUP: reloading" "$WORK/live.log")
check "a burst of 8 SIGHUPs runs fewer than 8 reloads ($((after - before)))" '[ $((after - before)) -ge 1 ] && [ $((after - before)) -lt 8 ]'
start=$(date +%s%N)
kill -TERM "$VPID"; wait "$VPID"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "SIGTERM stops cleanly (rc=$rc) in bounded time (${ms} ms)" '[ $rc -eq 0 ] && [ $ms -lt 3000 ] && grep -q "stopped" "$WORK/live.log"'

# 4b. A firing alert of an unchanged rule is neither re-sent nor forgotten across a reload.
cat >"$WORK/keep.ini" <<INI
[probe:c]
plugin = counter
interval = 100ms
[rule:counted]
metric = fixture.count_total
above = 0
[sink:rec]
plugin = record
path = keep.txt
samples = false
[pipeline:p]
probes = c
rules = counted
sinks = rec
INI
"$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/keep.ini" 2>"$WORK/keep.log" &
KPID=$!; PIDS+=("$KPID")
wait_for "$WORK/keep.txt" "alert counted firing" 5
sed -i 's/interval = 100ms/interval = 150ms/' "$WORK/keep.ini"
kill -HUP "$KPID"
wait_for "$WORK/keep.log" "reload done" 5
# A re-send would come with the next probe cycles (every 150 ms): give it
# three before counting. Waiting for something not to happen; kept short.
sleep 0.5
kill -TERM "$KPID"; wait "$KPID"
check "a reload keeps a firing alert firing without re-sending it" '[ "$(grep -c "alert counted firing" "$WORK/keep.txt")" -eq 1 ]'

# 5. --describe, --list-plugins, --version, --test-alert.
out=$("$VMOND" --describe system)
check "--describe shows the plugin's options with defaults" 'grep -q "proc_root .*default /proc" <<<"$out" && grep -q "interval .*default 10s" <<<"$out"'
out=$("$VMOND" --plugin-dir "$FIXTURES" --list-plugins)
check "--list-plugins lists good plugins and refusals" 'grep -q "probe    counter" <<<"$out" && grep -q "REFUSED .*probe_highminor.so" <<<"$out"'
out=$("$VMOND" --version)
check "--version prints core and ABI versions" 'grep -q "vmond .*plugin ABI [0-9]*\.[0-9]*" <<<"$out"'
cat >"$WORK/ta.ini" <<INI
[sink:rec]
plugin = record
path = ta.txt
[pipeline:p]
sinks = rec
INI
out=$("$VMOND" --plugin-dir "$WORK/plugins" --test-alert rec -c "$WORK/ta.ini" 2>&1); rc=$?
check "--test-alert delivers through one sink" '[ $rc -eq 0 ] && grep -q "delivered" <<<"$out" && grep -q "alert vmon_test_alert firing" "$WORK/ta.txt"'

checks_done
