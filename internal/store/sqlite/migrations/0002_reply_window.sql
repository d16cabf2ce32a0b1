-- The last_inbound_at whose 24-hour window closing has been announced to the agents.
ALTER TABLE conversations ADD COLUMN window_closed_at INTEGER;
CREATE INDEX conversations_last_inbound ON conversations (last_inbound_at);
