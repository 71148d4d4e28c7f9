# Shared by the shell tests: a foreground rsyslogd on loopback in folder $T,
# on a free port $PORT (UDP and TCP) and two unix sockets. Needs RSYSLOGD,
# FREE_PORT, SINK_SEND, PLUGIN_DIR and a fail() function.

RS_PID=""

rsyslog_write_conf() {
    mkdir -p "$T/work"
    cat > "$T/rsyslog.conf" <<CONF
global(workDirectory="$T/work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/log.sock" CreatePath="on")
input(type="imuxsock" Socket="$T/log5424.sock" UseSpecialParser="off" ParseHostname="on")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$PORT")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$PORT")
template(name="dbg" type="string"
  string="in=%inputname% pri=%pri% fac=%syslogfacility-text% sev=%syslogseverity-text% host=%hostname% app=%app-name% msgid=%msgid% sd=%structured-data% msg=[%msg%]\n")
template(name="raw" type="string" string="%rawmsg%\n")
*.* action(type="omfile" file="$T/out.log" template="dbg")
*.* action(type="omfile" file="$T/raw.log" template="raw")
CONF
}

rsyslog_stop() {
    if [ -n "$RS_PID" ] && kill -0 "$RS_PID" 2>/dev/null; then
        kill "$RS_PID"
        for _ in $(seq 50); do kill -0 "$RS_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$RS_PID" 2>/dev/null || true
    fi
    RS_PID=""
}

rsyslog_launch() {
    rm -f "$T/rsyslogd.pid"
    "$RSYSLOGD" -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" > "$T/rsyslogd.out" 2>&1 &
    RS_PID=$!
    for _ in $(seq 100); do
        [ -S "$T/log.sock" ] && [ -S "$T/log5424.sock" ] && return 0
        sleep 0.05
    done
    return 1
}

# Wait until `pattern` has matched at least `count` lines of out.log.
rsyslog_wait_for() {
    local pattern=$1 count=${2:-1}
    for _ in $(seq 100); do
        [ "$(grep -c -- "$pattern" "$T/out.log" 2>/dev/null || true)" -ge "$count" ] && return 0
        sleep 0.05
    done
    fail "no $count line(s) matching: $pattern"
}

# rsyslog_probe TAG: a record over TCP and one over UDP both arrive (the
# inputs bound our port), within 3 s.
rsyslog_probe() {
    for tr in tcp udp; do
        "$SINK_SEND" "$PLUGIN_DIR" syslog -r "$1_$tr" -q mode=remote transport=$tr \
            host=127.0.0.1 port="$PORT" >/dev/null 2>&1 || return 1
    done
    for _ in $(seq 60); do
        grep -q "$1_tcp" "$T/out.log" 2>/dev/null && grep -q "$1_udp" "$T/out.log" 2>/dev/null &&
            return 0
        sleep 0.05
    done
    return 1
}

# rsyslogd cannot bind port 0 and report it, so: pick a free port, start,
# probe; if another test took the port in between, the probe fails and we
# try again with a new port (bounded).
rsyslog_start() {
    for attempt in 1 2 3 4 5; do
        PORT=$("$FREE_PORT")
        rsyslog_write_conf
        rsyslog_launch && rsyslog_probe "probe$attempt" && return 0
        rsyslog_stop
    done
    cat "$T/rsyslogd.out" >&2 || true
    fail "rsyslogd did not come up"
}
