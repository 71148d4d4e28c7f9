#!/usr/bin/env bash
# log_format = json: vmond's stderr is one JSON object per line (time, level,
# source, kind/instance, message, fields) that jq parses, also when a message
# carries bytes that are not UTF-8 (test_log_json.c: controls); a secret given
# through ${SECRET} (a webhook token, a password in a milvus uri) appears in no
# line. Text stays the default.
# Usage: log_json.sh VMOND PLUGIN_DIR
set -u
VMOND=$1 PLUGINS=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-logjson-XXXXXX")
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
command -v jq >/dev/null || { echo "jq missing (scripts/install-deps.sh)"; exit 1; }

export SECRET="s3cr3t-$$-$RANDOM-token"
# Port 1 on loopback: nothing listens (binding it needs root), so every call fails at once.
cat >"$WORK/vmon.ini" <<'INI'
[daemon]
log_level     = debug
log_format    = json
self_interval = 200ms
[target:db]
plugin = milvus
uri    = http://vmon:${SECRET}@127.0.0.1:1
[probe:proxy]
plugin   = proxy
target   = db
interval = 200ms
[probe:sys]
plugin   = system
interval = 200ms
[rule:always]
metric = system.memory_used_percent
above  = 0
[sink:hook]
plugin      = webhook
url         = http://127.0.0.1:1/alerts
token       = ${SECRET}
retry_base  = 10ms
retry_cap   = 20ms
retry_limit = 2
[pipeline:p]
target = db
probes = proxy, sys
rules  = always
sinks  = hook
INI
"$VMOND" --plugin-dir "$PLUGINS" -c "$WORK/vmon.ini" >"$WORK/out" 2>"$WORK/err" &
PID=$!
check "the webhook's failures and its giving up are logged" 'wait_for "$WORK/err" "giving up on alert" 20'
# A reload whose error names a key that is not UTF-8.
cp "$WORK/vmon.ini" "$WORK/good.ini"
printf '[daemon]\nlog_format = json\nk\xff\xfey = 1\n' >"$WORK/vmon.ini"
kill -HUP "$PID"
check "the bad reload is logged" 'wait_for "$WORK/err" "reload failed" 20'
kill -TERM "$PID"
wait "$PID"; rc=$?; PID=
check "vmond stops on SIGTERM (exit 0)" '[ $rc -eq 0 ]'

lines=$(wc -l <"$WORK/err")
check "some lines were logged ($lines)" '[ "$lines" -gt 5 ]'
check "every stderr line is one JSON object with time, level, source, message" \
  'jq -eR "fromjson | type == \"object\" and (.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{3}Z$\")) and (.level | IN(\"error\",\"warning\",\"info\",\"debug\")) and (.source | type == \"string\") and (.message | type == \"string\")" "$WORK/err" >"$WORK/types" 2>"$WORK/jq.err" && ! grep -qv true "$WORK/types"'
check "a sink line names its kind and instance and carries the retry as fields" \
  'jq -R "fromjson | select(.kind == \"sink\" and .instance == \"hook\" and .retry_in_ms != null and .reason != null)" "$WORK/err" | grep -q .'
check "bytes that are not UTF-8 reach the JSON as U+FFFD" \
  'jq -rR "fromjson | .message" "$WORK/err" | grep -F "unknown key" | grep -q "k$(printf "\xef\xbf\xbd\xef\xbf\xbd")y"'
check "the secret appears nowhere in the log or stdout" '! grep -qF "$SECRET" "$WORK/err" "$WORK/out"'

# Text stays the default.
cp "$WORK/good.ini" "$WORK/text.ini"
sed -i '/^log_format/d' "$WORK/text.ini"
"$VMOND" --plugin-dir "$PLUGINS" --once -c "$WORK/text.ini" >/dev/null 2>"$WORK/text.err"
check "without log_format the lines are text" \
  'grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (info|warning|error|debug) " "$WORK/text.err" && ! grep -q "^{" "$WORK/text.err"'
checks_done
