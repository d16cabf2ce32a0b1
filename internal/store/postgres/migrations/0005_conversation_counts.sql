-- Statistics and list totals add up counters kept per group of conversations instead of
-- reading every conversation. A trigger records each change of a conversation, in the
-- transaction that makes it, whatever code path makes it. "No team" and "nobody" are the nil
-- UUID, because a key column cannot be NULL.
--
-- The trigger only appends to the *_changes tables: updating the counters themselves would
-- make every transaction that touches a conversation of the same group (a new message in any
-- unassigned WhatsApp conversation) wait for the previous one's commit. Each node folds the
-- changes into the counters every second (conversation_counts_fold), and the *_now views that
-- the statistics read add the changes not folded yet.

-- conversation_days: by day of creation (UTC), for the v1 statistics and their date range.
CREATE TABLE conversation_days (
    tenant_id          UUID NOT NULL,
    day                BIGINT NOT NULL, -- created_at / 86400000000
    team_id            UUID NOT NULL,
    status             TEXT NOT NULL,
    channel_id         UUID NOT NULL,
    conversations      BIGINT NOT NULL,
    resolution_sum     BIGINT NOT NULL, -- microseconds from created_at to resolved_at
    resolved           BIGINT NOT NULL,
    first_response_sum BIGINT NOT NULL, -- microseconds from created_at to first_response_at
    first_responded    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day, team_id, status, channel_id)
);
CREATE TABLE conversation_day_changes (LIKE conversation_days);
CREATE VIEW conversation_days_now AS
    SELECT * FROM conversation_days UNION ALL SELECT * FROM conversation_day_changes;

-- conversation_loads: by assignee, for the agent workload, the team-inbox statistics and the
-- totals of lists filtered by status, channel, assignee or team.
CREATE TABLE conversation_loads (
    tenant_id          UUID NOT NULL,
    user_id            UUID NOT NULL,
    team_id            UUID NOT NULL,
    status             TEXT NOT NULL,
    channel_id         UUID NOT NULL,
    conversations      BIGINT NOT NULL,
    unread_messages    BIGINT NOT NULL,
    unread             BIGINT NOT NULL, -- conversations with unread messages
    first_response_sum BIGINT NOT NULL,
    first_responded    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, team_id, status, channel_id)
);
CREATE TABLE conversation_load_changes (LIKE conversation_loads);
CREATE VIEW conversation_loads_now AS
    SELECT * FROM conversation_loads UNION ALL SELECT * FROM conversation_load_changes;

-- The oldest waiting conversation of each agent is the first entry of this index.
CREATE INDEX conversations_waiting ON conversations (tenant_id, assigned_user_id, last_inbound_at)
    WHERE unread_count > 0 AND status <> 'closed';

-- The statistics no longer scan the conversations.
DROP INDEX conversations_stats;

-- conversation_counts takes the old row out of its groups and adds the new one, netted per
-- group. A table is left alone when none of its columns changed (a new message changes a
-- conversation's unread count, not its day's counters).
CREATE FUNCTION conversation_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR (OLD.tenant_id, OLD.created_at, OLD.assigned_team_id, OLD.status, OLD.channel_id,
        OLD.resolved_at, OLD.first_response_at) IS DISTINCT FROM (NEW.tenant_id, NEW.created_at,
        NEW.assigned_team_id, NEW.status, NEW.channel_id, NEW.resolved_at, NEW.first_response_at) THEN
        INSERT INTO conversation_day_changes
        SELECT tenant_id, created_at / 86400000000, COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'),
            status, channel_id, SUM(sign), SUM(sign * COALESCE(resolved_at - created_at, 0)),
            SUM(sign * (resolved_at IS NOT NULL)::int), SUM(sign * COALESCE(first_response_at - created_at, 0)),
            SUM(sign * (first_response_at IS NOT NULL)::int)
        FROM (SELECT (OLD).*, -1 AS sign WHERE TG_OP <> 'INSERT' UNION ALL SELECT (NEW).*, 1 WHERE TG_OP <> 'DELETE') c
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    IF TG_OP <> 'UPDATE' OR (OLD.tenant_id, OLD.created_at, OLD.assigned_user_id, OLD.assigned_team_id, OLD.status,
        OLD.channel_id, OLD.unread_count, OLD.first_response_at) IS DISTINCT FROM (NEW.tenant_id, NEW.created_at,
        NEW.assigned_user_id, NEW.assigned_team_id, NEW.status, NEW.channel_id, NEW.unread_count,
        NEW.first_response_at) THEN
        INSERT INTO conversation_load_changes
        SELECT tenant_id, COALESCE(assigned_user_id, '00000000-0000-0000-0000-000000000000'),
            COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'), status, channel_id, SUM(sign),
            SUM(sign * unread_count), SUM(sign * (unread_count > 0)::int),
            SUM(sign * COALESCE(first_response_at - created_at, 0)), SUM(sign * (first_response_at IS NOT NULL)::int)
        FROM (SELECT (OLD).*, -1 AS sign WHERE TG_OP <> 'INSERT' UNION ALL SELECT (NEW).*, 1 WHERE TG_OP <> 'DELETE') c
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- conversation_counts_fold moves the recorded changes into the counters, in key order (two
-- nodes folding at once lock the counters in the same order and cannot deadlock). A change
-- another fold already moved is skipped by this one's DELETE.
CREATE FUNCTION conversation_counts_fold() RETURNS void AS $$
BEGIN
    WITH moved AS (DELETE FROM conversation_day_changes RETURNING *)
    INSERT INTO conversation_days AS d
    SELECT tenant_id, day, team_id, status, channel_id, SUM(conversations), SUM(resolution_sum), SUM(resolved),
        SUM(first_response_sum), SUM(first_responded)
    FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, day, team_id, status, channel_id) DO UPDATE SET
        conversations = d.conversations + EXCLUDED.conversations,
        resolution_sum = d.resolution_sum + EXCLUDED.resolution_sum, resolved = d.resolved + EXCLUDED.resolved,
        first_response_sum = d.first_response_sum + EXCLUDED.first_response_sum,
        first_responded = d.first_responded + EXCLUDED.first_responded;
    WITH moved AS (DELETE FROM conversation_load_changes RETURNING *)
    INSERT INTO conversation_loads AS l
    SELECT tenant_id, user_id, team_id, status, channel_id, SUM(conversations), SUM(unread_messages), SUM(unread),
        SUM(first_response_sum), SUM(first_responded)
    FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, user_id, team_id, status, channel_id) DO UPDATE SET
        conversations = l.conversations + EXCLUDED.conversations,
        unread_messages = l.unread_messages + EXCLUDED.unread_messages, unread = l.unread + EXCLUDED.unread,
        first_response_sum = l.first_response_sum + EXCLUDED.first_response_sum,
        first_responded = l.first_responded + EXCLUDED.first_responded;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER conversation_counts AFTER INSERT OR DELETE OR UPDATE OF tenant_id, created_at, assigned_user_id,
    assigned_team_id, status, channel_id, unread_count, resolved_at, first_response_at ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_counts();

-- The counters of the conversations already there.
INSERT INTO conversation_days
SELECT tenant_id, created_at / 86400000000, COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'),
    status, channel_id, COUNT(*), COALESCE(SUM(resolved_at - created_at), 0), COUNT(resolved_at),
    COALESCE(SUM(first_response_at - created_at), 0), COUNT(first_response_at)
FROM conversations GROUP BY 1, 2, 3, 4, 5;

INSERT INTO conversation_loads
SELECT tenant_id, COALESCE(assigned_user_id, '00000000-0000-0000-0000-000000000000'),
    COALESCE(assigned_team_id, '00000000-0000-0000-0000-000000000000'), status, channel_id, COUNT(*),
    SUM(unread_count), COUNT(*) FILTER (WHERE unread_count > 0), COALESCE(SUM(first_response_at - created_at), 0),
    COUNT(first_response_at)
FROM conversations GROUP BY 1, 2, 3, 4, 5;
