-- An admin can disable a channel: its webhooks answer 503 and replies on it are refused.
ALTER TABLE channels ADD COLUMN disabled_at INTEGER;

-- A channel's health line (GET /v1/channels/{id}/health): its newest inbound message, its
-- newest send, its failures of the last hour and its outbox backlog, each read from an index
-- without visiting the channel's other rows.
CREATE INDEX messages_channel_inbound ON messages (channel_id, created_at) WHERE sender_type = 'end_user';
CREATE INDEX messages_channel_sent ON messages (channel_id, sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX messages_channel_failed ON messages (channel_id, failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX outbox_channel ON outbox (channel_id, created_at);
