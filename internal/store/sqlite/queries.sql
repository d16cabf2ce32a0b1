-- SQLite's side of what differs between the databases (sqlstore.Named): each section is
-- named by the Go code that uses it.

-- name: for_update
-- (none: immediate transactions already hold the write lock)

-- name: skip_locked

-- name: ilike
-- SQLite's LIKE ignores ASCII case.
LIKE

-- name: unindexed
-- The unary + keeps the planner from answering a condition through the column's index.
+

-- name: tag_names
(SELECT CASE WHEN COUNT(*) > 0 THEN json_group_array(name) END FROM (SELECT t.name FROM conversation_tags ct
	JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id = c.id ORDER BY lower(t.name)))

-- name: lock_tenant
-- (none: a transaction holds the one writer's lock)

-- name: queued_messages
SELECT COUNT(*) FROM messages_fts_queue

-- name: index_queued_messages
-- Index the customer-visible messages queued for content search (migration 0008), all in one
-- statement, just before a write transaction commits, when the queue is due
-- (sqlstore.Indexing). The queue is walked and each message looked up by rowid in a
-- subquery, the one plan it has: joined, the messages were scanned once per queued row where
-- the statistics were taken of a nearly empty table (as `teaminbox seed` leaves a new
-- database), and left to itself, the planner puts the queue (it has no statistics) inside
-- a scan of every message.
INSERT INTO messages_fts (rowid, content) SELECT q.message_rowid, (SELECT content FROM messages WHERE rowid = q.message_rowid)
	FROM messages_fts_queue q WHERE (SELECT NOT is_internal FROM messages WHERE rowid = q.message_rowid)

-- name: index_queued_notes
-- index_queued_messages for the internal notes, which have an index of their own (migration 0033).
INSERT INTO notes_fts (rowid, content) SELECT q.message_rowid, (SELECT content FROM messages WHERE rowid = q.message_rowid)
	FROM messages_fts_queue q WHERE (SELECT is_internal FROM messages WHERE rowid = q.message_rowid)

-- name: clear_message_queue
DELETE FROM messages_fts_queue

-- name: content_match
-- A condition on messages m: its content holds the FTS5 phrase given, or, while m is still
-- queued for the index (in none yet), the LIKE pattern given. The queue holds the newest
-- messages, a few hundred at most, each looked up by rowid as index_queued_messages does.
-- LIKE ignores the case of ASCII letters only, the trigram tokenizer that of all (É, é):
-- such a match waits for the index, a few hundred ms. Internal notes are in notes_fts
-- (migration 0033), not read here.
m.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? UNION ALL SELECT q.message_rowid FROM messages_fts_queue q
	WHERE (SELECT NOT is_internal AND content LIKE ? ESCAPE '\' FROM messages WHERE rowid = q.message_rowid))

-- name: content_match_with_notes
-- content_match where internal notes match too: the phrase, given twice, in either index.
m.rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? UNION ALL SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?
	UNION ALL SELECT q.message_rowid FROM messages_fts_queue q WHERE (SELECT content LIKE ? ESCAPE '\' FROM messages WHERE rowid = q.message_rowid))

-- name: recent_content_matches
-- FTS5 walks the matches in rowid order and stops at the limit. messages_fts holds no notes
-- (migration 0033): a term only notes hold has no match to read. The messages still queued
-- for the index match apart (see content_match), and the two are merged in rowid order.
SELECT conversation_id FROM (
	SELECT * FROM (SELECT f.rowid AS r, m.conversation_id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
		WHERE messages_fts MATCH ? AND m.tenant_id = ? AND NOT m.is_internal ORDER BY f.rowid DESC LIMIT ?)
	UNION ALL SELECT q.message_rowid, (SELECT conversation_id FROM messages WHERE rowid = q.message_rowid) FROM messages_fts_queue q
		WHERE (SELECT tenant_id = ? AND NOT is_internal AND content LIKE ? ESCAPE '\' FROM messages WHERE rowid = q.message_rowid)
) ORDER BY r DESC LIMIT ?

-- name: row_name_match
-- LIKE ignores ASCII case only, as the name index's own check for a short term does.
((ct.first_name || ' ' || ct.last_name) LIKE ? ESCAPE '\' OR ct.phone LIKE ? ESCAPE '\')

-- name: row_content_match
m.content LIKE ? ESCAPE '\'

-- name: name_match_key
c.rowid

-- name: name_match_count
(SELECT COUNT(*) FROM named)

-- name: short_name_matches
-- A term too short for the trigram index: the tenant's contacts, read one by one.
SELECT c.rowid AS k FROM conversations c WHERE c.tenant_id = ? AND c.contact_id IN (SELECT ct.id FROM contacts ct
	WHERE ct.tenant_id = ? AND ((ct.first_name || ' ' || ct.last_name) LIKE ? ESCAPE '\' OR ct.phone LIKE ? ESCAPE '\'))

-- name: name_matches
-- conversation_names (migration 0007): its rowids are the tenant's rowid << 40 | the
-- conversation's, so one tenant's matches are one range.
SELECT rowid & 1099511627775 AS k FROM conversation_names WHERE conversation_names MATCH ?
	AND rowid BETWEEN (SELECT rowid << 40 FROM tenants WHERE id = ?) AND (SELECT (rowid << 40) | 1099511627775 FROM tenants WHERE id = ?)

-- name: row_address
-- The column that names a row of any table.
rowid

-- name: tenant_tables
-- The tables that have a tenant_id column, from the catalog.
SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
	WHERE m.type = 'table' AND c.name = 'tenant_id' ORDER BY m.name

-- name: percentile
-- percentile_disc({p}) of {col}: the value at rank ceil(p·n) of the column's values sorted,
-- picked from them as a JSON array. The calls of one column share the one array (SQLite
-- computes an aggregate written twice once): one sort, where ROW_NUMBER() and COUNT() over
-- windows cost 2-3 times the CPU (100,000 conversations: ~230 ms against ~600 ms a column).
CASE WHEN COUNT({col}) > 0 THEN json_extract(json_group_array({col} ORDER BY {col}) FILTER (WHERE {col} IS NOT NULL),
	'$[' || CAST(ceil({p} * COUNT({col})) - 1 AS INTEGER) || ']') END
