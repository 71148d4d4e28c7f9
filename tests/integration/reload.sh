#!/usr/bin/env bash
# SIGHUP with state in the config: an unchanged target carries over as it is;
# a changed target that holds its data exclusively is destroyed before its
# replacement is created, and a replacement that fails brings the old one
# back; alerts queued in hung sinks survive a reload, and the console keeps
# printing; a firing alert whose rule changed or went away is resolved.
# Usage: reload.sh VMOND TEST_PLUGIN_DIR PLUGIN_DIR [embedded]
# (`embedded`: the build has the embedded target, so its data_dir is checked too.)
set -u
VMOND=$1 FIXTURES=$2 PLUGINS=$3 EMBEDDED=${4:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmon-reload-XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=lib_check.sh
. "$(dirname "$0")/lib_check.sh"
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }
wait_count() { # wait_count FILE PATTERN N SECONDS: at least N matching lines
  local end=$((SECONDS + $4))
  while [ $SECONDS -le $end ]; do [ "$(count "$1" "$2")" -ge "$3" ] && return 0; sleep 0.05; done
  return 1
}
wait_count_ms() { # wait_count_ms FILE PATTERN N MILLISECONDS
  local end=$(($(date +%s%3N) + $4))
  while [ "$(date +%s%3N)" -le $end ]; do [ "$(count "$1" "$2")" -ge "$3" ] && return 0; sleep 0.02; done
  return 1
}
# hup PID LOG: one reload, waited for; returns 1 unless it finished ("reload done" or "failed").
RELOADS=0
hup() {
  RELOADS=$((RELOADS + 1))
  kill -HUP "$1"
  local end=$((SECONDS + 20))
  while [ $SECONDS -le $end ]; do
    [ "$(($(count "$2" "reload done") + $(count "$2" "reload failed")))" -ge "$RELOADS" ] && return 0
    sleep 0.05
  done
  return 1
}
stop() { kill -TERM "$1"; wait "$1"; }

mkdir "$WORK/plugins"
cp "$PLUGINS"/*.so "$FIXTURES"/probe_counter.so "$FIXTURES"/sink_record.so \
  "$FIXTURES"/target_journal.so "$WORK/plugins/"
chmod 755 "$WORK/plugins"
run() { # run NAME: vmond on NAME.ini, logging to NAME.log, stdout to NAME.out
  "$VMOND" --plugin-dir "$WORK/plugins" -c "$WORK/$1.ini" >"$WORK/$1.out" 2>"$WORK/$1.log" &
  VPID=$!
  RELOADS=0
  PIDS+=("$VPID")
}

# 1. A target in the config (item 19): carried, replaced one at a time, restored.
cat >"$WORK/db.ini" <<INI
[daemon]
shutdown_timeout = 1s
[target:db]
plugin = journal
journal = db.journal
label = a
[probe:c]
plugin = counter
target = db
interval = 100ms
[sink:rec]
plugin = record
path = db.txt
[pipeline:p]
target = db
probes = c
sinks = rec
INI
run db
wait_for "$WORK/db.txt" "sample probe:c" 5
sed -i 's/interval = 100ms/interval = 120ms/' "$WORK/db.ini"
check "a reload that changes only a probe finishes" 'hup $VPID "$WORK/db.log" && grep -q "reload done" "$WORK/db.log"'
check "an unchanged target is not re-created (one create, no destroy)" \
  '[ "$(count "$WORK/db.journal" "^create")" -eq 1 ] && [ "$(count "$WORK/db.journal" "^destroy")" -eq 0 ]'

sed -i 's/label = a/label = b/' "$WORK/db.ini"
check "a reload that changes the target succeeds" 'hup $VPID "$WORK/db.log" && [ "$(count "$WORK/db.log" "reload done")" -eq 2 ]'
check "the changed target never runs twice on one journal" '! grep -q "^twice" "$WORK/db.journal"'
check "the old target is stopped and destroyed before the new one is created" \
  '[ "$(grep -v "^start\|^stop" "$WORK/db.journal" | tr "\n" " ")" = "create a destroy a create b " ]'
: >"$WORK/db.txt"
check "the new target's pipeline runs" 'wait_for "$WORK/db.txt" "sample probe:c" 5'

sed -i 's/label = b/label = c\nfail_create = true/' "$WORK/db.ini"
check "a replacement that fails to create fails the reload" \
  'hup $VPID "$WORK/db.log" && wait_for "$WORK/db.log" "previous configuration keeps running" 2'
check "the failing replacement is reported" 'grep -q "\[target:db\].*told to fail" "$WORK/db.log"'
check "the old target comes back from the old configuration" \
  '[ "$(grep -v "^start\|^stop" "$WORK/db.journal" | tr "\n" " ")" = "create a destroy a create b destroy b refuse c create b " ]'
: >"$WORK/db.txt"
check "the old pipelines keep running after the failed reload" 'wait_for "$WORK/db.txt" "sample probe:c" 5'
# A new section that fails leaves everything running untouched (nothing was stopped for it).
sed -i 's/^label = c$/label = b/; /^fail_create = true$/d' "$WORK/db.ini"
printf '[target:db2]\nplugin = journal\njournal = db2.journal\nfail_create = true\n' >>"$WORK/db.ini"
lines=$(wc -l <"$WORK/db.journal")
check "a reload whose new target fails is refused" 'hup $VPID "$WORK/db.log" && [ "$(count "$WORK/db.log" "reload failed")" -eq 2 ]'
check "the running target was not touched" '[ "$(wc -l <"$WORK/db.journal")" -eq "$lines" ]'
check "vmond stops cleanly (exit 0)" 'stop "$VPID"'
check "stopping destroys the target once" '[ "$(tail -1 "$WORK/db.journal")" = "destroy b" ]'

# 2. Alerts queued in two hung sinks survive a reload; the console keeps printing.
: >"$WORK/hold"
cat >"$WORK/hung.ini" <<INI
[daemon]
shutdown_timeout = 2s
[probe:c]
plugin = counter
interval = 100ms
[rule:r1]
metric = fixture.count_total
above = 0
[rule:r2]
metric = fixture.count_total
above = 1
[rule:r3]
metric = fixture.count_total
above = 2
[rule:r4]
metric = fixture.count_total
above = 3
[sink:keep]
plugin = record
path = keep.txt
hold = hold
samples = false
[sink:swap]
plugin = record
path = swap.txt
hold = hold
samples = false
[sink:seen]
plugin = record
path = seen.txt
samples = false
[sink:console]
plugin = stdout
[pipeline:p]
probes = c
rules = r1, r2, r3, r4
sinks = keep, swap, seen, console
INI
run hung
check "four alerts fire while both receivers hang" 'wait_count "$WORK/seen.txt" "firing" 4 5'
keys=$(grep firing "$WORK/seen.txt" | sed "s/.*key=\([^ ]*\).*/\1/")
# A reload that leaves both hung sinks as they are must not wait for them (2 s each on main).
printf '[rule:r5]\nmetric = fixture.count_total\nabove = 1e9\n' >>"$WORK/hung.ini"
sed -i 's/^rules = r1, r2, r3, r4$/rules = r1, r2, r3, r4, r5/' "$WORK/hung.ini"
start=$(date +%s%N)
check "a reload with two hung unchanged sinks finishes" 'hup $VPID "$WORK/hung.log" && [ "$(count "$WORK/hung.log" "reload done")" -eq 1 ]'
ms=$((($(date +%s%N) - start) / 1000000))
check "the reload does not wait for the hung unchanged sinks (${ms} ms < 1500)" '[ $ms -lt 1500 ]'
# Now one hung sink changes: its queue goes to its replacement.
sed -i 's/path = swap.txt/path = swap.txt\ndelay = 1ms/' "$WORK/hung.ini"
before=$(count "$WORK/hung.out" "==== probe:c")
RELOADS=$((RELOADS + 1))
kill -HUP "$VPID"
# The old sink's call in flight holds the reload for shutdown_timeout (2 s); the console must not wait.
check "the console keeps printing while the hung sink is replaced" \
  'wait_count_ms "$WORK/hung.out" "==== probe:c" $((before + 4)) 1500 && [ "$(count "$WORK/hung.log" "reload done")" -eq 1 ]'
check "a reload that replaces a hung sink finishes" 'wait_count "$WORK/hung.log" "reload done" 2 10'
check "the console keeps printing right after the reload" \
  'wait_count "$WORK/hung.out" "==== probe:c" $(($(count "$WORK/hung.out" "==== probe:c") + 3)) 3'
rm -f "$WORK/hold"
# The very notifications that were queued arrive (same idempotency keys).
for k in $keys; do
  check "alert $k queued in the unchanged hung sink arrives" 'wait_for "$WORK/keep.txt" "key=$k " 5'
  check "alert $k queued in the replaced hung sink arrives" 'wait_for "$WORK/swap.txt" "key=$k " 5'
done
check "the unchanged probe carried on counting (nothing resolved, nothing fired again)" \
  '[ "$(count "$WORK/seen.txt" "resolved")" -eq 0 ] && [ "$(count "$WORK/seen.txt" "firing")" -eq 4 ]'
check "vmond stops cleanly (exit 0)" 'stop "$VPID"'

# 3. A firing alert is resolved when its rule changes, goes away, or its pipeline goes.
cat >"$WORK/rule.ini" <<INI
[probe:c]
plugin = counter
interval = 100ms
[rule:moved]
metric = fixture.count_total
above = 0
[rule:gone]
metric = fixture.count_total
above = 0
[rule:orphan]
metric = fixture.count_total
above = 0
[probe:f]
plugin = counter
fail = true
interval = 100ms
[sink:rec]
plugin = record
path = rule.txt
samples = false
[sink:other]
plugin = record
path = other.txt
samples = false
[pipeline:p]
probes = c, f
rules = moved, gone
sinks = rec
[pipeline:q]
probes = c
rules = orphan
sinks = other
INI
run rule
wait_for "$WORK/rule.txt" "alert gone firing" 5
wait_for "$WORK/other.txt" "alert orphan firing" 5
wait_for "$WORK/rule.txt" "alert probe_failed firing" 5
cat >"$WORK/rule.ini" <<INI
[probe:c]
plugin = counter
interval = 100ms
[rule:moved]
metric = fixture.count_total
above = 1000000
[sink:rec]
plugin = record
path = rule.txt
samples = false
[sink:other]
plugin = record
path = other.txt
samples = false
[pipeline:p]
probes = c
rules = moved
sinks = rec
INI
check "a reload that changes and removes rules finishes" 'hup $VPID "$WORK/rule.log" && grep -q "reload done" "$WORK/rule.log"'
check "a firing alert whose threshold changed is resolved" 'wait_for "$WORK/rule.txt" "alert moved resolved" 5'
check "a firing alert whose rule was removed is resolved" 'wait_for "$WORK/rule.txt" "alert gone resolved" 5'
check "a firing alert whose pipeline was removed is resolved" 'wait_for "$WORK/other.txt" "alert orphan resolved" 5'
check "a plugin alert of a removed probe is resolved" 'wait_for "$WORK/rule.txt" "alert probe_failed resolved" 5'
key_of() { grep "alert $2 $3" "$1" | head -1 | sed "s/.*key=\([^ ]*\).*/\1/; s/-$3-/-/"; }
check "the resolution names the same alert and start as the firing" \
  '[ -n "$(key_of "$WORK/rule.txt" gone firing)" ] && [ "$(key_of "$WORK/rule.txt" gone firing)" = "$(key_of "$WORK/rule.txt" gone resolved)" ]'
check "vmond stops cleanly (exit 0)" 'stop "$VPID"'

# 4. The real engine on the same path (a smoke test; section 1 is the regression test, since
#    an engine that only preloads gives no file-level sign of a second copy): a changed target
#    on the same data_dir is made after the old one went, and opens what the old one saved.
if [ "$EMBEDDED" = embedded ]; then
  mkdir "$WORK/data"
  cat >"$WORK/emb.ini" <<INI
[daemon]
shutdown_timeout = 2s
[target:local]
plugin = embedded
dim = 8
rows = 2000
index = FLAT
threads = 1
data_dir = data
[sink:out]
plugin = stdout
[pipeline:p]
target = local
sinks = out
INI
  run emb
  check "the embedded engine saves its preload" 'wait_for "$WORK/emb.log" "running" 10 && [ -e "$WORK/data/default/seg_1.vmon" ]'
  sed -i 's/threads = 1/threads = 2/' "$WORK/emb.ini"
  check "a reload that changes the engine finishes" 'hup $VPID "$WORK/emb.log" && grep -q "reload done" "$WORK/emb.log"'
  check "the old engine went before the new one opened data_dir" 'grep -q "1 made, 1 gone" "$WORK/emb.log" && grep -q "loaded 2000 rows" "$WORK/emb.log"'
  check "vmond stops cleanly (exit 0)" 'stop "$VPID"'
  check "one engine wrote data_dir: one segment" '[ "$(ls "$WORK/data/default" | grep -c "^seg_.*\.vmon$")" -eq 1 ]'
fi

checks_done
