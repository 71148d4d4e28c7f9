# shellcheck shell=bash
# Sourced by tests that run Debian's real prometheus on loopback.
# start_prometheus CONFIG DIR FREE_PORT_BIN: starts prometheus with CONFIG, its data and log in
# DIR, on a free loopback port, and waits (bounded) until it is ready. Prometheus cannot report
# a port it picked itself, so the port comes from FREE_PORT_BIN and a lost race is retried.
# Sets PROM_PORT and PROM_PID (the caller kills it); returns 1 when it never became ready.
start_prometheus() {
  local config=$1 dir=$2 free_port=$3 prom attempt end
  prom=$(command -v prometheus || echo /usr/bin/prometheus)
  for attempt in 1 2 3; do
    PROM_PORT=$("$free_port")
    "$prom" --config.file="$config" --storage.tsdb.path="$dir/data" \
      --web.listen-address="127.0.0.1:$PROM_PORT" >"$dir/prom.log" 2>&1 &
    PROM_PID=$!
    end=$((SECONDS + 20))
    until curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1; do
      kill -0 "$PROM_PID" 2>/dev/null || break
      [ $SECONDS -gt $end ] && break
      sleep 0.1
    done
    curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && return 0
    kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null
    echo "prometheus not ready on port $PROM_PORT (attempt $attempt):" >&2
    tail -3 "$dir/prom.log" >&2
  done
  return 1
}
