-- Replies of one conversation leave in the order they were queued: outbox.conversation_id
-- and outbox.seq, the item's place in its conversation's queue (taken under the
-- conversation's lock), let the claim pass over an item while an earlier one of its
-- conversation is still in the outbox, being sent or waiting for a retry.
ALTER TABLE outbox ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET conversation_id = (SELECT m.conversation_id FROM messages m WHERE m.id = outbox.message_id);
UPDATE outbox SET seq = (SELECT COUNT(*) FROM outbox o WHERE o.conversation_id = outbox.conversation_id
    AND (o.created_at < outbox.created_at OR o.created_at = outbox.created_at AND o.id <= outbox.id));
CREATE UNIQUE INDEX outbox_conversation_seq ON outbox (conversation_id, seq);
