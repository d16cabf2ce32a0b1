-- A user's TOTP second factor: the secret sealed with AES-GCM under a key derived from the
-- server's secret, pending until enabled_at is set; last_step is the last 30 s step whose code
-- was accepted, so no code is taken twice.
CREATE TABLE two_factor (
    user_id    UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    secret     BYTEA NOT NULL,
    enabled_at BIGINT,
    last_step  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX two_factor_tenant ON two_factor (tenant_id, user_id);

-- One-time recovery codes, as SHA-256 hashes; used_at is set when one is spent.
CREATE TABLE two_factor_recovery_codes (
    user_id   UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE INDEX two_factor_recovery_codes_tenant ON two_factor_recovery_codes (tenant_id, user_id);

-- Personal API keys: the SHA-256 of the key, never the key, and its first characters for
-- display. A key acts as its user with the lower of its role and the user's.
CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants(id),
    user_id      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_keys_tenant_user ON api_keys (tenant_id, user_id, created_at);
