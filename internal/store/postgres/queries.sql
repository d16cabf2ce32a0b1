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
-- Matches compare lower(pattern) with a stored lowered copy of the text, through its trigram
-- index (migration 0007): lowering each candidate, as ILIKE does, costs ~3 µs a row.
m.search_content LIKE lower(?) ESCAPE '\'

-- name: recent_content_matches
-- A walk down the newest messages, then the trigram index day by day (migration 0010a).
SELECT recent_content_matches(?, lower(?), ?, ?) AS conversation_id

-- name: name_match_key
c.contact_id

-- name: name_match_count
-- Each contact found stands for its conversation_count conversations.
(SELECT COALESCE(SUM(n), 0) FROM named)

-- name: name_matches
SELECT ct.id AS k, ct.conversation_count AS n FROM contacts ct WHERE ct.tenant_id = ? AND ct.search_name LIKE lower(?) ESCAPE '\'

-- name: name_or_phone_matches
SELECT ct.id AS k, ct.conversation_count AS n FROM contacts ct WHERE ct.tenant_id = ?
	AND (ct.search_name LIKE lower(?) ESCAPE '\' OR ct.phone LIKE ? ESCAPE '\')

-- name: in_list
-- The subquery's array, computed once, is looked up through the primary key; as a semi-join
-- the outbox was walked whole when its statistics said it was nearly empty.
= ANY(ARRAY({subquery}))

-- name: lock_tenant
-- NO KEY UPDATE, the lock an UPDATE of the row takes: new rows that refer to the tenant
-- (their foreign key's KEY SHARE) do not wait for it.
SELECT 1 FROM tenants WHERE id = ? FOR NO KEY UPDATE

-- name: lock_sequencer
-- One sequencer numbers at a time, cluster-wide ("teaminbs"): two would each take a batch and
-- could give a tenant's later events the lower numbers.
SELECT pg_advisory_xact_lock(x'7465616d696e6273'::bigint)

-- name: number_events
-- Numbers the oldest unnumbered events, up to ?, in the order they were stored: each tenant's
-- counter moves once by its count of the batch, and its events take the numbers in between.
WITH batch AS MATERIALIZED (
	SELECT ord, tenant_id FROM events WHERE seq IS NULL ORDER BY ord LIMIT ? FOR UPDATE SKIP LOCKED),
counts AS (SELECT tenant_id, COUNT(*) AS n FROM batch GROUP BY tenant_id),
bumped AS (UPDATE tenants t SET event_seq = t.event_seq + c.n FROM counts c WHERE t.id = c.tenant_id
	RETURNING t.id, t.event_seq - c.n AS base),
numbered AS (SELECT b.ord, u.base + ROW_NUMBER() OVER (PARTITION BY b.tenant_id ORDER BY b.ord) AS seq
	FROM batch b JOIN bumped u ON u.id = b.tenant_id)
UPDATE events e SET seq = n.seq FROM numbered n WHERE e.ord = n.ord AND e.seq IS NULL
RETURNING e.tenant_id, e.seq, e.type, e.conversation_id, e.assigned_user_id, e.data, e.created_at

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
