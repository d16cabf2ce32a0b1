-- Times are unix microseconds (UTC), as in the SQLite schema, so both stores share their SQL.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE tenants (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    event_seq  BIGINT NOT NULL DEFAULT 0, -- the last event sequence number given out
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants(id),
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_tenant ON users (tenant_id, first_name, last_name);

CREATE TABLE teams (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX teams_tenant ON teams (tenant_id, name);

CREATE TABLE team_members (
    team_id UUID NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE contacts (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL,
    country_code TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX contacts_tenant ON contacts (tenant_id, created_at, id);

CREATE TABLE channels (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX channels_tenant ON channels (tenant_id, created_at);

CREATE TABLE contact_identities (
    channel_id UUID NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    tenant_id  UUID NOT NULL,
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, address)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE campaigns (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE broadcasts (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    campaign_id UUID NOT NULL REFERENCES campaigns(id),
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE tags (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, lower(name));

CREATE TABLE conversations (
    id                UUID PRIMARY KEY,
    tenant_id         UUID NOT NULL REFERENCES tenants(id),
    contact_id        UUID NOT NULL REFERENCES contacts(id),
    channel_id        UUID NOT NULL REFERENCES channels(id),
    type              TEXT NOT NULL,
    status            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    category          TEXT NOT NULL,
    assigned_user_id  UUID REFERENCES users(id),
    assigned_team_id  UUID REFERENCES teams(id),
    broadcast_id      UUID REFERENCES broadcasts(id),
    campaign_id       UUID REFERENCES campaigns(id),
    unread_count      INTEGER NOT NULL DEFAULT 0,
    last_message      TEXT,    -- JSON summary of the newest message, for the list
    last_message_at   BIGINT,
    last_inbound_at   BIGINT,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    closed_at         BIGINT,
    activity_at       BIGINT NOT NULL, -- last_message_at, or created_at before any message
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX conversations_activity ON conversations (tenant_id, activity_at DESC, id);
CREATE INDEX conversations_status ON conversations (tenant_id, status, activity_at DESC);
CREATE INDEX conversations_assignee ON conversations (tenant_id, assigned_user_id, status);
CREATE INDEX conversations_team ON conversations (tenant_id, assigned_team_id);
CREATE INDEX conversations_contact ON conversations (tenant_id, contact_id, channel_id, created_at);
CREATE INDEX conversations_created ON conversations (tenant_id, created_at);
CREATE INDEX conversations_broadcast ON conversations (tenant_id, broadcast_id);
CREATE INDEX conversations_campaign ON conversations (tenant_id, campaign_id);

CREATE TABLE conversation_tags (
    conversation_id UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag_id          UUID NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id);

CREATE TABLE messages (
    id                  UUID PRIMARY KEY,
    tenant_id           UUID NOT NULL,
    conversation_id     UUID NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel_id          UUID NOT NULL,
    sender_type         TEXT NOT NULL,
    sender_id           UUID,
    content             TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    is_internal         BOOLEAN NOT NULL,
    attachments         TEXT NOT NULL,
    payload             TEXT,
    status              TEXT NOT NULL,
    provider_message_id TEXT,
    reply_to_id         UUID,
    error               TEXT NOT NULL DEFAULT '',
    is_read             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL,
    sent_at             BIGINT,
    delivered_at        BIGINT,
    read_at             BIGINT,
    failed_at           BIGINT
);
CREATE UNIQUE INDEX messages_provider_id ON messages (channel_id, provider_message_id);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX messages_tenant ON messages (tenant_id, created_at DESC, id DESC);
CREATE INDEX messages_unread ON messages (conversation_id) WHERE NOT is_read AND sender_type = 'end_user';

-- Trigram index for ILIKE '%term%' over message content and contact names.
CREATE INDEX messages_content_trgm ON messages USING gin (content gin_trgm_ops);

CREATE TABLE message_mentions (
    message_id UUID NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users(id),
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE message_status_history (
    message_id UUID NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    error      TEXT NOT NULL,
    recorded   BIGINT NOT NULL
);
CREATE INDEX message_status_history_message ON message_status_history (message_id, recorded);

CREATE TABLE parked_receipts (
    channel_id          UUID NOT NULL,
    provider_message_id TEXT NOT NULL,
    status              TEXT NOT NULL,
    at                  BIGINT NOT NULL,
    error               TEXT NOT NULL,
    parked_at           BIGINT NOT NULL
);
CREATE INDEX parked_receipts_key ON parked_receipts (channel_id, provider_message_id);

CREATE TABLE outbox (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL,
    message_id   UUID NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    channel_id   UUID NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt);

CREATE TABLE events (
    tenant_id        UUID NOT NULL,
    seq              BIGINT NOT NULL,
    type             TEXT NOT NULL,
    conversation_id  UUID,
    assigned_user_id UUID,
    data             TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_created ON events (created_at);
