#!/usr/bin/env bash
# The syslog sink against a real rsyslogd (foreground, loopback, own folder
# and port): every mode and transport, facility, severity, app name,
# structured data, CR/LF staying inside one record, size cap, reconnect.
# Env: SINK_SEND, FREE_PORT, PLUGIN_DIR, RSYSLOGD. Optional BENCH_N: also
# measure alerts/s through the unix socket and UDP.
set -euo pipefail

T=$(mktemp -d /tmp/vmon-rsyslog-XXXXXX)
cleanup() { rsyslog_stop; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- rsyslog output:" >&2; cat "$T/out.log" >&2 || true; exit 1; }
# shellcheck source=lib_rsyslog.sh
. "$(dirname "$0")/lib_rsyslog.sh"

send() { "$SINK_SEND" "$PLUGIN_DIR" syslog "$@"; }
wait_for() { rsyslog_wait_for "$@"; }

rsyslog_start
echo "rsyslogd $RS_PID on 127.0.0.1:$PORT and $T/*.sock"

# 1. local, RFC 3164, custom socket: facility, severity, tag; CR/LF escaped.
send -r t1_local3164 -v critical -m $'first line\r\n<11>Nov 21 05:00:00 forged: second record' \
    mode=local socket="$T/log.sock" facility=local3 app_name=vmontest >/dev/null
wait_for 't1_local3164'
line=$(grep 't1_local3164' "$T/out.log")
grep -q 'in=imuxsock pri=154 fac=local3 sev=crit' <<<"$line" || fail "t1 pri: $line"
grep -q 'app=vmontest' <<<"$line" || fail "t1 app: $line"
grep -q 'first line#015#012<11>Nov 21 05:00:00 forged: second record' <<<"$line" || fail "t1 msg: $line"
[ "$(grep -c 'forged' "$T/out.log")" = 1 ] || fail "t1: the alert text forged a second record"

# 2. local, RFC 5424 (the socket with the 5424 parser): app, msgid, SD with labels.
send -r t2_local5424 -v warning -l 'node-id=7' -l 'path=C:\x "q" ]' \
    mode=local format=rfc5424 socket="$T/log5424.sock" facility=local0 app_name=vmon5424 msgid=ALERT >/dev/null
wait_for 't2_local5424'
line=$(grep 't2_local5424' "$T/out.log")
grep -q 'pri=132 fac=local0 sev=warning' <<<"$line" || fail "t2 pri: $line"
grep -q 'app=vmon5424 msgid=ALERT' <<<"$line" || fail "t2 header: $line"
grep -qF 'sd=[vmon@32473 alertname="t2_local5424" instance="vmon-test" node-id="7" path="C:\\x \"q\" \]"][vmonAlert@32473 state="firing" severity="warning"' <<<"$line" ||
    fail "t2 sd: $line"

# 3. remote UDP: default facility daemon, hostname field, resolved -> notice.
send -r t3_udp -s resolved mode=remote transport=udp host=127.0.0.1 port="$PORT" hostname=vmhost >/dev/null
wait_for 't3_udp'
line=$(grep 't3_udp' "$T/out.log")
grep -q 'in=imudp pri=29 fac=daemon sev=notice host=vmhost app=vmond msgid=alert' <<<"$line" || fail "t3: $line"
grep -q 'msg=\[RESOLVED t3_udp: ' <<<"$line" || fail "t3 msg: $line"

# 4. remote TCP, octet counting: a batch of 3, each with CR/LF, stays 3 records.
send -r t4_tcp -n 3 -b 3 -v info -m $'multi\nline\r\nalert' mode=remote transport=tcp host=127.0.0.1 port="$PORT" >/dev/null
wait_for 't4_tcp' 3
[ "$(grep -c 't4_tcp' "$T/out.log")" = 3 ] || fail "t4: expected 3 records"
grep 't4_tcp' "$T/out.log" | grep -q 'in=imtcp pri=30 fac=daemon sev=info' || fail "t4 pri"
grep 't4_tcp' "$T/out.log" | grep -q 'msg=\[FIRING t4_tcp: multi#012line#015#012alert' || fail "t4 msg"
grep -q '^line' "$T/out.log" && fail "t4: LF split a record"

# 5. remote over a unix socket, RFC 5424.
send -r t5_unix mode=remote transport=unix socket="$T/log5424.sock" app_name=vmonunix >/dev/null
wait_for 't5_unix'
grep 't5_unix' "$T/out.log" | grep -q 'in=imuxsock pri=28 fac=daemon sev=warning .*app=vmonunix' || fail "t5"

# 6. size cap: a 5000-byte message arrives as one record of at most 2048 bytes.
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
send -r t6_long -m "$long" mode=remote transport=tcp host=127.0.0.1 port="$PORT" >/dev/null
wait_for 't6_long'
raw=$(grep 't6_long' "$T/raw.log")
[ "${#raw}" -le 2048 ] && [ "${#raw}" -ge 2000 ] || fail "t6: raw record is ${#raw} bytes"
[ "$(grep -c 't6_long' "$T/out.log")" = 1 ] || fail "t6: more than one record"

# 7. receiver down: retry-later, then delivered after restart on the same
# TCP connection's replacement and the same unix socket path.
send -q -R -r t7_restart -n 2 -P 1500 mode=remote transport=tcp host=127.0.0.1 port="$PORT" > "$T/t7.out" 2>&1 &
SENDER=$!
wait_for 't7_restart' 1
# rsyslog_stop returns once rsyslogd has exited: the connection is broken.
rsyslog_stop
rsyslog_launch || fail "t7: rsyslogd did not restart on port $PORT"
wait "$SENDER" || { cat "$T/t7.out" >&2; fail "t7: sender failed after rsyslog restart"; }
wait_for 't7_restart' 2
rsyslog_stop
out=$(send -r t7_down mode=local socket="$T/log.sock" 2>&1 || true)
grep -q '^RETRY' <<<"$out" || fail "t7: socket gone should be RETRY: $out"

if [ -n "${BENCH_N:-}" ]; then
    rsyslog_launch && rsyslog_probe bench_ready || fail "bench: rsyslogd did not restart"
    for tr in unix udp tcp; do
        case $tr in
            unix) args=(mode=local socket="$T/log.sock") ;;
            *) args=(mode=remote transport=$tr host=127.0.0.1 port="$PORT") ;;
        esac
        for b in 1 16; do
            r="bench_${tr}_b$b"
            stat=$(send -q -R -r "$r" -n "$BENCH_N" -b "$b" "${args[@]}" 2>&1 >/dev/null | tail -1)
            for _ in $(seq 100); do
                [ "$(grep -c "$r" "$T/out.log")" -ge "$BENCH_N" ] && break; sleep 0.1
            done
            echo "BENCH syslog $tr batch=$b: $stat received=$(grep -c "$r" "$T/out.log")"
        done
    done
fi
[ -n "${VERBOSE:-}" ] && cat "$T/out.log"
echo "syslog_rsyslog: all passed"
