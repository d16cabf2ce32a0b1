-- Times are unix microseconds (UTC); ids are UUID text; JSON is text.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    event_seq  INTEGER NOT NULL DEFAULT 0, -- the last event sequence number given out
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_tenant ON users (tenant_id, first_name, last_name);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX teams_tenant ON teams (tenant_id, name);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE contacts (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL,
    country_code TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX contacts_tenant ON contacts (tenant_id, created_at, id);

CREATE TABLE channels (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX channels_tenant ON channels (tenant_id, created_at);

CREATE TABLE contact_identities (
    channel_id TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, address)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE broadcasts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (tenant_id, lower(name));

CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    contact_id        TEXT NOT NULL REFERENCES contacts(id),
    channel_id        TEXT NOT NULL REFERENCES channels(id),
    type              TEXT NOT NULL,
    status            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    category          TEXT NOT NULL,
    assigned_user_id  TEXT REFERENCES users(id),
    assigned_team_id  TEXT REFERENCES teams(id),
    broadcast_id      TEXT REFERENCES broadcasts(id),
    campaign_id       TEXT REFERENCES campaigns(id),
    unread_count      INTEGER NOT NULL DEFAULT 0,
    last_message      TEXT,    -- JSON summary of the newest message, for the list
    last_message_at   INTEGER,
    last_inbound_at   INTEGER,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    activity_at       INTEGER NOT NULL, -- last_message_at, or created_at before any message
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
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
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    tag_id          TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id);

CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL,
    conversation_id     TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel_id          TEXT NOT NULL,
    sender_type         TEXT NOT NULL,
    sender_id           TEXT,
    content             TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    is_internal         INTEGER NOT NULL,
    attachments         TEXT NOT NULL,
    payload             TEXT,
    status              TEXT NOT NULL,
    provider_message_id TEXT,
    reply_to_id         TEXT,
    error               TEXT NOT NULL DEFAULT '',
    is_read             INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    sent_at             INTEGER,
    delivered_at        INTEGER,
    read_at             INTEGER,
    failed_at           INTEGER
);
CREATE UNIQUE INDEX messages_provider_id ON messages (channel_id, provider_message_id);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, id);
CREATE INDEX messages_tenant ON messages (tenant_id, created_at DESC, id DESC);
CREATE INDEX messages_unread ON messages (conversation_id) WHERE NOT is_read AND sender_type = 'end_user';

-- Trigram full-text index over message content (search needs 3 characters or more).
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TABLE message_mentions (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (message_id, user_id)
);

CREATE TABLE message_status_history (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    at         INTEGER NOT NULL,
    error      TEXT NOT NULL,
    recorded   INTEGER NOT NULL
);
CREATE INDEX message_status_history_message ON message_status_history (message_id, recorded);

CREATE TABLE parked_receipts (
    channel_id          TEXT NOT NULL,
    provider_message_id TEXT NOT NULL,
    status              TEXT NOT NULL,
    at                  INTEGER NOT NULL,
    error               TEXT NOT NULL,
    parked_at           INTEGER NOT NULL
);
CREATE INDEX parked_receipts_key ON parked_receipts (channel_id, provider_message_id);

CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    channel_id   TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt);

CREATE TABLE events (
    tenant_id        TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    type             TEXT NOT NULL,
    conversation_id  TEXT,
    assigned_user_id TEXT,
    data             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_created ON events (created_at);
