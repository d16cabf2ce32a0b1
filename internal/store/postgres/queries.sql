-- PostgreSQL's side of what differs between the databases (sqlstore.Named): each section is
-- named by the Go code that uses it.

-- name: for_update
FOR UPDATE

-- name: skip_locked
FOR UPDATE SKIP LOCKED

-- name: ilike
ILIKE

-- name: unindexed
-- (none: the planner needs no hint)

-- name: tag_names
(SELECT json_agg(t.name ORDER BY lower(t.name)) FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
	WHERE ct.conversation_id = c.id)

-- name: content_match
-- Matches compare lower(pattern) with a stored lowered copy of the text (migration 0007):
-- lowering each candidate, as ILIKE does, costs ~3 µs a row. The index holds the copy's
-- trigrams across its words (search_joined, migration 0036), which the text's LIKE then tests.
(search_joined(m.search_content) LIKE search_joined(lower(?)) ESCAPE '\' AND m.search_content LIKE lower(?) ESCAPE '\')

-- name: content_match_all
-- Customer-visible messages and notes have trigram indexes of their own (migration 0034): an
-- OR of the two, each arm implying one index's predicate, reads both (a BitmapOr).
(((NOT m.is_internal AND search_joined(m.search_content) LIKE search_joined(lower(?)) ESCAPE '\')
	OR (m.is_internal AND search_joined(m.search_content) LIKE search_joined(lower(?)) ESCAPE '\'))
	AND m.search_content LIKE lower(?) ESCAPE '\')

-- name: recent_content_matches
-- A walk down the newest messages, then the trigram index day by day (migration 0010a).
SELECT recent_content_matches(?, lower(?), ?, ?) AS conversation_id

-- name: row_name_match
(ct.search_name LIKE lower(?) ESCAPE '\' OR ct.phone LIKE ? ESCAPE '\')

-- name: row_content_match
m.search_content LIKE lower(?) ESCAPE '\'

-- name: name_match_key
c.contact_id

-- name: name_match_count
-- Each contact found stands for its conversation_count conversations.
(SELECT COALESCE(SUM(n), 0) FROM named)

-- name: name_matches
-- Only the contacts that have a conversation: each key stands for one or more (NameMatch).
SELECT ct.id AS k, ct.conversation_count AS n FROM contacts ct WHERE ct.tenant_id = ? AND ct.search_name LIKE lower(?) ESCAPE '\'
	AND ct.conversation_count > 0

-- name: name_or_phone_matches
-- The phone's pattern is a prefix ("+4420%") for a term that starts with +, which
-- contacts_phone_prefix answers (migration 0035).
SELECT ct.id AS k, ct.conversation_count AS n FROM contacts ct WHERE ct.tenant_id = ?
	AND (ct.search_name LIKE lower(?) ESCAPE '\' OR ct.phone LIKE ? ESCAPE '\') AND ct.conversation_count > 0

-- name: in_list
-- The subquery's array, computed once, is looked up through the primary key; as a semi-join
-- the outbox was walked whole when its statistics said it was nearly empty.
= ANY(ARRAY({subquery}))

-- name: lock_tenant
-- NO KEY UPDATE, the lock an UPDATE of the row takes: new rows that refer to the tenant
-- (their foreign key's KEY SHARE) do not wait for it.
SELECT 1 FROM tenants WHERE id = ? FOR NO KEY UPDATE

-- name: number_events
-- See migration 0030: one round trip, in a transaction of its own.
SELECT tenant_id, seq, type, conversation_id, assigned_user_id, data, created_at FROM number_events(?)

-- name: lock_migrations
SELECT pg_advisory_lock($1)

-- name: unlock_migrations
SELECT pg_advisory_unlock($1)

-- name: row_address
-- The column that names a row of any table.
ctid

-- name: tenant_tables
-- The tables that have a tenant_id column, from the catalog.
SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t
	ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
	WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' ORDER BY c.table_name

-- name: percentile
-- The percentile_disc calls of one column share one sort (their transition state).
percentile_disc({p}) WITHIN GROUP (ORDER BY {col})
