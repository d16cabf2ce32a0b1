-- A contact has at most one open (not closed) conversation per channel. Ingest and
-- StartConversation look for it before opening one; this index makes sure that no two
-- writers can both open one: the loser's insert fails, and it joins the winner.
--
-- A database may already hold such twins. All but the newest open conversation of each
-- contact and channel, the one ingest has been adding to, are closed first, as an agent
-- closing them would (closed_at, and resolved_at unless set), but without a system message or
-- an event; their messages stay where they are.
UPDATE conversations SET status = 'closed',
    resolved_at = COALESCE(resolved_at, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)),
    closed_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
    updated_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
WHERE status <> 'closed' AND EXISTS (SELECT 1 FROM conversations n
    WHERE n.tenant_id = conversations.tenant_id AND n.contact_id = conversations.contact_id
    AND n.channel_id = conversations.channel_id AND n.status <> 'closed'
    AND (n.created_at > conversations.created_at OR (n.created_at = conversations.created_at AND n.id > conversations.id)));

CREATE UNIQUE INDEX conversations_one_open ON conversations (tenant_id, contact_id, channel_id)
    WHERE status <> 'closed';
