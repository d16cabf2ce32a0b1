-- Who did what to a business's settings, people and data, when and from where. No foreign
-- key to tenants: the entry that records a business's deletion outlives the business.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    actor_id    TEXT,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    ip          TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    created_at  INTEGER NOT NULL
);
-- The log is read newest first, per tenant, optionally narrowed to an action or an object.
CREATE INDEX audit_log_tenant_time ON audit_log (tenant_id, created_at DESC, id DESC);
CREATE INDEX audit_log_tenant_object ON audit_log (tenant_id, object_type, object_id, created_at DESC);
