-- A user's token version: every token carries the version it was issued under, and one of an
-- older version is refused. Logging out, logging out everywhere and changing or resetting the
-- password bump it.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

-- An invitation to join a tenant with a role and teams. Only the SHA-256 of its token is
-- kept; it is pending while neither accepted nor revoked and not expired.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    team_ids    TEXT NOT NULL, -- JSON array of team ids
    token_hash  TEXT NOT NULL,
    invited_by  TEXT REFERENCES users(id), -- NULL when made from the command line
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX invitations_token ON invitations (token_hash);
CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at);
CREATE INDEX invitations_email ON invitations (lower(email));

-- A password reset: single use, expiring; only the SHA-256 of its token is kept.
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE UNIQUE INDEX password_resets_token ON password_resets (token_hash);
CREATE INDEX password_resets_tenant ON password_resets (tenant_id, user_id);
