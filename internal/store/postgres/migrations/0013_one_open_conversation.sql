-- A contact has at most one open (not closed) conversation per channel. Ingest and
-- StartConversation look for it before opening one; this index makes sure that two nodes
-- doing so at once cannot both open one: the loser's insert fails, and it joins the winner.
--
-- A database may already hold such twins (three nodes taking a contact's first messages at
-- once opened 69 conversations for 30 contacts). All but the newest open conversation of each
-- contact and channel, the one ingest has been adding to, are closed first, as an agent
-- closing them would (closed_at, and resolved_at unless set), but without a system message or
-- an event; their messages stay where they are.
UPDATE conversations c SET status = 'closed', resolved_at = COALESCE(c.resolved_at, t.now_us),
    closed_at = t.now_us, updated_at = t.now_us
FROM (SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) AS now_us) t
WHERE c.status <> 'closed' AND EXISTS (SELECT 1 FROM conversations n
    WHERE n.tenant_id = c.tenant_id AND n.contact_id = c.contact_id AND n.channel_id = c.channel_id
    AND n.status <> 'closed' AND (n.created_at > c.created_at OR (n.created_at = c.created_at AND n.id > c.id)));

CREATE UNIQUE INDEX conversations_one_open ON conversations (tenant_id, contact_id, channel_id)
    WHERE status <> 'closed';
