-- Every single-filter list answers from one index in its sort order (activity), so a page
-- reads its rows and the count reads one index range, with no sort and no table scan.
DROP INDEX conversations_status;
CREATE INDEX conversations_status ON conversations (tenant_id, status, activity_at DESC, id);
CREATE INDEX conversations_assignee_activity ON conversations (tenant_id, assigned_user_id, activity_at DESC, id);
DROP INDEX conversations_team;
CREATE INDEX conversations_team ON conversations (tenant_id, assigned_team_id, activity_at DESC, id);
DROP INDEX conversations_broadcast;
CREATE INDEX conversations_broadcast ON conversations (tenant_id, broadcast_id, activity_at DESC, id);
DROP INDEX conversations_campaign;
CREATE INDEX conversations_campaign ON conversations (tenant_id, campaign_id, activity_at DESC, id);
CREATE INDEX conversations_channel ON conversations (tenant_id, channel_id, activity_at DESC, id);

-- Contact names and phones by substring, through a trigram index (3 characters or more).
CREATE VIRTUAL TABLE contacts_fts USING fts5(name, phone, content='', contentless_delete=1, tokenize='trigram');
INSERT INTO contacts_fts (rowid, name, phone) SELECT rowid, first_name || ' ' || last_name, phone FROM contacts;
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, name, phone) VALUES (new.rowid, new.first_name || ' ' || new.last_name, new.phone);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.rowid;
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF first_name, last_name, phone ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.rowid;
    INSERT INTO contacts_fts (rowid, name, phone) VALUES (new.rowid, new.first_name || ' ' || new.last_name, new.phone);
END;
