#!/usr/bin/env bash
# Seeds a large tenant into a fresh database, starts the server on loopback and measures the
# REST API with bench/apiload. Usage: bench/api.sh [sqlite|postgres]  (N and M set the size).
# MODE=write measures notes and replies instead of reads, C requests at a time (default 1),
# REQUESTS per scenario. DATA=<folder of an earlier run> measures its data again, unseeded.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-sqlite}"
N="${N:-100000}"
M="${M:-2000000}"
work="${DATA:-$(mktemp -d /tmp/teaminbox-bench.XXXXXX)}"
go build -o "$work/teaminbox" ./cmd/teaminbox
export TEAMINBOX_DATA="$work" TEAMINBOX_ADDR=127.0.0.1:18080 TEAMINBOX_LOG_LEVEL=warn
export DATABASE_URL=""
# One secret for the token command and the server: the seed writes none to the data folder.
export TEAMINBOX_JWT_SECRET="${TEAMINBOX_JWT_SECRET:-bench-secret-bench-secret-bench-secret}"
[ "$kind" = postgres ] && export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/teaminbox_bench?sslmode=disable"
if [ ! -s "$work/seed.out" ]; then
  echo "seeding $N conversations / $M messages on $kind into $work"
  start=$(date +%s)
  DATABASE_URL="" "$work/teaminbox" seed --conversations "$N" --messages "$M" >"$work/seed.out"
  echo "seeded in $(( $(date +%s) - start )) s"
  if [ "$kind" = postgres ]; then
    # Seeded on SQLite and copied over with COPY: row by row, PostgreSQL takes hours.
    su postgres -c "dropdb --if-exists teaminbox_bench && createdb teaminbox_bench"
    start=$(date +%s)
    "$work/teaminbox" copy-to-postgres
    echo "copied to PostgreSQL in $(( $(date +%s) - start )) s"
  fi
fi
tenant="$(awk '/^tenant/{print $2}' "$work/seed.out")"
admin="$(awk '/^admin/{print $2}' "$work/seed.out")"
token="$("$work/teaminbox" token --role admin --tenant "$tenant" --user "$admin")"
"$work/teaminbox" serve --no-demo &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18080/readyz >/dev/null && break; sleep 0.2; done
go run ./bench/apiload -url http://127.0.0.1:18080 -token "$token" -mode "${MODE:-read}" -c "${C:-1}" -n "${REQUESTS:-300}"
