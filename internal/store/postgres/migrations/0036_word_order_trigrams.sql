-- The content indexes take the text with its spaces turned into a letter, so that the
-- trigrams run across the words and keep their order. pg_trgm splits the text at spaces:
-- "plan enterprise" had the trigrams of "enterprise plan", and at 10M messages each of the
-- 928,000 that hold those words in the other order was fetched and tested (~4 s). Joined,
-- it asks for "anǂ", "nǂe" and "ǂen", which only that order has. The letter is one no text
-- uses (U+01C2), so a trigram across two words is no word's. The map is letter for letter,
-- so a text that holds a term holds its map: search_joined(text) LIKE search_joined(pattern)
-- finds a superset, which the text's own LIKE then tests. (Where the database's locale does
-- not take U+01C2 for a letter, the trigrams stop at it as they stopped at a space: searches
-- find the same, without the gain.) recent_content_matches also takes a walk of 0, for a term
-- the caller found in none of the newest conversations: the walk read 2,000 messages for
-- nothing (~2 ms at 10M).
CREATE FUNCTION search_joined(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(t, ' ', 'ǂ') $$;

DROP INDEX messages_search_customer;
DROP INDEX messages_search_notes;
CREATE INDEX messages_search_customer ON messages USING gin
    (message_search_keys(tenant_id, created_at, is_internal), search_joined(search_content) gin_trgm_ops) WHERE NOT is_internal;
CREATE INDEX messages_search_notes ON messages USING gin (search_joined(search_content) gin_trgm_ops) WHERE is_internal;

CREATE OR REPLACE FUNCTION recent_content_matches(tenant uuid, pattern text, wanted integer, walk integer)
RETURNS SETOF uuid LANGUAGE plpgsql STABLE ROWS 100
-- A term that gets this far can have a million candidates (before 0036, words another message
-- holds in the other order): an exact bitmap of them needs ~20 MB, a lossy one rechecks twice
-- the rows (3.5 s against 1.9 s). Compiling such a plan (JIT) added 0.2-0.6 s to a search.
SET work_mem = '32MB' SET jit = off AS $$
DECLARE
    joined text := search_joined(pattern);
    walked integer;
    edge bigint;  -- the oldest walked message's time: the walk took those after it
    day bigint;   -- the newest day not looked through yet
    span integer := 1;
    found integer;
    n integer;
BEGIN
    IF walk = 0 THEN
        -- No walk (the caller found the term rare of late): the days start at the newest
        -- message's. (Counting the term's matches first, to gather a few at once without the
        -- days, cost a term common only in older messages 0.8 s at 10M: the tenant's key in
        -- the index, with the trigrams of a common word, spares no posting list.)
        SELECT max(m.created_at) INTO edge FROM messages m WHERE m.tenant_id = tenant;
        IF edge IS NULL THEN
            RETURN;
        END IF;
        found := 0;
    ELSE
        SELECT count(*), min(w.created_at) INTO walked, edge FROM (SELECT m.created_at FROM messages m
            WHERE m.tenant_id = tenant ORDER BY m.created_at DESC LIMIT walk) w;
        IF walked < walk THEN
            edge := -1; -- the walk saw every message
        END IF;
        -- The same walk again, its rows filtered only once it is done: given the conditions,
        -- the planner would rather combine the indexes, and read every match of a common term.
        RETURN QUERY SELECT w.conversation_id FROM (SELECT m.conversation_id, m.created_at, m.is_internal, m.search_content
            FROM messages m WHERE m.tenant_id = tenant ORDER BY m.created_at DESC LIMIT walk) w
            WHERE w.created_at > edge AND NOT w.is_internal AND w.search_content LIKE pattern ORDER BY w.created_at DESC LIMIT wanted;
        GET DIAGNOSTICS found = ROW_COUNT;
        IF found >= wanted OR edge < 0 THEN
            RETURN;
        END IF;
    END IF;
    day := edge / 86400000000;
    WHILE span <= 16 AND found < wanted LOOP
        -- "+ 0": in no case walk the time index here; the bitmap reads only these days.
        RETURN QUERY SELECT m.conversation_id FROM messages m WHERE m.tenant_id = tenant
            AND message_search_keys(m.tenant_id, m.created_at, m.is_internal)
                && ARRAY(SELECT message_search_day_key(tenant, d) FROM generate_series(day - span + 1, day) d)
            AND m.created_at <= edge AND NOT m.is_internal AND search_joined(m.search_content) LIKE joined
            AND m.search_content LIKE pattern
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
            AND m.created_at < (day + 1) * 86400000000 AND NOT m.is_internal AND search_joined(m.search_content) LIKE joined
            AND m.search_content LIKE pattern
            ORDER BY m.created_at + 0 DESC LIMIT wanted - found;
    END IF;
END $$;
