#!/usr/bin/env bash
# Starts N teaminbox nodes on one PostgreSQL database and NATS, gives each of T businesses a
# WhatsApp channel, and sends them signed webhooks with `teaminbox simulate`, a process of its
# own, spread over the nodes; prints the webhooks accepted a second, their answer time and the
# webhook → WebSocket frame time (a socket of the first business on the first node, whose
# frames come from every node through NATS). One row per run, for each NODES × TENANTS.
#
#   NODES="1 3" TENANTS="1 100" RATE=4000 DURATION=20s bench/cluster.sh
#
# RATE is the messages a second asked for (more than the cluster takes measures its ceiling;
# 1000 measures the frame latency at that rate), WORKERS the webhooks in flight, WARMUP how
# long to send before the figures start (simulate --warmup; 0s unless set). Each run
# starts on a new database (DB, dropped first), a copy of TEMPLATE when set (a seeded
# database, such as bench/api.sh's teaminbox_bench: its tables are the size measured). BIN
# runs the nodes from a built binary instead of this tree. Needs PostgreSQL on
# 127.0.0.1:5432 (user postgres), NATS (NATS_URL) and python3 (a stand-in for WhatsApp's API,
# which a channel's creation checks). STORE=sqlite runs one node on the embedded SQLite
# database instead (a new data folder each run, or a copy of the seeded folder TEMPLATE;
# no NATS, and no PostgreSQL columns). PIN=1 runs PostgreSQL on the first core and the nodes
# and the load client on the second (taskset; PostgreSQL's affinity is put back at the end),
# so that what each side can take shows apart.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES="${NODES:-1 3}"
TENANTS="${TENANTS:-1 100}"
RATE="${RATE:-4000}"
DURATION="${DURATION:-20s}"
WORKERS="${WORKERS:-64}"
DB="${DB:-teaminbox_cluster}"
STORE="${STORE:-postgres}"
work="$(mktemp -d /tmp/teaminbox-cluster.XXXXXX)"
go build -o "$work/teaminbox" ./cmd/teaminbox
cp "${BIN:-$work/teaminbox}" "$work/node"
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$DB?sslmode=disable"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
export TEAMINBOX_JWT_SECRET="cluster-secret-cluster-secret-cluster" TEAMINBOX_LOG_LEVEL=warn TEAMINBOX_DATA="$work"
if [ "$STORE" = sqlite ]; then
  [ "$NODES" = 1 ] || { echo "STORE=sqlite runs one node: NODES=1" >&2; exit 2; }
  export DATABASE_URL="" NATS_URL="" TEAMINBOX_DATA="$work/data"
fi
pids=() # the nodes of the run
stop_nodes() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }

# WhatsApp's Graph API as far as creating a channel goes: every call answers {}.
python3 -c '
import http.server as h
class A(h.BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers(); self.wfile.write(b"{}")
    do_GET = do_POST = answer
    def log_message(self, *a): pass
h.ThreadingHTTPServer(("127.0.0.1", 18390), A).serve_forever()' &
graph_pid=$!
sampler=""
# PIN=1: every PostgreSQL process (and the backends its postmaster starts from now on) on
# core 0, what this script starts on core 1.
on_core=() # the command's prefix (taskset execs it: $! stays the node's pid)
unpin() { :; }
if [ -n "${PIN:-}" ]; then
  for p in $(pgrep -u postgres); do taskset -p 0x1 "$p" >/dev/null; done
  on_core=(taskset 0x2)
  unpin() { for p in $(pgrep -u postgres); do taskset -p 0x3 "$p" >/dev/null 2>&1 || true; done; }
fi
trap 'stop_nodes; kill $graph_pid $sampler 2>/dev/null || true; unpin' EXIT
graph="http://127.0.0.1:18390"

# psql itself, not Debian's Perl wrapper, whose start costs more than the sample it takes.
psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)"
psql() { "${psql_bin:-psql}" -U postgres -h 127.0.0.1 -qAt "$@"; }
# CPU time in clock ticks: of the given processes (utime + stime, read after the command
# name, which may hold spaces), and of the whole machine, busy and idle (/proc/stat).
ticks_of() { for p in "$@"; do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null || true; done | awk '{ t += $12 + $13 } END { print t + 0 }'; }
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }
printf '| nodes | businesses | asked /s | accepted /s | answer p50 | answer p99 | frame p50 | frame p99 | frames missing | PostgreSQL commits /s | most waiting on a lock (on the sequencer lock) | CPU ms a webhook: PostgreSQL / nodes / the rest | machine idle |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for tenants in $TENANTS; do
  for nodes in $NODES; do
    if [ "$STORE" = sqlite ]; then
      rm -rf "$work/data" && mkdir "$work/data"
      if [ -n "${TEMPLATE:-}" ]; then cp "$TEMPLATE"/teaminbox.db* "$work/data/"; fi
    else
      psql -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB${TEMPLATE:+ TEMPLATE $TEMPLATE}"
    fi
    : >"$work/targets"
    first_token=""
    urls=""
    for n in $(seq 1 "$nodes"); do
      TEAMINBOX_ADDR="127.0.0.1:$((18400 + n))" "${on_core[@]}" "$work/node" serve --no-demo >"$work/node$n.log" 2>&1 &
      pids+=($!)
      for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$((18400 + n))/readyz" >/dev/null && break; sleep 0.2; done
      urls="${urls:+$urls,}http://127.0.0.1:$((18400 + n))"
    done
    for t in $(seq 1 "$tenants"); do
      "$work/teaminbox" seed --conversations 1 --messages 1 >"$work/seed.out" 2>/dev/null
      tenant="$(awk '/^tenant/{print $2}' "$work/seed.out")"
      admin="$(awk '/^admin/{print $2}' "$work/seed.out")"
      token="$("$work/teaminbox" token --role admin --tenant "$tenant" --user "$admin")"
      account="$((1000000 + t))"
      channel="$(curl -fs -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' http://127.0.0.1:18401/v1/channels \
        -d "{\"kind\":\"whatsapp\",\"name\":\"Bench $t\",\"config\":{\"phone_number_id\":\"$account\",\"waba_id\":\"1\",\"verify_token\":\"v\",\"access_token\":\"x\",\"app_secret\":\"secret-$t\",\"api_base_url\":\"$graph\"}}" |
        sed -E 's/.*"channel":\{"id":"([^"]+)".*/\1/')"
      echo "$channel secret-$t $account" >>"$work/targets"
      [ -z "$first_token" ] && first_token="$token"
    done
    commits() { if [ "$STORE" = sqlite ]; then echo 0; else psql -d postgres -c "SELECT xact_commit FROM pg_stat_database WHERE datname = '$DB'"; fi; }
    before="$(commits)"
    # Where the machine's CPU goes during the run: PostgreSQL's processes, the nodes, and
    # the rest (the load client, NATS, anything else running).
    pg_pids=() && [ "$STORE" != sqlite ] && mapfile -t pg_pids < <(pgrep -u postgres)
    pg_before="$(ticks_of "${pg_pids[@]}")" nodes_before="$(ticks_of "${pids[@]}")" machine_before="$(machine_ticks)"
    # PostgreSQL's own view of the run: the most connections seen waiting on a row or
    # transaction lock, and on the sequencers' advisory lock, sampled every 0.5 s.
    while [ "$STORE" != sqlite ] && sleep 0.5; do
      psql -d postgres -F ' ' -c "SELECT count(*) FILTER (WHERE wait_event <> 'advisory'), count(*) FILTER (WHERE wait_event = 'advisory')
        FROM pg_stat_activity WHERE datname = '$DB' AND wait_event_type = 'Lock'"
    done >"$work/lockwaits" &
    sampler=$!
    start=$(date +%s.%N)
    out="$("${on_core[@]}" "$work/teaminbox" simulate --url "$urls" --kind whatsapp --targets "$work/targets" --token "$first_token" --types text \
      --rate "$RATE" --duration "$DURATION" --warmup "${WARMUP:-0s}" --contacts 1000 --workers "$WORKERS" 2>&1 || true)"
    elapsed="$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }')"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=""
    [ "$STORE" != sqlite ] && mapfile -t pg_pids < <(pgrep -u postgres)
    pg_used=$(($(ticks_of "${pg_pids[@]}") - pg_before)) nodes_used=$(($(ticks_of "${pids[@]}") - nodes_before))
    read -r busy idle < <(awk -v b="$machine_before" -v a="$(machine_ticks)" 'BEGIN { split(b, x, " "); split(a, y, " "); print y[1] - x[1], y[2] - x[2] }')
    per_s="$(awk -v a="$before" -v b="$(commits)" -v t="$elapsed" 'BEGIN { printf "%d", (b - a) / t }')"
    waits="$(awk '$1 > r { r = $1 } $2 > a { a = $2 } END { printf "%d (%d)", r, a }' "$work/lockwaits")"
    if [ "$STORE" = sqlite ]; then per_s="–" waits="–"; fi
    accepted="$(echo "$out" | sed -nE 's/.* \(([0-9]+)\/s\).*/\1/p')"
    p50="$(echo "$out" | sed -nE 's/.*webhook latency p50 ([^ ]+) p99 ([^ ]+).*/\1/p')"
    p99="$(echo "$out" | sed -nE 's/.*webhook latency p50 ([^ ]+) p99 ([^ ]+).*/\2/p')"
    f50="$(echo "$out" | sed -nE 's/.*frame: p50 ([^ ]+) p99 ([^ ]+) .*/\1/p')"
    f99="$(echo "$out" | sed -nE 's/.*frame: p50 ([^ ]+) p99 ([^ ]+) .*/\2/p')"
    missing="$(echo "$out" | sed -nE 's/.*; ([0-9]+ of [0-9]+) frames missing.*/\1/p')"
    # Frames missing because the server closed the watching socket, not because they were lost.
    if closed="$(echo "$out" | grep 'the socket closed')"; then missing="$missing (socket closed)"; echo "$closed" >&2; fi
    # Frames replayed after the server dropped the watching socket as too slow arrive late.
    resumes="$(echo "$out" | sed -nE 's/^resumes after the socket was dropped as too slow: ([0-9]+).*/\1/p')"
    if [ -n "$resumes" ]; then missing="$missing ($resumes resumes)"; fi
    # Per webhook accepted: ticks are 1/CLK_TCK s (getconf), the webhooks accepted/s × the run.
    cpu="$(awk -v pg="$pg_used" -v n="$nodes_used" -v busy="$busy" -v hz="$(getconf CLK_TCK)" -v r="${accepted:-0}" -v t="$elapsed" 'BEGIN {
      w = r * t; if (w == 0) { print "?"; exit } ms = 1000 / hz / w; printf "%.2f / %.2f / %.2f", pg * ms, n * ms, (busy - pg - n) * ms }')"
    idle_pct="$(awk -v b="$busy" -v i="$idle" 'BEGIN { printf "%d %%", 100 * i / (b + i) }')"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$nodes" "$tenants" "$RATE" "${accepted:-?}" "${p50:-?}" "${p99:-?}" \
      "${f50:-?}" "${f99:-?}" "${missing:-?}" "$per_s" "$waits" "$cpu" "$idle_pct"
    if [ -z "$accepted" ]; then echo "$out" >&2; fi
    stop_nodes
  done
done
