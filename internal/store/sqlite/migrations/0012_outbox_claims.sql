-- outbox.claim_token: who holds an item's lease. Each claim sets a fresh random token, and
-- completing, rescheduling or extending the item requires it, so a worker whose lease ran
-- out changes nothing once another worker has taken the item over.
ALTER TABLE outbox ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';

-- messages.send_attempts: how many times the outbox tried to send the message, shown to the
-- agents with the last attempt's error (in messages.error) while the reply is retried.
ALTER TABLE messages ADD COLUMN send_attempts INTEGER NOT NULL DEFAULT 0;
