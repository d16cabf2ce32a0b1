-- Replies of one conversation leave in the order they were queued: outbox.conversation_id
-- and outbox.seq, the item's place in its conversation's queue (taken under the
-- conversation's lock), let the claim pass over an item while an earlier one of its
-- conversation is still in the outbox, being sent or waiting for a retry.
ALTER TABLE outbox ADD COLUMN conversation_id UUID, ADD COLUMN seq BIGINT;
UPDATE outbox SET conversation_id = m.conversation_id FROM messages m WHERE m.id = outbox.message_id;
UPDATE outbox SET seq = o.n FROM (SELECT id, row_number() OVER (PARTITION BY conversation_id ORDER BY created_at, id) AS n
    FROM outbox) o WHERE o.id = outbox.id;
ALTER TABLE outbox ALTER COLUMN conversation_id SET NOT NULL, ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX outbox_conversation_seq ON outbox (conversation_id, seq);
