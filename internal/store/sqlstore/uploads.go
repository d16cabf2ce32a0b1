package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

const uploadColumns = `id, tenant_id, uploaded_by, file_name, mime_type, size, created_at`

func uploadDest(u *inbox.MediaUpload) []any {
	return []any{&u.ID, &u.TenantID, optIDCol{&u.UploadedBy}, &u.FileName, &u.MimeType, &u.Size, timeCol{&u.CreatedAt}}
}

// CreateUpload records an uploaded file.
func (s *Store) CreateUpload(ctx context.Context, u inbox.MediaUpload) error {
	_, err := s.execWrite(ctx, `INSERT INTO media_uploads (`+uploadColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.TenantID, optID(u.UploadedBy), u.FileName, u.MimeType, u.Size, micros(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	return nil
}

// GetUpload returns an uploaded file of the tenant; another tenant's is inbox.ErrNotFound.
func (s *Store) GetUpload(ctx context.Context, tenant, id uuid.UUID) (inbox.MediaUpload, error) {
	var u inbox.MediaUpload
	err := s.scanOne(ctx, "get upload", `SELECT `+uploadColumns+` FROM media_uploads WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, uploadDest(&u)...)
	return u, err
}
