#!/usr/bin/env bash
# The control channel of a running vmond: `vmond ctl` finds the socket from
# the configuration, the socket is owner-only, unknown pipelines and verbs
# are errors with a reason, a second vmond on the same socket is refused,
# and the socket goes away with the daemon.
# Usage: tuning_ctl.sh VMOND PLUGIN_DIR
set -u
VMOND=$1 PLUGINS=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-ctl-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

cat >"$WORK/d.ini" <<INI
[daemon]
control_socket = ctl.sock
[probe:sys]
plugin = system
interval = 10s
[sink:out]
plugin = stdout
[pipeline:p]
probes = sys
sinks = out
INI
printf '[probe:sys]\nplugin = system\n[sink:out]\nplugin = stdout\n[pipeline:p]\nprobes = sys\nsinks = out\n' >"$WORK/none.ini"

"$VMOND" --plugin-dir "$PLUGINS" -c "$WORK/d.ini" >"$WORK/d.out" 2>"$WORK/d.log" &
PID=$!
PIDS+=("$PID")
check "socket announced" 'wait_for "$WORK/d.log" "control socket" 10'
check "socket is owner-only" '[ "$(stat -c %a "$WORK/ctl.sock")" = 600 ]'

ctl() { "$VMOND" ctl "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err"; echo $? >"$WORK/ctl.rc"; }
rc() { cat "$WORK/ctl.rc"; }

ctl -c "$WORK/d.ini" status
check "status answers" '[ "$(rc)" = 0 ] && grep -q "no pipeline has a tuning loop" "$WORK/ctl.out"'
ctl --socket "$WORK/ctl.sock" status
check "status by socket path" '[ "$(rc)" = 0 ]'
ctl -c "$WORK/d.ini" pause p
check "pause of a pipeline without a loop is an error" \
  '[ "$(rc)" = 1 ] && grep -q "no tuning loop for pipeline '"'"'p'"'"'" "$WORK/ctl.err"'
ctl -c "$WORK/d.ini" dance p
check "unknown verb is an error naming the verbs" \
  '[ "$(rc)" = 1 ] && grep -q "use status, pause, resume, abort or rollback" "$WORK/ctl.err"'
ctl -c "$WORK/d.ini" abort
check "abort without a pipeline says so" '[ "$(rc)" = 1 ] && grep -q "needs a pipeline" "$WORK/ctl.err"'
ctl -c "$WORK/none.ini" status
check "a config without control_socket is named" \
  '[ "$(rc)" = 2 ] && grep -q "has no \[daemon\] control_socket" "$WORK/ctl.err"'
ctl
check "no arguments: usage" '[ "$(rc)" = 2 ] && grep -q "usage: vmond ctl" "$WORK/ctl.err"'

"$VMOND" --plugin-dir "$PLUGINS" -c "$WORK/d.ini" >"$WORK/d2.out" 2>"$WORK/d2.log"
check "a second vmond on the socket is refused" '[ $? = 1 ] && grep -q "another vmond" "$WORK/d2.log"'
check "the first one still answers" \
  'ctl -c "$WORK/d.ini" status; [ "$(rc)" = 0 ]'

kill -TERM "$PID"
wait "$PID"
check "clean stop" '[ $? = 0 ]'
check "socket removed" '[ ! -e "$WORK/ctl.sock" ]'
ctl -c "$WORK/d.ini" status
check "gone daemon: cannot reach" '[ "$(rc)" = 1 ] && grep -q "cannot reach vmond" "$WORK/ctl.err"'
checks_done
