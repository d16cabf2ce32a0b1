-- The files agents upload to send as attachments (POST /v1/media): what the media store
-- keeps under "{tenant}/uploads/{id}", described. A reply's attachment names one by id.
CREATE TABLE media_uploads (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    uploaded_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    file_name   TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX media_uploads_tenant ON media_uploads (tenant_id, id);
