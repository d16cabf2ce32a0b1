-- Conversations by their contact's name and phone, through a trigram index. A search for a
-- name that 5,000 contacts share counts and pages their conversations from this index
-- alone; through contacts_fts it read each contact's row (to check its tenant and find its
-- conversations), 2 µs apiece. A document's rowid is the tenant's rowid << 40 | the
-- conversation's, so each tenant's documents are one range of rowids.
CREATE VIRTUAL TABLE conversation_names USING fts5(name, phone, content='', contentless_delete=1, tokenize='trigram');
INSERT INTO conversation_names (rowid, name, phone)
    SELECT (t.rowid << 40) | c.rowid, ct.first_name || ' ' || ct.last_name, ct.phone
    FROM conversations c JOIN tenants t ON t.id = c.tenant_id JOIN contacts ct ON ct.id = c.contact_id;

CREATE TRIGGER conversation_names_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_names (rowid, name, phone)
        SELECT ((SELECT rowid FROM tenants WHERE id = NEW.tenant_id) << 40) | NEW.rowid, ct.first_name || ' ' || ct.last_name, ct.phone
        FROM contacts ct WHERE ct.id = NEW.contact_id;
END;
CREATE TRIGGER conversation_names_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_names WHERE rowid = ((SELECT rowid FROM tenants WHERE id = OLD.tenant_id) << 40) | OLD.rowid;
END;
CREATE TRIGGER conversation_names_move AFTER UPDATE OF contact_id ON conversations
WHEN OLD.contact_id IS NOT NEW.contact_id BEGIN
    DELETE FROM conversation_names WHERE rowid = ((SELECT rowid FROM tenants WHERE id = OLD.tenant_id) << 40) | OLD.rowid;
    INSERT INTO conversation_names (rowid, name, phone)
        SELECT ((SELECT rowid FROM tenants WHERE id = NEW.tenant_id) << 40) | NEW.rowid, ct.first_name || ' ' || ct.last_name, ct.phone
        FROM contacts ct WHERE ct.id = NEW.contact_id;
END;
CREATE TRIGGER conversation_names_rename AFTER UPDATE OF first_name, last_name, phone ON contacts
WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name OR OLD.phone IS NOT NEW.phone BEGIN
    DELETE FROM conversation_names WHERE rowid IN
        (SELECT ((SELECT rowid FROM tenants WHERE id = NEW.tenant_id) << 40) | c.rowid FROM conversations c
         WHERE c.tenant_id = NEW.tenant_id AND c.contact_id = NEW.id);
    INSERT INTO conversation_names (rowid, name, phone)
        SELECT ((SELECT rowid FROM tenants WHERE id = NEW.tenant_id) << 40) | c.rowid, NEW.first_name || ' ' || NEW.last_name, NEW.phone
        FROM conversations c WHERE c.tenant_id = NEW.tenant_id AND c.contact_id = NEW.id;
END;
