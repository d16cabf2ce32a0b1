-- Internal notes get a full-text index of their own, notes_fts, and messages_fts holds only
-- the customer-visible messages. A customer-visible search (recent_content_matches) no
-- longer reads the notes that hold its term only to drop them: "refund", in 33,687 notes of
-- the seeded set and in no customer's message, took 150-180 ms. A search that includes the
-- notes (the messages inbox's) reads both indexes.
--
-- Each index's external content is a view of the messages it holds, so that FTS5's own
-- 'rebuild' and 'integrity-check' see what it indexes. Both are built anew (10 s for 1M
-- messages, 100,000 of them notes): moving the notes out of the index in place costs about
-- as much once its segments are merged (4 s, then 6 s), and unmerged it keeps the notes'
-- deletions, which a search for "refund" still read (25 ms).
CREATE VIEW customer_messages (message_rowid, content) AS SELECT rowid, content FROM messages WHERE NOT is_internal;
CREATE VIEW internal_notes (message_rowid, content) AS SELECT rowid, content FROM messages WHERE is_internal;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='customer_messages', content_rowid='message_rowid', tokenize='trigram');
CREATE VIRTUAL TABLE notes_fts USING fts5(content, content='internal_notes', content_rowid='message_rowid', tokenize='trigram');
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');
-- The rebuilds indexed the messages a tool left queued (0008) as well.
DELETE FROM messages_fts_queue;

-- One queue for both indexes: a queued message is in neither yet. A message's index is the
-- one of its is_internal, which the update trigger follows too.
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.rowid, old.content
        WHERE NOT old.is_internal AND NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid);
    INSERT INTO notes_fts (notes_fts, rowid, content) SELECT 'delete', old.rowid, old.content
        WHERE old.is_internal AND NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid);
    DELETE FROM messages_fts_queue WHERE message_rowid = old.rowid;
END;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, is_internal ON messages
WHEN NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.rowid, old.content WHERE NOT old.is_internal;
    INSERT INTO notes_fts (notes_fts, rowid, content) SELECT 'delete', old.rowid, old.content WHERE old.is_internal;
    INSERT INTO messages_fts (rowid, content) SELECT new.rowid, new.content WHERE NOT new.is_internal;
    INSERT INTO notes_fts (rowid, content) SELECT new.rowid, new.content WHERE new.is_internal;
END;
