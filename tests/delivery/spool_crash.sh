#!/usr/bin/env bash
# Issue 7 item 17 through vmond: with group commit, an alert a sink is
# working on has been committed to the spool first, so kill -9 while the
# receiver hangs loses nothing; the restarted vmond delivers every alert, with
# the same idempotency keys.
# Usage: spool_crash.sh VMOND TEST_PLUGIN_DIR SPOOL_DUMP
set -euo pipefail
VMOND=$1
PLUGINS=$2
SPOOL_DUMP=$3
NAME=spool-crash
# shellcheck source=lib_vmond.sh
. "$(dirname "$0")/lib_vmond.sh"
RULES=(r1 r2 r3 r4)

# config DELAY [PATH]: one spooled gate sink; every rule fires on the first reading.
config() {
    {
        printf '[daemon]\nshutdown_timeout = 100ms\n[probe:c]\nplugin = counter\ninterval = 50ms\n'
        for r in "${RULES[@]}"; do printf '[rule:%s]\nmetric = fixture.count_total\nabove = 0\n' "$r"; done
        printf '[sink:q]\nplugin = gate\ndelay = %s\nentered = %s/q.in\n' "$1" "$T"
        printf 'spool = %s/q.spool\nspool_commit = 50ms\nbatch_max = 1\n' "$T"
        [ -n "${2:-}" ] && printf 'path = %s\n' "$2"
        printf '[pipeline:p]\nprobes = c\nrules = %s\nsinks = q\n' "$(IFS=,; echo "${RULES[*]}")"
    } > "$T/vmon.ini"
}
spooled() { [ "$("$SPOOL_DUMP" "$T/q.spool" sink:q 2>/dev/null | wc -l)" -ge "$1" ]; }

config 60s
"$VMOND" --plugin-dir "$PLUGINS" -c "$T/vmon.ini" > "$T/vmond1.log" 2>&1 &
PID=$!
poll 10 test -e "$T/q.in" || fail "the sink never received an alert"
# The one in flight was committed before the sink saw it; the rest within spool_commit.
spooled 1 || fail "the alert in flight is not in the spool"
poll 5 spooled ${#RULES[@]} || fail "not every alert reached the spool"
"$SPOOL_DUMP" "$T/q.spool" sink:q | sort > "$T/keys.before"
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
PID=

rm -f "$T/q.in"
config 0ms "$T/out.txt"
"$VMOND" --plugin-dir "$PLUGINS" -c "$T/vmon.ini" > "$T/vmond2.log" 2>&1 &
PID=$!
# Every key from before the crash arrives (the new run's own alerts may come too).
has_all() {
    [ -s "$T/out.txt" ] || return 1
    while read -r key; do grep -q "key=$key\$" "$T/out.txt" || return 1; done < "$T/keys.before"
}
poll 10 has_all || fail "an alert spooled before kill -9 was not delivered after restart"
kill -TERM "$PID"
wait "$PID" || fail "vmond exited with $?"
PID=
echo "kill -9 with ${#RULES[@]} alerts spooled: all delivered after restart"
