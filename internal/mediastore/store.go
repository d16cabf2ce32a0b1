// Package mediastore keeps the files customers send: in the data folder by default, or in an
// S3-compatible object store that several nodes share.
package mediastore

import (
	"context"
	"errors"
	"path/filepath"
)

// ErrNotFound is a key with no file.
var ErrNotFound = errors.New("media file not found")

// File is a stored file.
type File struct {
	ContentType string
	Body        []byte
}

// Store keeps files by key ("tenant/channel/media id"). A key's file never changes, so a Put
// that races another for the same key is harmless.
type Store interface {
	Put(ctx context.Context, key string, f File) error
	// Get returns ErrNotFound when the key has no file.
	Get(ctx context.Context, key string) (File, error)
	Exists(ctx context.Context, key string) (bool, error)
	// Delete removes key's file; a key with no file is no error (erasure may run twice).
	Delete(ctx context.Context, key string) error
}

// Key names the file of a provider's media id on a channel of a tenant; the files agents
// upload have the channel "uploads".
func Key(tenant, channel, mediaID string) string {
	return tenant + "/" + channel + "/" + mediaID
}

// Open returns the S3 store of s3URL when it is set, otherwise the filesystem store in the
// data folder's "media" folder.
func Open(ctx context.Context, s3URL, dataDir string) (Store, error) {
	if s3URL != "" {
		return NewS3(ctx, s3URL)
	}
	return NewFS(filepath.Join(dataDir, "media"))
}
