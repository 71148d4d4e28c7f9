#!/usr/bin/env bash
# The config reader as an attacker feeds it: includes inside sections (also
# on SIGHUP), devices, FIFOs, directories, include fan-out, NUL bytes, huge
# durations, hex numbers and control characters that would forge a line.
# Every input gets an answer (exit 0 or 2), fast; none crashes or blocks.
# Usage: config_reader.sh VMOND SOURCE_DIR TEST_PLUGIN_DIR PLUGIN_DIR
set -u
VMOND=$1 FIXTURES=$3 PLUGINS=$4
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-cfg-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
# check_config FILE: runs `vmond -t` with a bound (a blocked read is a failure, not a hang);
# sets rc, err (stderr) and ms.
check_config() {
  local start
  start=$(date +%s%N)
  err=$(timeout 10 "$VMOND" --plugin-dir "$WORK/plugins" -t -c "$1" 2>&1)
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
}

# Plugins are copied (the loader refuses symlinks) into one folder of our own.
mkdir "$WORK/plugins"
cp "$PLUGINS"/*.so "$FIXTURES"/probe_counter.so "$FIXTURES"/sink_record.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"

# 1. An include inside a section whose file adds enough sections to move the array.
{
  printf '[probe:c]\nplugin = counter\ninterval = 100ms\n'
  for i in $(seq 1 16); do printf '[sink:s%d]\nplugin = record\npath = s%d.txt\n' "$i" "$i"; done
  printf '[pipeline:p]\nprobes = c\nsinks = s1\n'
} >"$WORK/other.ini"
printf '[daemon]\ninclude = other.ini\nlog_level = info\n' >"$WORK/inside.ini"
check_config "$WORK/inside.ini"
check "-t on an include inside [daemon] answers OK (rc=$rc)" '[ $rc -eq 0 ] && grep -q "configuration OK" <<<"$err"'

# ... and a running daemon whose file is edited into that shape reloads, and runs on.
cat >"$WORK/live.ini" <<INI
[daemon]
shutdown_timeout = 500ms
[probe:c]
plugin = counter
interval = 100ms
[sink:s1]
plugin = record
path = s1.txt
[pipeline:p]
probes = c
sinks = s1
INI
"$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/live.ini" 2>"$WORK/live.log" &
VPID=$!
PIDS+=("$VPID")
check "the daemon delivers before the reload" 'wait_for "$WORK/s1.txt" "sample probe:c" 5'
printf '[daemon]\nshutdown_timeout = 500ms\ninclude = other.ini\nlog_level = info\n' >"$WORK/live.ini"
kill -HUP "$VPID"
check "SIGHUP into an include inside [daemon] reloads" 'wait_for "$WORK/live.log" "reload done" 5'
: >"$WORK/s1.txt"
check "the daemon keeps running and delivering after it" 'wait_for "$WORK/s1.txt" "sample probe:c" 5 && kill -0 "$VPID"'
kill -TERM "$VPID"
wait "$VPID"
rc=$?
check "the daemon stops cleanly (rc=$rc)" '[ $rc -eq 0 ]'

# 2. The top-level file must be a regular file.
mkfifo "$WORK/top.fifo"
mkdir "$WORK/folder"
for top in /dev/zero "$WORK/top.fifo" "$WORK/folder"; do
  check_config "$top"
  check "-t -c $top is refused in ${ms} ms (rc=$rc)" '[ $rc -eq 2 ] && grep -q "^$top: cannot read the config file: not a regular file" <<<"$err"'
done

# 3. So must every include, refused at the include's file:line.
mkfifo "$WORK/part.fifo"
for target in /dev/zero "$WORK/part.fifo" "$WORK/folder"; do
  printf '[daemon]\nlog_level = info\ninclude = %s\n' "$target" >"$WORK/inc.ini"
  check_config "$WORK/inc.ini"
  check "include = $target is refused in ${ms} ms (rc=$rc)" '[ $rc -eq 2 ] && grep -q "^$WORK/inc.ini:3: include: cannot include .$target.: not a regular file" <<<"$err"'
done

# 4. Six files that each include *.ini: each read once, one error per cycle, milliseconds.
mkdir "$WORK/fan"
for i in 1 2 3 4 5 6; do printf '[sink:f%d]\nplugin = record\npath = f.txt\ninclude = *.ini\n' "$i" >"$WORK/fan/f$i.ini"; done
printf '[pipeline:p]\nsinks = f1\n' >>"$WORK/fan/f1.ini"
check_config "$WORK/fan/f1.ini"
cycles=$(grep -c "include: cycle " <<<"$err")
check "include = *.ini among 6 files: $cycles cycle errors in ${ms} ms (rc=$rc)" '[ $rc -eq 2 ] && [ "$cycles" -eq 21 ] && [ "$(wc -l <<<"$err")" -eq 22 ] && [ $ms -lt 2000 ]'
check "a cycle error names the chain" "grep -q \"^$WORK/fan/f2.ini:4: include: cycle $WORK/fan/f1.ini -> $WORK/fan/f2.ini -> $WORK/fan/f1.ini;\" <<<\"\$err\""

# 5. A NUL byte is an error at its line (reading used to stop there: "configuration OK").
printf '[daemon]\nlog_level = info\nthreads = 2\0\n[sink:x]\nplugin = nosuch\n' >"$WORK/nul.ini"
check_config "$WORK/nul.ini"
check "a NUL byte is reported at its line (rc=$rc)" '[ $rc -eq 2 ] && grep -q "^$WORK/nul.ini:3: line contains a NUL byte" <<<"$err"'

# 6. Numbers: huge durations and hex are refused by -t, with the key's file:line.
cat >"$WORK/numbers.ini" <<INI
[probe:c]
plugin = counter
[rule:r]
metric = fixture.count_total
above = 0x10
repeat = 1e12d
absent = 1e305d
[sink:s]
plugin = record
path = n.txt
[pipeline:p]
probes = c
rules = r
sinks = s
INI
check_config "$WORK/numbers.ini"
check "above = 0x10 is not read as 16" 'grep -q "^$WORK/numbers.ini:5: \[rule:r\] above: expected a decimal number" <<<"$err"'
check "repeat = 1e12d is too long" 'grep -q "^$WORK/numbers.ini:6: \[rule:r\] repeat: .1e12d. is too long" <<<"$err"'
check "absent = 1e305d is too long (rc=$rc)" '[ $rc -eq 2 ] && grep -q "^$WORK/numbers.ini:7: \[rule:r\] absent: .1e305d. is too long" <<<"$err"'

# 7. A value from the environment cannot forge a file:line line.
printf '[probe:c]\nplugin = counter\nstart = ${VMON_FORGE}\n' >"$WORK/forge.ini"
err=$(VMON_FORGE=$'x\n/etc/vmon.ini:1: forged' timeout 10 "$VMOND" --plugin-dir "$WORK/plugins" -t -c "$WORK/forge.ini" 2>&1)
check "an \${ENV} newline stays on the error's line" '! grep -q "^/etc/vmon.ini:1: forged" <<<"$err" && grep -q "^$WORK/forge.ini:3: \[probe:c\] start: .*x\\\\n/etc/vmon.ini:1: forged" <<<"$err"'


# 9. Two sections holding one exclusive resource (the journal target's file), written two ways.
cp "$FIXTURES"/target_journal.so "$WORK/plugins/"
mkdir -p "$WORK/sub"
cat >"$WORK/sub/excl.ini" <<INI
[target:a]
plugin = journal
journal = $WORK/sub/j.log
[target:b]
plugin = journal
journal = ./../sub//j.log
[sink:s]
plugin = record
path = s.txt
[pipeline:p]
sinks = s
INI
check_config "$WORK/sub/excl.ini"
check "one exclusive resource in two sections is an error at its line" \
  '[ $rc -eq 2 ] && grep -q "excl.ini:6: \[target:b\] journal: .$WORK/sub/j.log. is already held by \[target:a\]" <<<"$err"'

# 10. --print escapes values, so an ${ENV} value cannot forge a section in the printout.
cat >"$WORK/print.ini" <<'INI'
[rule:r]
metric = x.y_total
above = 1
message = ${VMON_PRINT_EVIL}
[sink:s]
plugin = record
path = s.txt
[pipeline:p]
sinks = s
rules = r
INI
out=$(VMON_PRINT_EVIL=$'ok\n[sink:forged]' "$VMOND" --plugin-dir "$WORK/plugins" -t --print -c "$WORK/print.ini" 2>/dev/null)
check "--print shows a control character escaped, not as a new line" \
  'grep -qF "message = ok\n[sink:forged]" <<<"$out" && ! grep -q "^\[sink:forged\]" <<<"$out"'

checks_done
