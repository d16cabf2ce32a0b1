-- Each contact's number of conversations, kept by a trigger. A search for a name that
-- thousands of contacts share counts their conversations from the contact rows it reads
-- anyway, instead of looking up each contact's conversations.
ALTER TABLE contacts ADD COLUMN conversation_count integer NOT NULL DEFAULT 0;
UPDATE contacts ct SET conversation_count = n FROM
    (SELECT tenant_id, contact_id, COUNT(*) AS n FROM conversations GROUP BY 1, 2) c
    WHERE ct.tenant_id = c.tenant_id AND ct.id = c.contact_id;

CREATE FUNCTION contact_conversation_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE contacts SET conversation_count = conversation_count - 1 WHERE id = OLD.contact_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE contacts SET conversation_count = conversation_count + 1 WHERE id = NEW.contact_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER contact_conversation_count AFTER INSERT OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION contact_conversation_count();
-- Saving a conversation sets every column; only a real move changes the counts.
CREATE TRIGGER contact_conversation_move AFTER UPDATE OF contact_id ON conversations
    FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id) EXECUTE FUNCTION contact_conversation_count();

-- Searches match lower(pattern) against a stored lowered copy of the text, through its
-- trigram index. Lowering row by row, as ILIKE or lower(x) LIKE does, cost 3 µs per candidate:
-- most of a name search (15 of 18 ms for 5,000 names) and of a content search's walk down
-- the newest messages.
ALTER TABLE contacts ADD COLUMN search_name text GENERATED ALWAYS AS (lower(first_name || ' ' || last_name)) STORED;
CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name gin_trgm_ops);
DROP INDEX contacts_name_trgm;
ALTER TABLE messages ADD COLUMN search_content text GENERATED ALWAYS AS (lower(content)) STORED;
CREATE INDEX messages_search_content_trgm ON messages USING gin (search_content gin_trgm_ops);
DROP INDEX messages_content_trgm;
