-- conversation_campaigns: how many conversations each campaign and broadcast has, by status,
-- for the totals of lists filtered by campaign or broadcast, which counted the campaign's
-- conversations one by one (20,000 of them in the benchmark's campaign, 5–9 ms while traffic
-- keeps the visibility map from covering them). Only conversations of a campaign or a
-- broadcast are counted; "none" is the nil UUID. As in migration 0005, the trigger appends
-- changes and conversation_counts_fold moves them into the counters.
CREATE TABLE conversation_campaigns (
    tenant_id     UUID NOT NULL,
    campaign_id   UUID NOT NULL,
    broadcast_id  UUID NOT NULL,
    status        TEXT NOT NULL,
    conversations BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, broadcast_id, status)
);
CREATE TABLE conversation_campaign_changes (LIKE conversation_campaigns);
CREATE VIEW conversation_campaigns_now AS
    SELECT * FROM conversation_campaigns UNION ALL SELECT * FROM conversation_campaign_changes;

CREATE FUNCTION conversation_campaign_counts() RETURNS trigger AS $$
BEGIN
    INSERT INTO conversation_campaign_changes
    SELECT tenant_id, COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(broadcast_id, '00000000-0000-0000-0000-000000000000'), status, SUM(sign)
    FROM (SELECT (OLD).*, -1 AS sign WHERE TG_OP <> 'INSERT' UNION ALL SELECT (NEW).*, 1 WHERE TG_OP <> 'DELETE') c
    WHERE campaign_id IS NOT NULL OR broadcast_id IS NOT NULL
    GROUP BY 1, 2, 3, 4 HAVING SUM(sign) <> 0;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER conversation_campaign_counts AFTER INSERT OR DELETE OR UPDATE OF tenant_id, campaign_id, broadcast_id,
    status ON conversations FOR EACH ROW EXECUTE FUNCTION conversation_campaign_counts();

-- conversation_counts_fold (which each node runs every second) now also folds these.
ALTER FUNCTION conversation_counts_fold() RENAME TO conversation_totals_fold;
CREATE FUNCTION conversation_counts_fold() RETURNS void AS $$
BEGIN
    PERFORM conversation_totals_fold();
    WITH moved AS (DELETE FROM conversation_campaign_changes RETURNING *)
    INSERT INTO conversation_campaigns AS k
    SELECT tenant_id, campaign_id, broadcast_id, status, SUM(conversations)
    FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, campaign_id, broadcast_id, status) DO UPDATE SET
        conversations = k.conversations + EXCLUDED.conversations;
END $$ LANGUAGE plpgsql;

-- The counters of the conversations already there.
INSERT INTO conversation_campaigns
SELECT tenant_id, COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'),
    COALESCE(broadcast_id, '00000000-0000-0000-0000-000000000000'), status, COUNT(*)
FROM conversations WHERE campaign_id IS NOT NULL OR broadcast_id IS NOT NULL GROUP BY 1, 2, 3, 4;
