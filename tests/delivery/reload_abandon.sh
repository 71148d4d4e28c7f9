#!/usr/bin/env bash
# Issue 7 item 2 through vmond: a SIGHUP gives up on a sink blocked in a call
# (its delay outlasts shutdown_timeout) and frees the old plan and runtime;
# when the call then fails for good (a plain failure, then a 410-like "gone"
# that disables the sink), the dead letter is still written (from the
# delivery's own copy of the path), no event reaches the freed runtime, and
# vmond keeps running. Run it in the ASan tree to see the use-after-free it
# used to be.
# Usage: reload_abandon.sh VMOND TEST_PLUGIN_DIR
set -euo pipefail
VMOND=$1
PLUGINS=$2
NAME=reload-abandon
# shellcheck source=lib_vmond.sh
. "$(dirname "$0")/lib_vmond.sh"

run() {
    local answer=$1
    rm -f "$T"/late.in "$T"/dead.jsonl
    cat > "$T/vmon.ini" <<INI
[daemon]
shutdown_timeout = 100ms
[probe:c]
plugin = counter
interval = 50ms
[rule:up]
metric = fixture.count_total
above = 0
[sink:late]
plugin = gate
delay = 1s
answer = $answer
entered = $T/late.in
dead_letter = $T/dead.jsonl
[pipeline:p]
probes = c
rules = up
sinks = late
INI

    "$VMOND" --plugin-dir "$PLUGINS" -c "$T/vmon.ini" > "$T/vmond.log" 2>&1 &
    PID=$!
    poll 10 test -e "$T/late.in" || fail "the sink never received its alert"
    # An unchanged sink carries over a reload untouched; a removed one is given up on.
    sed -i 's/^\[sink:late\]$/[sink:later]/; s/^sinks = late$/sinks = later/' "$T/vmon.ini"
    kill -HUP "$PID"
    poll 10 grep -q 'abandoning it' "$T/vmond.log" || fail "the reload did not give up on the blocked call"
    poll 10 grep -q "\"reason\":\"gate says $answer\"" "$T/dead.jsonl" 2>/dev/null ||
        fail "the late failure wrote no dead letter"
    kill -0 "$PID" 2>/dev/null || fail "vmond died after the late failure"
    kill -TERM "$PID"
    rc=0
    wait "$PID" || rc=$?
    PID=
    [ "$rc" -eq 0 ] || fail "vmond exited with $rc"
    echo "late '$answer' after a reload: dead letter written, vmond ran on and exited 0"
}

run fail
run gone
