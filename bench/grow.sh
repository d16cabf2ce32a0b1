#!/usr/bin/env bash
# Grows a PostgreSQL database that holds a seeded business (`teaminbox seed --conversations N
# --messages M` on SQLite, then `teaminbox copy-to-postgres`) FACTOR times over, in SQL, in
# place: 100k conversations / 1M messages become 1M / 10M in minutes, where the Go seeder
# would take hours. Prints each step's time and the final row counts.
#
#   psql -U postgres -h 127.0.0.1 -c 'CREATE DATABASE teaminbox_10m TEMPLATE teaminbox_bench'
#   PGDB=teaminbox_10m FACTOR=10 bench/grow.sh
#
# Copy k (1 … FACTOR-1, one transaction each, bench/grow.sql) repeats every contact, contact
# identity, conversation, conversation tag, message, mention and message status entry in the
# same tenant, with ids md5(id || ':' || k) (foreign keys remapped alike; channels, users,
# teams, tags, campaigns and broadcasts shared) and every time moved back by k × (the data's
# span + 1 day, in whole days): the copies are older history, the original stays the newest.
# Phones (E.164 kept), contact identities and provider message ids are changed so that no
# unique key collides. Events, outbox and audit log are not copied. The counters the
# triggers keep (per contact, per day / assignee / campaign group) are computed by the copy,
# then checked against a count of the rows: the script fails on any mismatch. The big
# tables' non-unique indexes are dropped while the rows go in and built again from their
# own definitions (pg_indexes) after, with MAINTENANCE_WORK_MEM (default 512MB): growing
# 20k/200k ×10 took 46 + 42 s against 115 s with them kept (KEEP_INDEXES=1), the gap
# widening with the size (100k/1M ×10: 320 s of copies, 150 s of indexes), and left an
# 11 % smaller database. Connects as the superuser postgres (the copies run with
# session_replication_role = replica). No server may use the database meanwhile. A
# database grown once (even in part) is refused: make it again from its template.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PGDB:?PGDB must name the database to grow}"
FACTOR="${FACTOR:-10}"
KEEP_INDEXES="${KEEP_INDEXES:-0}"
MAINTENANCE_WORK_MEM="${MAINTENANCE_WORK_MEM:-512MB}"
if ! [[ "$FACTOR" =~ ^[0-9]+$ ]] || [ "$FACTOR" -lt 2 ] || [ "$FACTOR" -gt 100 ]; then
  echo "FACTOR must be 2 to 100" >&2; exit 2
fi
psql_bin="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1)"
psql() { PGOPTIONS='-c client_min_messages=warning' "${psql_bin:-psql}" -U postgres -h 127.0.0.1 -d "$PGDB" -qAt -v ON_ERROR_STOP=1 "$@"; }
tables="contacts contact_identities conversations conversation_tags messages message_mentions message_status_history"
in_tables="'${tables// /\',\'}'"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# step NAME COMMAND…: runs the command and prints how long it took.
step() {
  local name="$1" t0; shift
  t0=$(now_ms)
  "$@"
  printf '%-44s %8.1f s\n' "$name" "$(( $(now_ms) - t0 ))e-3"
}
total0=$(now_ms)

# The indexes dropped for the copies, as pg_indexes defines them, live in grow_dropped_indexes
# until each is built again: a run that fails builds them on its way out (below), and a run
# that finds the table (the last one was killed) builds them first.
restore_indexes() {
  local name def
  [ "$(psql -c "SELECT to_regclass('grow_dropped_indexes') IS NOT NULL")" = t ] || return 0
  while IFS='|' read -r name def; do
    [ -n "$name" ] || continue
    step "index $name" psql -c "SET maintenance_work_mem = '$MAINTENANCE_WORK_MEM'" \
      -c "BEGIN" -c "$def" -c "DELETE FROM grow_dropped_indexes WHERE name = '$name'" -c "COMMIT"
  done < <(psql -c "SELECT name, def FROM grow_dropped_indexes ORDER BY name")
  psql -c "DROP TABLE grow_dropped_indexes"
}
drop_snapshot() {
  psql -c "DROP TABLE IF EXISTS grow_src_contacts, grow_src_contact_identities, grow_src_conversations,
    grow_src_conversation_tags, grow_src_messages, grow_src_message_mentions, grow_src_message_status_history"
}
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "grow.sh failed (exit $rc): copies that committed stay; make $PGDB again from its template" >&2
    restore_indexes || true
    drop_snapshot || true
  fi
}
trap on_exit EXIT
restore_indexes

# What this script knows of the schema. A column it does not copy, or a trigger whose work
# it does not do, would leave the copies wrong: it stops instead.
columns="$(psql -c "SELECT string_agg(table_name || '.' || column_name, ' ')
  FROM information_schema.columns WHERE table_schema = 'public' AND is_generated = 'NEVER' AND table_name IN ($in_tables)")"
known="contact_identities.address contact_identities.channel_id contact_identities.contact_id contact_identities.tenant_id \
contacts.country_code contacts.conversation_count contacts.created_at contacts.email contacts.first_name contacts.id \
contacts.last_name contacts.phone contacts.tenant_id contacts.updated_at conversation_tags.conversation_id \
conversation_tags.tag_id conversations.activity_at conversations.assigned_team_id conversations.assigned_user_id \
conversations.broadcast_id conversations.campaign_id conversations.category conversations.channel_id \
conversations.closed_at conversations.contact_id conversations.created_at conversations.first_response_at \
conversations.id conversations.last_inbound_at conversations.last_message conversations.last_message_at \
conversations.priority conversations.resolved_at conversations.status conversations.tenant_id conversations.type \
conversations.unread_count conversations.updated_at conversations.window_closed_at message_mentions.message_id \
message_mentions.user_id message_status_history.at message_status_history.error message_status_history.message_id \
message_status_history.recorded message_status_history.status messages.attachments messages.channel_id \
messages.content messages.content_type messages.conversation_id messages.created_at messages.delivered_at \
messages.error messages.failed_at messages.id messages.is_internal messages.is_read messages.payload \
messages.provider_message_id messages.reactions messages.read_at messages.reply_to_id messages.send_attempts \
messages.sender_id messages.sender_type messages.sent_at messages.status messages.tenant_id"
if ! diff <(tr ' ' '\n' <<<"$known" | LC_ALL=C sort) <(tr ' ' '\n' <<<"$columns" | LC_ALL=C sort) >&2; then
  echo "the copied tables' columns (> above) are not the ones bench/grow.sql copies (<): update it" >&2
  exit 1
fi
# The triggers (with their functions' source) whose work grow.sql does itself: migrations
# 0005 and 0021 (conversation_counts), 0007 (contact_conversation_count), 0009.
triggers="$(psql -c "SELECT string_agg(c.relname || '.' || t.tgname || '=' || md5(p.prosrc), ' ' ORDER BY c.relname || '.' || t.tgname COLLATE \"C\")
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
  WHERE NOT t.tgisinternal AND c.relname IN ($in_tables)")"
known="conversations.contact_conversation_count=867001f32712785b452dbbf841ab5289 \
conversations.contact_conversation_move=867001f32712785b452dbbf841ab5289 \
conversations.conversation_campaign_counts=b845b26abebc6af779d2c18694076bc0 \
conversations.conversation_counts=70f4672affa8d03458cd9fab72f6c861"
if [ "$triggers" != "$known" ]; then
  echo "the triggers on the copied tables changed since bench/grow.sql was written; update it. Found: $triggers" >&2
  exit 1
fi
grown="$(psql -c "SELECT EXISTS (SELECT 1 FROM conversations c JOIN conversations d ON d.id = md5(c.id::text || ':1')::uuid)")"
if [ "$grown" = t ]; then
  echo "$PGDB was grown before (copy 1 of its conversations is there): make it again from its template" >&2
  exit 1
fi

# The span of the data: its oldest and newest instants, the copies' shift a whole number of
# days over it. Phones are counted to check, after, that the copies' are E.164 and distinct.
span="$(psql -F ' ' -c "
  SELECT min(lo), max(hi), (SELECT count(DISTINCT phone) FROM contacts WHERE phone <> ''),
    (SELECT count(*) FROM contacts WHERE phone ~ '^\+[1-9][0-9]{6,14}\$')
  FROM (SELECT min(created_at) lo, max(greatest(created_at, updated_at)) hi FROM contacts
    UNION ALL SELECT min(created_at), max(greatest(created_at, updated_at, activity_at, last_message_at, last_inbound_at,
      first_response_at, resolved_at, closed_at, window_closed_at)) FROM conversations
    UNION ALL SELECT min(created_at), max(greatest(created_at, sent_at, delivered_at, read_at, failed_at)) FROM messages
    UNION ALL SELECT min(at), max(at) FROM message_status_history) t")"
read -r oldest newest phones valid_phones <<<"$span"
if [ -z "$oldest" ]; then echo "$PGDB has no conversations to grow" >&2; exit 1; fi
day=86400000000
shift_unit=$(( ((newest - oldest + day - 1) / day + 1) * day ))
echo "growing $PGDB ×$FACTOR: data from $(date -u -d @$((oldest / 1000000)) +%F) to $(date -u -d @$((newest / 1000000)) +%F), copy k moved back k × $((shift_unit / day)) days"

# The rows to copy, taken once (unlogged): each copy reads these instead of the growing tables.
snapshot() {
  drop_snapshot
  psql <<'SQL'
CREATE UNLOGGED TABLE grow_src_contacts AS SELECT c.*, COALESCE(n.n, 0)::int AS conversations
    FROM contacts c LEFT JOIN (SELECT contact_id, COUNT(*) AS n FROM conversations GROUP BY 1) n ON n.contact_id = c.id;
CREATE UNLOGGED TABLE grow_src_contact_identities AS SELECT i.*, c.phone
    FROM contact_identities i JOIN contacts c ON c.id = i.contact_id;
CREATE UNLOGGED TABLE grow_src_conversations AS TABLE conversations;
CREATE UNLOGGED TABLE grow_src_conversation_tags AS TABLE conversation_tags;
CREATE UNLOGGED TABLE grow_src_messages AS TABLE messages;
CREATE UNLOGGED TABLE grow_src_message_mentions AS TABLE message_mentions;
CREATE UNLOGGED TABLE grow_src_message_status_history AS TABLE message_status_history;
SQL
}
step "snapshot of the rows to copy" snapshot

# The non-unique indexes of the copied tables go while the rows go in: building one over the
# grown table at the end beats keeping it up to date row by row (the trigram GIN index
# above all). Primary keys and unique indexes stay, so a collision fails its copy at once.
drop_indexes() {
  psql <<SQL
BEGIN;
CREATE TABLE grow_dropped_indexes (name text PRIMARY KEY, def text NOT NULL);
INSERT INTO grow_dropped_indexes SELECT i.indexname, i.indexdef FROM pg_indexes i
    JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
    WHERE i.schemaname = 'public' AND i.tablename IN ($in_tables) AND NOT x.indisunique
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid);
SELECT format('DROP INDEX %I', name) FROM grow_dropped_indexes ORDER BY name \gexec
COMMIT;
SQL
}
if [ "$KEEP_INDEXES" != 1 ]; then
  step "drop $(psql -c "SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
    WHERE c.relname IN ($in_tables) AND NOT x.indisunique") non-unique indexes" drop_indexes
fi

for k in $(seq 1 $((FACTOR - 1))); do
  step "copy $k of $((FACTOR - 1))" psql -v k="$k" -v shift=$((k * shift_unit)) -f bench/grow.sql
done
step "drop the snapshot" drop_snapshot
restore_indexes
# The nodes fold the counters' changes every second; done here, the counters are ready.
fold() { psql -c "SELECT conversation_counts_fold()" >/dev/null; }
step "fold the counters' changes" fold

# Checks: the counters against a count of the rows (the expressions of migrations 0005,
# 0007, 0009 and 0021 that fill them), the foreign keys the copies did not check, each
# last_message against its message, the phones. Each line is a number of mismatches.
checks() {
  psql <<'SQL'
CREATE TEMP VIEW d_rows AS SELECT tenant_id, tenant_local_day(tenant_id, created_at) AS day,
    COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000') AS team_id, status, channel_id,
    COUNT(*)::bigint AS conversations, COALESCE(SUM(resolved_at - created_at), 0)::bigint AS resolution_sum,
    COUNT(resolved_at)::bigint AS resolved, COALESCE(SUM(first_response_at - created_at), 0)::bigint AS first_response_sum,
    COUNT(first_response_at)::bigint AS first_responded
    FROM conversations GROUP BY 1, 2, 3, 4, 5;
CREATE TEMP VIEW d_kept AS SELECT tenant_id, day, team_id, status, channel_id, SUM(conversations)::bigint AS conversations,
    SUM(resolution_sum)::bigint AS resolution_sum, SUM(resolved)::bigint AS resolved,
    SUM(first_response_sum)::bigint AS first_response_sum, SUM(first_responded)::bigint AS first_responded
    FROM conversation_days_now GROUP BY 1, 2, 3, 4, 5
    HAVING (SUM(conversations), SUM(resolution_sum), SUM(resolved), SUM(first_response_sum), SUM(first_responded)) <> (0, 0, 0, 0, 0);
CREATE TEMP VIEW l_rows AS SELECT tenant_id, COALESCE(assigned_user_id, '00000000-0000-0000-0000-000000000000') AS user_id,
    COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000') AS team_id, status, channel_id,
    COUNT(*)::bigint AS conversations, COALESCE(SUM(unread_count), 0)::bigint AS unread_messages,
    COUNT(*) FILTER (WHERE unread_count > 0)::bigint AS unread,
    COALESCE(SUM(first_response_at - created_at), 0)::bigint AS first_response_sum, COUNT(first_response_at)::bigint AS first_responded
    FROM conversations GROUP BY 1, 2, 3, 4, 5;
CREATE TEMP VIEW l_kept AS SELECT tenant_id, user_id, team_id, status, channel_id, SUM(conversations)::bigint AS conversations,
    SUM(unread_messages)::bigint AS unread_messages, SUM(unread)::bigint AS unread,
    SUM(first_response_sum)::bigint AS first_response_sum, SUM(first_responded)::bigint AS first_responded
    FROM conversation_loads_now GROUP BY 1, 2, 3, 4, 5
    HAVING (SUM(conversations), SUM(unread_messages), SUM(unread), SUM(first_response_sum), SUM(first_responded)) <> (0, 0, 0, 0, 0);
CREATE TEMP VIEW k_rows AS SELECT tenant_id, COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000') AS campaign_id,
    COALESCE(broadcast_id, '00000000-0000-0000-0000-000000000000') AS broadcast_id, status, COUNT(*)::bigint AS conversations
    FROM conversations WHERE campaign_id IS NOT NULL OR broadcast_id IS NOT NULL GROUP BY 1, 2, 3, 4;
CREATE TEMP VIEW k_kept AS SELECT tenant_id, campaign_id, broadcast_id, status, SUM(conversations)::bigint AS conversations
    FROM conversation_campaigns_now GROUP BY 1, 2, 3, 4 HAVING SUM(conversations) <> 0;
SELECT 'conversation_days mismatches', (SELECT COUNT(*) FROM ((TABLE d_rows EXCEPT TABLE d_kept) UNION ALL (TABLE d_kept EXCEPT TABLE d_rows)) x);
SELECT 'conversation_loads mismatches', (SELECT COUNT(*) FROM ((TABLE l_rows EXCEPT TABLE l_kept) UNION ALL (TABLE l_kept EXCEPT TABLE l_rows)) x);
SELECT 'conversation_campaigns mismatches', (SELECT COUNT(*) FROM ((TABLE k_rows EXCEPT TABLE k_kept) UNION ALL (TABLE k_kept EXCEPT TABLE k_rows)) x);
SELECT 'contacts.conversation_count mismatches', COUNT(*) FROM contacts ct
    LEFT JOIN (SELECT contact_id, COUNT(*) AS n FROM conversations GROUP BY 1) c ON c.contact_id = ct.id
    WHERE ct.conversation_count <> COALESCE(c.n, 0);
SELECT 'rows without their parent', (SELECT COUNT(*) FROM contact_identities i WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = i.contact_id))
    + (SELECT COUNT(*) FROM conversations v WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = v.contact_id))
    + (SELECT COUNT(*) FROM conversation_tags t WHERE NOT EXISTS (SELECT 1 FROM conversations v WHERE v.id = t.conversation_id))
    + (SELECT COUNT(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM conversations v WHERE v.id = m.conversation_id))
    + (SELECT COUNT(*) FROM message_mentions x WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = x.message_id))
    + (SELECT COUNT(*) FROM message_status_history h WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = h.message_id))
    + (SELECT COUNT(*) FROM messages m WHERE m.reply_to_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.id = m.reply_to_id))
    + (SELECT COUNT(*) FROM messages m WHERE m.sender_type = 'end_user' AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = m.sender_id));
SELECT 'last_message not its message', COUNT(*) FROM conversations v WHERE v.last_message IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM messages m WHERE m.id = (v.last_message::json->>'id')::uuid AND m.conversation_id = v.id
    AND abs(m.created_at - extract(epoch FROM (v.last_message::json->>'created_at')::timestamptz) * 1000000) <= 1);
SQL
  echo "phones not E.164 or not distinct|$(psql -c "SELECT ABS(COUNT(DISTINCT phone) FILTER (WHERE phone <> '') - $FACTOR * $phones)
    + ABS(COUNT(*) FILTER (WHERE phone ~ '^\+[1-9][0-9]{6,14}\$') - $FACTOR * $valid_phones) FROM contacts")"
}
check_out="$(mktemp)"
step "checks" eval 'checks >"$check_out"'
failed=0
while IFS='|' read -r what n; do
  printf '  %-42s %s\n' "$what" "$n"
  [ "$n" = 0 ] || failed=1
done <"$check_out"
rm -f "$check_out"
if [ "$failed" != 0 ]; then echo "checks failed" >&2; exit 1; fi

step "VACUUM ANALYZE" psql -c "VACUUM ANALYZE"
printf '%-44s %8.1f s\n' "total" "$(( $(now_ms) - total0 ))e-3"
echo "rows:"
for t in tenants $tables; do
  printf '  %-42s %s\n' "$t" "$(psql -c "SELECT COUNT(*) FROM $t")"
done
