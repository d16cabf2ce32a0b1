-- Messages are indexed for content search in one statement just before their transaction
-- commits (sqlstore.Dialect.BeforeCommit), not one by one in a trigger: FTS5 writes its
-- pending terms to disk at every savepoint, and a group commit opens one per message, so each
-- message paid a flush and the segment merges it set off (the index cost a fifth of a
-- webhook's throughput). The trigger now queues the message; a message still queued is in
-- no index yet, which its delete and update take into account.
CREATE TABLE messages_fts_queue (message_rowid INTEGER PRIMARY KEY);

DROP TRIGGER messages_fts_insert;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts_queue VALUES (new.rowid);
END;
DROP TRIGGER messages_fts_delete;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', old.rowid, old.content
        WHERE NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid);
    DELETE FROM messages_fts_queue WHERE message_rowid = old.rowid;
END;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
WHEN NOT EXISTS (SELECT 1 FROM messages_fts_queue WHERE message_rowid = old.rowid) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;
