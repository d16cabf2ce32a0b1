-- A content search wants a term's newest matches, and a trigram index gives them in no
-- order: its bitmap costs as much as the term has matches (170 ms for 252,000), and walking
-- the messages newest first costs as much as the newer messages that do not match (150 ms
-- behind 231,000 of them). The trigram index is now also keyed by each message's tenant, and
-- by its tenant and day, so that a term's matches in one tenant's few days are found without
-- reading its other matches, the other tenants' included. The keys are array elements: they
-- match exactly, and the scan skips through their posting lists (btree_gin's keys would be
-- range matches, each read whole before any skipping: 20 ms for a day of 245,000 messages).
-- The keys are written once, in these functions; being plain SQL, they are inlined, in the
-- index and in the queries alike, so the planner matches the queries to the index.
CREATE FUNCTION message_search_day_key(tenant uuid, day bigint) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT tenant::text || '/' || day::text $$;
CREATE FUNCTION message_search_keys(tenant uuid, created_at bigint) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY[tenant::text, message_search_day_key(tenant, created_at / 86400000000)] $$;
CREATE INDEX messages_search_content_day ON messages
    USING gin (message_search_keys(tenant_id, created_at), search_content gin_trgm_ops);
DROP INDEX messages_search_content_trgm;

-- recent_content_matches returns the conversations of the tenant's newest `wanted` messages,
-- notes excluded, whose search_content is LIKE pattern, newest first. It walks the newest
-- `walk` messages first, which finds a common term at once; then it looks through the days
-- before them in windows of 1, 2, 4, 8 and 16 days, each a bitmap of the term's matches in
-- the tenant's messages of those days only; and last through the tenant's older messages.
-- ROWS tells the planner of the search around it to expect few: at its default of 1,000 it
-- joined them to every conversation.
CREATE FUNCTION recent_content_matches(tenant uuid, pattern text, wanted integer, walk integer)
RETURNS SETOF uuid LANGUAGE plpgsql STABLE ROWS 100 AS $$
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
            AND message_search_keys(m.tenant_id, m.created_at)
                && ARRAY(SELECT message_search_day_key(tenant, d) FROM generate_series(day - span + 1, day) d)
            AND m.created_at <= edge AND NOT m.is_internal AND m.search_content LIKE pattern
            ORDER BY m.created_at + 0 DESC LIMIT wanted - found;
        GET DIAGNOSTICS n = ROW_COUNT;
        found := found + n;
        day := day - span;
        span := span * 2;
    END LOOP;
    IF found < wanted THEN
        -- Planned for this pattern: the term is rare of late, maybe not before.
        RETURN QUERY EXECUTE 'SELECT m.conversation_id FROM messages m WHERE m.tenant_id = $1
            AND message_search_keys(m.tenant_id, m.created_at) @> ARRAY[$1::text]
            AND m.created_at < $2 AND NOT m.is_internal AND m.search_content LIKE $3
            ORDER BY m.created_at DESC LIMIT $4' USING tenant, (day + 1) * 86400000000, pattern, wanted - found;
    END IF;
END $$;
