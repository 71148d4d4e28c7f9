#!/usr/bin/env bash
# The webhook sink in `alertmanager` format against a real Alertmanager
# (loopback, clustering off, own storage and ports) that notifies a
# receiver of ours: the firing alert is listed by /api/v2/alerts, and the
# firing and then the resolved notification reach the receiver.
# Env: SINK_SEND, HOOK_RECEIVER, FREE_PORT, PLUGIN_DIR, ALERTMANAGER.
set -euo pipefail

T=$(mktemp -d /tmp/vmon-am-XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    echo "--- receiver:" >&2; cat "$T/bodies" >&2 || true
    echo "--- alertmanager log (tail):" >&2; tail -20 "$T/am.log" >&2 || true
    exit 1
}

"$HOOK_RECEIVER" "$T/rx.port" "$T/bodies" 2> "$T/rx.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/rx.port" ] && break; sleep 0.05; done
RX=$(cat "$T/rx.port")

cat > "$T/am.yml" <<YML
global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: 'http://127.0.0.1:$RX/alert'
        send_resolved: true
YML

for attempt in 1 2 3 4 5; do
    AM=$("$FREE_PORT")
    "$ALERTMANAGER" --config.file="$T/am.yml" --storage.path="$T/data" \
        --web.listen-address="127.0.0.1:$AM" --cluster.listen-address= > "$T/am.log" 2>&1 &
    AM_PID=$!
    for _ in $(seq 200); do
        curl -sf "http://127.0.0.1:$AM/-/ready" >/dev/null 2>&1 && break
        kill -0 "$AM_PID" 2>/dev/null || break
        sleep 0.05
    done
    if curl -sf "http://127.0.0.1:$AM/-/ready" >/dev/null 2>&1; then PIDS+=("$AM_PID"); break; fi
    kill "$AM_PID" 2>/dev/null || true
    [ "$attempt" = 5 ] && fail "alertmanager did not come up"
done
echo "alertmanager on 127.0.0.1:$AM, receiver on $RX"

URL="http://127.0.0.1:$AM/api/v2/alerts"
send() {
    "$SINK_SEND" "$PLUGIN_DIR" webhook -r VmonAmTest -v critical -l 'node-id=7' -l 'bad.name=x' \
        -k am "$@" url="$URL" format=alertmanager firing_ttl=10m generator_url=http://vmon.test/rules
}

wait_body() {
    for _ in $(seq 200); do
        grep -q "$1" "$T/bodies" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "receiver never got: $1"
}

# Firing: accepted (sanitised label names), listed, notified.
out=$(send 2>&1) || fail "firing not accepted: $out"
grep -q '^OK' <<<"$out" || fail "firing: $out"
list=$(curl -sf "$URL")
grep -q '"alertname":"VmonAmTest"' <<<"$list" || fail "not listed: $list"
grep -q '"node_id":"7"' <<<"$list" || fail "label not sanitised: $list"
grep -q '"bad_name":"x"' <<<"$list" || fail "label not sanitised: $list"
grep -q '"severity":"critical"' <<<"$list" || fail "severity label: $list"
grep -q '"state":"active"' <<<"$list" || fail "not active: $list"
grep -q '"generatorURL":"http://vmon.test/rules"' <<<"$list" || fail "generatorURL: $list"
wait_body '"status":"firing".*VmonAmTest'

# Resolved: endsAt now; gone from the list, resolved notification arrives.
out=$(send -s resolved 2>&1) || fail "resolved not accepted: $out"
wait_body '"status":"resolved".*VmonAmTest'
list=$(curl -sf "$URL")
grep -q 'VmonAmTest' <<<"$list" && fail "still listed after resolve: $list"

# A bad request is a permanent error (no retry), named in the detail.
out=$("$SINK_SEND" "$PLUGIN_DIR" webhook url="http://127.0.0.1:$AM/api/v2/nope" format=alertmanager 2>&1 || true)
grep -q '^ERROR .*HTTP 404' <<<"$out" || fail "404 should be ERROR: $out"
echo "alertmanager: all passed"
