#!/usr/bin/env bash
# Starts a server on a fresh demo database and measures the real-time inbox with
# bench/wsload: memory per idle socket, fan-out to 1,000 sockets, sustained events to 100
# sockets, and REST write → frame latency on one socket. Usage: bench/ws.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/teaminbox-ws.XXXXXX)"
go build -o "$work/teaminbox" ./cmd/teaminbox
go build -o "$work/wsload" ./bench/wsload
addr=127.0.0.1:18081
start_server() {
  TEAMINBOX_DATA="$work" TEAMINBOX_ADDR=$addr TEAMINBOX_LOG_LEVEL=warn "$work/teaminbox" serve >"$work/serve.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://$addr/readyz" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
trap 'kill $pid 2>/dev/null || true' EXIT
start_server
token="$(awk '$1=="admin"{print $2}' "$work/serve.out")"
load() { "$work/wsload" -url "http://$addr" -token "$token" "$@"; }

echo "== 10,000 idle sockets (fresh server, memory read after 2 minutes idle)"
load -conns 10000 -writes 0 -hold 130s -pid "$pid"
stop_server; start_server
echo "== one event at a time to 1,000 sockets"
load -conns 1000 -writes 200 -rate 20
echo "== sustained events to 100 sockets"
load -conns 100 -writes 20000 -rate 5000 -writers 16
echo "== REST write → frame on one socket"
load -conns 1 -writes 1000 -rate 100 -writers 1
