#!/usr/bin/env bash
# The side-by-side measures of issue 22, 16 requests at a time, in interleaved rounds of the
# SQLite and the PostgreSQL server on the same seeded data: the list in its default order, a
# conversation with its messages, a content search and an agent's reply. Each round prints
# bench/apiload's table for each database; take the median of the rounds.
#
#   DATA=/path/of/a/seeded/folder PGDB=teaminbox_bench ROUNDS=4 bench/sidebyside.sh
#
# DATA is a folder seeded by `teaminbox seed` (its seed.out names the tenant and its admin);
# PGDB the same data copied into PostgreSQL (`teaminbox copy-to-postgres`), as bench/api.sh
# makes both. The servers write replies: they run on copies, made first.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATA:?DATA must name a seeded data folder}"
PGDB="${PGDB:-teaminbox_bench}"
ROUNDS="${ROUNDS:-4}"
C="${C:-16}"
N="${N:-2000}"
work="$(mktemp -d /tmp/teaminbox-sidebyside.XXXXXX)"
go build -o "$work/teaminbox" ./cmd/teaminbox
go build -o "$work/apiload" ./bench/apiload
cp "$DATA"/teaminbox.db* "$work/"
psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)"
"${psql_bin:-psql}" -U postgres -h 127.0.0.1 -qAt -d postgres -c "DROP DATABASE IF EXISTS ${PGDB}_side" -c "CREATE DATABASE ${PGDB}_side TEMPLATE $PGDB"
export TEAMINBOX_JWT_SECRET="${TEAMINBOX_JWT_SECRET:-bench-secret-bench-secret-bench-secret}" TEAMINBOX_LOG_LEVEL=warn TEAMINBOX_DATA="$work"
tenant="$(awk '/^tenant/{print $2}' "$DATA/seed.out")"
admin="$(awk '/^admin/{print $2}' "$DATA/seed.out")"
token="$("$work/teaminbox" token --role admin --tenant "$tenant" --user "$admin")"
declare -A url=([sqlite]="" [postgres]="postgres://postgres:postgres@127.0.0.1:5432/${PGDB}_side?sslmode=disable")
declare -A port=([sqlite]=18501 [postgres]=18502)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for db in sqlite postgres; do
  DATABASE_URL="${url[$db]}" TEAMINBOX_ADDR="127.0.0.1:${port[$db]}" "$work/teaminbox" serve --no-demo >"$work/$db.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:${port[$db]}/readyz" >/dev/null && break; sleep 0.2; done
done
for round in $(seq 1 "$ROUNDS"); do
  for db in sqlite postgres; do
    echo "== round $round, $db"
    for only in '^list \(default sort\)$' '^detail with messages$' '^search message content$'; do
      "$work/apiload" -url "http://127.0.0.1:${port[$db]}" -token "$token" -c "$C" -n "$N" -only "$only" | tail -n +2
    done
    "$work/apiload" -url "http://127.0.0.1:${port[$db]}" -token "$token" -mode write -c "$C" -n "$N" -only '^reply' | tail -n +2
  done
done
