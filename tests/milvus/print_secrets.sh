#!/usr/bin/env bash
# The milvus target's secrets in `vmond -t --print`: masked, whether written
# inline or through ${ENV}; files named, never read into the output.
# Usage: print_secrets.sh VMOND PLUGIN_DIR
set -u
vmond=$1 plugins=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib_check.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vmon-mvprint.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/a.ini" <<'EOF2'
[target:mv]
plugin = milvus
uri = http://127.0.0.1:1
user = root
password = ${VMON_TEST_MILVUS_PW}

[target:mv2]
plugin = milvus
uri = http://127.0.0.1:1
token = inline-token-value

[target:mv3]
plugin = milvus
uri = http://root:uri-password-value@127.0.0.1:1
metrics_uri = http://root:metrics-password-value@127.0.0.1:2

[probe:sys]
plugin = system

[sink:out]
plugin = stdout

[pipeline:p]
probes = sys
sinks = out
EOF2
VMON_TEST_MILVUS_PW=env-password-value "$vmond" --plugin-dir "$plugins" -t --print -c "$work/a.ini" \
  >"$work/out" 2>&1
check "the configuration is valid" "grep -q 'configuration OK' '$work/out'"
check "the password from the environment is masked" "grep -q '^password = \*\*\*\*\*\*\*\*' '$work/out'"
check "the inline token is masked" "grep -q '^token = \*\*\*\*\*\*\*\*' '$work/out'"
check "no secret appears" "! grep -q -e env-password-value -e inline-token-value '$work/out'"
check "a password inside a uri is masked, the rest shown" \
  "grep -q '^uri = http://root:\*\*\*\*\*\*\*\*@127.0.0.1:1' '$work/out'"
check "a password inside metrics_uri is masked" \
  "grep -q '^metrics_uri = http://root:\*\*\*\*\*\*\*\*@127.0.0.1:2' '$work/out'"
check "no uri password appears" "! grep -q -e uri-password-value -e metrics-password-value '$work/out'"
sed -i 's/^token = .*/token = t\nuser = u/' "$work/a.ini"
# -t checks each key; the combination is checked when the instance is made
VMON_TEST_MILVUS_PW=x timeout 30 "$vmond" --plugin-dir "$plugins" --once -c "$work/a.ini" >"$work/out2" 2>&1
check "token and user together are refused at start, naming the section" \
  "grep -q 'mv2' '$work/out2' && grep -q 'one of token' '$work/out2'"
cat >"$work/b.ini" <<'EOF2'
[target:mv]
plugin = milvus
uri = http://127.0.0.1:1
metrics_uri = ftp://root:refused-password-value@127.0.0.1:2

[probe:sys]
plugin = system

[sink:out]
plugin = stdout

[pipeline:p]
probes = sys
sinks = out
EOF2
timeout 30 "$vmond" --plugin-dir "$plugins" --once -c "$work/b.ini" >"$work/out3" 2>&1
check "a refused metrics_uri is named" "grep -q 'metrics_uri' '$work/out3'"
check "the refused address's password is not in the error" \
  "! grep -q refused-password-value '$work/out3'"
checks_done
