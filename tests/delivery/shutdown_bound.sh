#!/usr/bin/env bash
# Issue 7 item 16: with N sinks hung in a deliver call, SIGTERM ends vmond
# within one shutdown_timeout (plus a little), not N of them.
# Usage: shutdown_bound.sh VMOND TEST_PLUGIN_DIR
set -euo pipefail
VMOND=$1
PLUGINS=$2
NAME=shutdown
# shellcheck source=lib_vmond.sh
. "$(dirname "$0")/lib_vmond.sh"

TIMEOUT_MS=2000
SINKS=(a b c)
{
    printf '[daemon]\nshutdown_timeout = %dms\n' "$TIMEOUT_MS"
    printf '[probe:c]\nplugin = counter\ninterval = 50ms\n'
    printf '[rule:up]\nmetric = fixture.count_total\nabove = 0\n'
    for s in "${SINKS[@]}"; do
        printf '[sink:%s]\nplugin = gate\ndelay = 60s\nentered = %s/%s.in\n' "$s" "$T" "$s"
    done
    printf '[pipeline:p]\nprobes = c\nrules = up\nsinks = a, b, c\n'
} > "$T/vmon.ini"

"$VMOND" --plugin-dir "$PLUGINS" -c "$T/vmon.ini" > "$T/vmond.log" 2>&1 &
PID=$!
# Every sink is inside a call that will not return for a minute.
for s in "${SINKS[@]}"; do
    for _ in $(seq 500); do [ -e "$T/$s.in" ] && break; kill -0 "$PID" 2>/dev/null || fail "vmond exited"; sleep 0.01; done
    [ -e "$T/$s.in" ] || fail "sink $s never received its alert"
done

start=$(date +%s%N)
kill -TERM "$PID"
wait "$PID" || true
PID=
took_ms=$((($(date +%s%N) - start) / 1000000))
# One timeout, its grace (100 ms) and room for a loaded machine; three timeouts would be 6.3 s.
limit_ms=$((TIMEOUT_MS + 1500))
echo "vmond stopped ${#SINKS[@]} hung sinks in $took_ms ms (shutdown_timeout $TIMEOUT_MS ms)"
[ "$took_ms" -lt "$limit_ms" ] || fail "shutdown took $took_ms ms, more than $limit_ms ms"
[ "$(grep -c 'abandoning it' "$T/vmond.log")" -eq "${#SINKS[@]}" ] || fail "expected ${#SINKS[@]} abandoned deliveries"
