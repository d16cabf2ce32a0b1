-- The content index is split in two partial indexes, the customer-visible messages' and the
-- internal notes'. Since 0032 a note was keyed apart, but its trigrams were in the same
-- posting lists: at 10M messages "refund", in 337,000 notes and in no customer's message,
-- took the bitmap 90 ms to rule out (0.5 ms now), and the planner, which counts the notes
-- in the term's frequency, chose to walk the time index instead: 5-8 s. A search that
-- includes the notes (the messages inbox) asks both indexes (content_match_all).
CREATE INDEX messages_search_customer ON messages
    USING gin (message_search_keys(tenant_id, created_at, is_internal), search_content gin_trgm_ops) WHERE NOT is_internal;
CREATE INDEX messages_search_notes ON messages USING gin (search_content gin_trgm_ops) WHERE is_internal;
DROP INDEX messages_search_content_keys;

CREATE OR REPLACE FUNCTION recent_content_matches(tenant uuid, pattern text, wanted integer, walk integer)
RETURNS SETOF uuid LANGUAGE plpgsql STABLE ROWS 100
-- A term that gets this far can have a million candidates (words another message holds in
-- the other order): an exact bitmap of them needs ~20 MB, a lossy one rechecks twice the
-- rows (3.5 s against 1.9 s). Compiling such a plan (JIT) added 0.2-0.6 s to a search.
SET work_mem = '32MB' SET jit = off AS $$
DECLARE
    walked integer;
    edge bigint;  -- the oldest walked message's time: the walk took those after it
    day bigint;   -- the newest day not looked through yet
    span integer := 1;
    found integer;
    n integer;
BEGIN
    SELECT count(*), min(w.created_at) INTO walked, edge FROM (SELECT m.created_at FROM messages m
        WHERE m.tenant_id = tenant ORDER BY m.created_at DESC LIMIT walk) w;
    IF walked < walk THEN
        edge := -1; -- the walk saw every message
    END IF;
    -- The same walk again, its rows filtered only once it is done: given the conditions, the
    -- planner would rather combine the indexes, and read every match of a common term.
    RETURN QUERY SELECT w.conversation_id FROM (SELECT m.conversation_id, m.created_at, m.is_internal, m.search_content
        FROM messages m WHERE m.tenant_id = tenant ORDER BY m.created_at DESC LIMIT walk) w
        WHERE w.created_at > edge AND NOT w.is_internal AND w.search_content LIKE pattern ORDER BY w.created_at DESC LIMIT wanted;
    GET DIAGNOSTICS found = ROW_COUNT;
    IF found >= wanted OR edge < 0 THEN
        RETURN;
    END IF;
    day := edge / 86400000000;
    WHILE span <= 16 AND found < wanted LOOP
        -- "+ 0": in no case walk the time index here; the bitmap reads only these days.
        RETURN QUERY SELECT m.conversation_id FROM messages m WHERE m.tenant_id = tenant
            AND message_search_keys(m.tenant_id, m.created_at, m.is_internal)
                && ARRAY(SELECT message_search_day_key(tenant, d) FROM generate_series(day - span + 1, day) d)
            AND m.created_at <= edge AND NOT m.is_internal AND m.search_content LIKE pattern
            ORDER BY m.created_at + 0 DESC LIMIT wanted - found;
        GET DIAGNOSTICS n = ROW_COUNT;
        found := found + n;
        day := day - span;
        span := span * 2;
    END LOOP;
    IF found < wanted THEN
        -- The term is rare of late: the rest of its matches through the index too. Walking
        -- the time index instead, as the planner chose at 10M messages for a term whose
        -- trigrams notes hold ("refund"), read every message: 5-8 s.
        RETURN QUERY SELECT m.conversation_id FROM messages m WHERE m.tenant_id = tenant
            AND message_search_keys(m.tenant_id, m.created_at, m.is_internal) @> ARRAY[tenant::text]
            AND m.created_at < (day + 1) * 86400000000 AND NOT m.is_internal AND m.search_content LIKE pattern
            ORDER BY m.created_at + 0 DESC LIMIT wanted - found;
    END IF;
END $$;
