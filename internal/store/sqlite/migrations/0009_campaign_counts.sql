-- conversation_campaigns: how many conversations each campaign and broadcast has, by status,
-- for the totals of lists filtered by campaign or broadcast, which counted the campaign's
-- conversations one by one (20,000 of them in the benchmark's campaign). Only conversations
-- of a campaign or a broadcast are counted; "none" is the nil UUID.
CREATE TABLE conversation_campaigns (
    tenant_id     TEXT NOT NULL,
    campaign_id   TEXT NOT NULL,
    broadcast_id  TEXT NOT NULL,
    status        TEXT NOT NULL,
    conversations INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, broadcast_id, status)
) WITHOUT ROWID;
CREATE VIEW conversation_campaigns_now AS SELECT * FROM conversation_campaigns;

-- As with conversation_day_changes (migration 0005): a conversation written into this view
-- with a sign is added to (+1) or taken out of (-1) its group.
CREATE VIEW conversation_campaign_changes AS SELECT tenant_id, campaign_id, broadcast_id, status, 0 AS sign
    FROM conversations WHERE 0;

CREATE TRIGGER conversation_campaign_count INSTEAD OF INSERT ON conversation_campaign_changes
WHEN NEW.campaign_id IS NOT NULL OR NEW.broadcast_id IS NOT NULL
BEGIN
    INSERT INTO conversation_campaigns VALUES (NEW.tenant_id,
        COALESCE(NEW.campaign_id, '00000000-0000-0000-0000-000000000000'),
        COALESCE(NEW.broadcast_id, '00000000-0000-0000-0000-000000000000'), NEW.status, NEW.sign)
    ON CONFLICT DO UPDATE SET conversations = conversations + excluded.conversations;
END;

CREATE TRIGGER conversation_campaigns_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_campaign_changes VALUES (NEW.tenant_id, NEW.campaign_id, NEW.broadcast_id, NEW.status, 1);
END;

CREATE TRIGGER conversation_campaigns_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversation_campaign_changes VALUES (OLD.tenant_id, OLD.campaign_id, OLD.broadcast_id, OLD.status, -1);
END;

CREATE TRIGGER conversation_campaigns_update AFTER UPDATE OF tenant_id, campaign_id, broadcast_id, status ON conversations
WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.campaign_id IS NOT NEW.campaign_id
    OR OLD.broadcast_id IS NOT NEW.broadcast_id OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO conversation_campaign_changes VALUES (OLD.tenant_id, OLD.campaign_id, OLD.broadcast_id, OLD.status, -1);
    INSERT INTO conversation_campaign_changes VALUES (NEW.tenant_id, NEW.campaign_id, NEW.broadcast_id, NEW.status, 1);
END;

-- The counters of the conversations already there.
INSERT INTO conversation_campaigns
SELECT tenant_id, COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'),
    COALESCE(broadcast_id, '00000000-0000-0000-0000-000000000000'), status, COUNT(*)
FROM conversations WHERE campaign_id IS NOT NULL OR broadcast_id IS NOT NULL GROUP BY 1, 2, 3, 4;
