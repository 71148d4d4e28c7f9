# Shared by the delivery scripts: a work folder $T removed on exit, the vmond
# in $PID killed on exit, fail-fast with the log, and a bounded poll.
# Source it after `set -euo pipefail` with NAME set (the folder's prefix).
T=$(mktemp -d "/tmp/vmon-$NAME-XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -30 "$T"/vmond*.log >&2 || true; exit 1; }
# poll SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS.
poll() {
    local until=$((SECONDS + $1)); shift
    until "$@"; do [ "$SECONDS" -lt "$until" ] || return 1; sleep 0.02; done
}
