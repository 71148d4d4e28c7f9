#!/usr/bin/env bash
# ABI 0.3 as vmond's user sees it: a probe's ops installed as a sink are refused
# (and --test-alert never calls collect as deliver), a refused plugin gives one
# error, computed defaults are shown as such.
# Usage: abi_cli.sh VMOND ABI_FIXTURE_DIR PLUGIN_DIR SOURCE_DIR
set -u
VMOND=$1 ABI_FIXTURES=$2 PLUGINS=$3 SRC=$4
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-abi-XXXXXX")
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"

mkdir "$WORK/plugins"
cp "$PLUGINS"/*.so "$ABI_FIXTURES"/sink_x.so "$ABI_FIXTURES"/sink_old.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"

# 1. A probe's operations renamed as sink_x.so: refused, and --test-alert says so.
cat >"$WORK/x.ini" <<INI
[probe:sys]
plugin = system
[sink:x]
plugin = x
[pipeline:p]
probes = sys
sinks = x
INI
out=$("$VMOND" --plugin-dir "$WORK/plugins" --test-alert x -c "$WORK/x.ini" 2>&1); rc=$?
check "--test-alert through a probe's ops exits 2" '[ $rc -eq 2 ]'
check "--test-alert names the file and the fix" 'grep -q "sink_x.so: declares kind .sink. but its operations table says kind .probe." <<<"$out"'
check "--test-alert delivered nothing" '! grep -q "delivered" <<<"$out"'
out=$("$VMOND" --plugin-dir "$WORK/plugins" --list-plugins 2>&1)
check "--list-plugins lists sink_x as refused" 'grep -A1 "REFUSED.*sink_x.so" <<<"$out" | grep -q "operations table says kind"'

# 2. Computed defaults are declared, and shown as such.
out=$("$VMOND" --plugin-dir "$WORK/plugins" --describe sink:syslog 2>&1)
check "--describe shows syslog's computed max_message" 'grep -q "max_message .* default computed: 1024 for rfc3164, 2048 for rfc5424" <<<"$out"'
cat >"$WORK/syslog.ini" <<INI
[sink:log]
plugin = syslog
[pipeline:p]
sinks = log
INI
out=$("$VMOND" --plugin-dir "$WORK/plugins" -t --print -c "$WORK/syslog.ini" 2>&1)
check "--print shows the computed default as a rule" 'grep -q "^; max_message = (computed: 1024 for rfc3164, 2048 for rfc5424)" <<<"$out"'
check "--print shows ordinary defaults as values" 'grep -q "^msgid = alert    ; default" <<<"$out"'

# 3. A sink built before ABI 0.5 (sink_old, 0.2) walks the samples with its own, shorter
#    vmon_sample: every sample of a reading must reach it whole (the core lays them out for it).
cat >"$WORK/old.ini" <<INI
[probe:sys]
plugin = system
[sink:old]
plugin = old
path = $WORK/old.out
samples = true
[pipeline:p]
probes = sys
sinks = old
INI
"$VMOND" --plugin-dir "$WORK/plugins" --once -c "$WORK/old.ini" >"$WORK/old.log" 2>&1; rc=$?
check "--once with a 0.2 sink taking samples exits 0" '[ $rc -eq 0 ]'
check "the 0.2 sink got every sample of the reading by name" \
  '[ "$(grep -c "^sample probe:sys system\.[a-z0-9_]* [-0-9.e+]*$" "$WORK/old.out")" -ge 5 ] &&
   ! grep "^sample probe:sys" "$WORK/old.out" | grep -qv "^sample probe:sys system\.[a-z0-9_]* [-0-9.e+]*$"'

# 4. The kind table is the only place that branches on a kind (scripts/check_kinds.sh).
"$SRC/scripts/check_kinds.sh" "$SRC" >"$WORK/kinds.out" 2>&1
check "no switch on a kind outside core/kinds.c" '[ $? -eq 0 ]'
mkdir -p "$WORK/tree/core"
printf 'int f(unsigned kind)\n{\n    switch (kind) {\n    case VMON_KIND_PROBE:\n        return 1;\n    }\n    for (unsigned k = 1; k <= 5; k++)\n        ;\n    return 0;\n}\n' >"$WORK/tree/core/x.c"
out=$("$SRC/scripts/check_kinds.sh" "$WORK/tree" 2>&1); rc=$?
check "check_kinds finds a switch, a case and a numbered loop" '[ $rc -eq 1 ] && grep -q "x.c:3:" <<<"$out" && grep -q "x.c:4:" <<<"$out" && grep -q "x.c:7:" <<<"$out"'

checks_done
