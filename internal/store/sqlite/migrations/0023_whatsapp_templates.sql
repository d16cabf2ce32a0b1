-- The approved message templates of each WhatsApp channel, as last synced from its business
-- account; a sync replaces a channel's set.
CREATE TABLE whatsapp_templates (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    category   TEXT NOT NULL,
    status     TEXT NOT NULL,
    components TEXT NOT NULL,
    synced_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, channel_id, name, language)
);
