#!/usr/bin/env python3
"""vmond's systemd notifications, checked with a fake $NOTIFY_SOCKET (no systemd needed).

Usage: systemd_notify.py VMOND SOURCE_DIR

1. A socket path, conf.d/system.ini (copied), WATCHDOG_USEC set: READY=1 with STATUS
   "1 pipeline running" once the pipeline runs; WATCHDOG=1 pings; SIGHUP gives RELOADING=1
   with MONOTONIC_USEC in one datagram, then READY=1; a SIGHUP with a broken file gives
   RELOADING=1, then READY=1 with STATUS "reload failed: ... old config kept"; SIGTERM
   gives STOPPING=1 and exit 0.
2. An abstract socket ('@name'), the shipped contrib/systemd/vmon.ini with VMON_STATE_DIR:
   the same READY / RELOADING / READY / STOPPING order; WATCHDOG_PID names another
   process, so no WATCHDOG=1 arrives.
3. NOTIFY_SOCKET names a socket nobody listens on: vmond starts, reloads and stops as
   usual and logs the failure once (watchdog pings fail every 50 ms meanwhile).
Every wait is bounded by a deadline; nothing sleeps a fixed time.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

VMOND, SRC = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="vmon-notify-")
failures = 0


def check(name, cond):
    global failures
    print(("ok - " if cond else "not ok - ") + name, flush=True)
    if not cond:
        failures += 1


class Listener:
    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.seen = []  # every datagram, as a dict

    def until(self, key, value="1", timeout=30):
        """Datagrams up to and including the first with key=value; None on timeout."""
        got, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.sock.recv(65536).decode()
            except socket.timeout:
                break
            msg = dict(line.split("=", 1) for line in data.split("\n") if "=" in line)
            self.seen.append(msg)
            got.append(msg)
            if msg.get(key) == value:
                return got
        return None


def start(config, env_extra, log):
    env = dict(os.environ, **env_extra)
    out = open(os.path.join(WORK, log + ".out"), "w")
    err = open(os.path.join(WORK, log + ".log"), "w")
    return subprocess.Popen([VMOND, "-c", config], env=env, stdout=out, stderr=err, cwd=WORK)


def wait_exit(proc, timeout=30):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return None


def wait_log(path, pattern, count=1, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(path) as f:
            if f.read().count(pattern) >= count:
                return True
        time.sleep(0.02)
    return False


def reload_sequence(listener, proc, label):
    proc.send_signal(signal.SIGHUP)
    got = listener.until("READY")
    check(f"{label}: SIGHUP: READY=1 again", got is not None)
    reloading = [m for m in got or [] if m.get("RELOADING") == "1"]
    check(f"{label}: RELOADING=1 came before it", len(reloading) == 1 and got[-1] is not reloading[0])
    check(f"{label}: with MONOTONIC_USEC in the same datagram",
          bool(reloading) and re.fullmatch(r"[0-9]+", reloading[0].get("MONOTONIC_USEC", "")) is not None)
    if reloading:
        now_us = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        check(f"{label}: MONOTONIC_USEC is CLOCK_MONOTONIC",
              0 < now_us - int(reloading[0]["MONOTONIC_USEC"]) < 60_000_000)
    return got


def stop_sequence(listener, proc, label):
    proc.send_signal(signal.SIGTERM)
    got = listener.until("STOPPING")
    check(f"{label}: SIGTERM: STOPPING=1", got is not None)
    check(f"{label}: vmond exits 0", wait_exit(proc) == 0)


procs = []
try:
    # 1. A filesystem socket, conf.d/system.ini, a watchdog.
    config = os.path.join(WORK, "system.ini")
    shutil.copy(os.path.join(SRC, "conf.d", "system.ini"), config)
    path = os.path.join(WORK, "notify.sock")
    ln = Listener(path)
    p = start(config, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"}, "path")
    procs.append(p)
    got = ln.until("READY")
    check("path: READY=1 arrives", got is not None)
    check("path: its STATUS says what runs", bool(got) and got[-1].get("STATUS") == "1 pipeline running")
    check("path: nothing else unexpected first",
          bool(got) and all(set(m) <= {"WATCHDOG"} for m in got[:-1]))
    check("path: WATCHDOG=1 pings at WATCHDOG_USEC/2", ln.until("WATCHDOG", timeout=5) is not None)
    reload_sequence(ln, p, "path")
    with open(config, "a") as f:
        f.write("\n[sink:console]\nplugin = stdout\n")  # a duplicate section
    got = reload_sequence(ln, p, "path, broken file")
    status = got[-1].get("STATUS", "") if got else ""
    check("path, broken file: STATUS says the old config is kept",
          status.startswith("reload failed: see log, old config kept") and "1 pipeline running" in status)
    stop_sequence(ln, p, "path")
    check("path: no notification warning", " notify: " not in open(os.path.join(WORK, "path.log")).read())

    # 2. An abstract socket and the shipped /etc/vmon/vmon.ini, state in VMON_STATE_DIR.
    name = f"@vmon-notify-test-{os.getpid()}"
    ln2 = Listener("\0" + name[1:])
    state = os.path.join(WORK, "state")
    os.mkdir(state, 0o700)
    shipped = os.path.join(SRC, "contrib", "systemd", "vmon.ini")
    p = start(shipped, {"NOTIFY_SOCKET": name, "VMON_STATE_DIR": state, "WATCHDOG_USEC": "100000",
                        "WATCHDOG_PID": "1"}, "abstract")
    procs.append(p)
    got = ln2.until("READY")
    check("abstract: READY=1 arrives", got is not None)
    check("abstract: STATUS", bool(got) and got[-1].get("STATUS") == "1 pipeline running")
    reload_sequence(ln2, p, "abstract")
    stop_sequence(ln2, p, "abstract")
    check("abstract: no WATCHDOG=1 for another WATCHDOG_PID",
          not any("WATCHDOG" in m for m in ln2.seen))

    # 3. Nobody listens: never fatal, logged once.
    log = os.path.join(WORK, "deaf.log")
    shutil.copy(os.path.join(SRC, "conf.d", "system.ini"), config)
    p = start(config, {"NOTIFY_SOCKET": os.path.join(WORK, "nobody.sock"), "WATCHDOG_USEC": "100000"},
              "deaf")
    procs.append(p)
    check("deaf: vmond runs", wait_log(log, "core: running"))
    p.send_signal(signal.SIGHUP)
    check("deaf: and reloads", wait_log(log, "reload done"))
    p.send_signal(signal.SIGTERM)
    check("deaf: and stops with 0", wait_exit(p) == 0)
    text = open(log).read()
    check("deaf: the failure is logged exactly once", text.count(" notify: ") == 1)
    check("deaf: naming the socket", "nobody.sock" in text)
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    if not os.environ.get("KEEP"):
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print("kept", WORK)

print("failed" if failures else "all passed", failures)
sys.exit(1 if failures else 0)
