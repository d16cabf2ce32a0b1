package mediastore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FS keeps each file under root, named by the SHA-256 of its key (any key is a safe name),
// as its content type, a newline, then its bytes.
type FS struct{ root string }

// NewFS returns a store in root, creating it.
func NewFS(root string) (*FS, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create media folder: %w", err)
	}
	return &FS{root: root}, nil
}

// Path is where key's file lives.
func (s *FS) Path(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(s.root, name[:2], name)
}

// Put writes a temporary file and renames it, so a reader sees the whole file or none.
func (s *FS) Put(_ context.Context, key string, f File) error {
	path := s.Path(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create media folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("store media: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	ct := strings.NewReplacer("\n", "", "\r", "").Replace(f.ContentType)
	_, err = tmp.Write(append([]byte(ct+"\n"), f.Body...))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("store media: %w", err)
	}
	return nil
}

func (s *FS) Get(_ context.Context, key string) (File, error) {
	raw, err := os.ReadFile(s.Path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, ErrNotFound
	}
	if err != nil {
		return File{}, fmt.Errorf("read media: %w", err)
	}
	ct, body, ok := bytes.Cut(raw, []byte("\n"))
	if !ok {
		return File{}, fmt.Errorf("read media %s: no content type line", key)
	}
	return File{ContentType: string(ct), Body: body}, nil
}

func (s *FS) Exists(_ context.Context, key string) (bool, error) {
	_, err := os.Stat(s.Path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat media: %w", err)
	}
	return true, nil
}

func (s *FS) Delete(_ context.Context, key string) error {
	if err := os.Remove(s.Path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete media: %w", err)
	}
	return nil
}
