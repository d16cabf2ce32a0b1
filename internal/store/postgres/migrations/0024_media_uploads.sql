-- The files agents upload to send as attachments (POST /v1/media): what the media store
-- keeps under "{tenant}/uploads/{id}", described. A reply's attachment names one by id.
CREATE TABLE media_uploads (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    uploaded_by UUID REFERENCES users(id) ON DELETE SET NULL,
    file_name   TEXT NOT NULL,
    mime_type   TEXT NOT NULL,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX media_uploads_tenant ON media_uploads (tenant_id, id);
