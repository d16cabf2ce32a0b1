package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// serverData makes what `serve` leaves in a data folder (or in PostgreSQL at databaseURL):
// a migrated database with the demo tenant, and the JWT secret.
func serverData(t *testing.T, databaseURL string) (dir string, secret []byte) {
	t.Helper()
	ctx := context.Background()
	cfg := &config.Config{DataDir: t.TempDir(), DatabaseURL: databaseURL}
	st, err := openStore(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := seed.Demo(ctx, st, auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	if secret, err = cfg.Secret(); err != nil {
		t.Fatal(err)
	}
	return cfg.DataDir, secret
}

func runToken(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := writeToken(context.Background(), &out, args)
	return strings.TrimSpace(out.String()), err
}

// TestTokenNeedsTheServersData: without the server's secret or database, or for a user the
// database does not have, `teaminbox token` fails saying why, and creates nothing.
func TestTokenNeedsTheServersData(t *testing.T) {
	t.Setenv("TEAMINBOX_JWT_SECRET", "")
	t.Setenv("DATABASE_URL", "")
	empty := t.TempDir()
	if out, err := runToken(t, "--data", empty); err == nil || !strings.Contains(err.Error(), "no JWT secret") || out != "" {
		t.Errorf("no secret: printed %q, error %v; want a no-secret error", out, err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the data folder got %d files, want none", len(entries))
	}
	t.Setenv("TEAMINBOX_JWT_SECRET", "a-secret-given-in-the-environment-0123")
	if out, err := runToken(t, "--data", empty); err == nil || !strings.Contains(err.Error(), "no database") || out != "" {
		t.Errorf("no database: printed %q, error %v; want a no-database error", out, err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the data folder got %d files, want none", len(entries))
	}
	t.Setenv("TEAMINBOX_JWT_SECRET", "")

	dir, secret := serverData(t, "")
	tokens, err := auth.NewTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runToken(t, "--data", dir, "--role", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := tokens.Verify(out, auth.AudienceAPI); err != nil || p.UserID != seed.DemoUserID(auth.RoleViewer) || p.Role != auth.RoleViewer {
		t.Errorf("the token %q verifies as %+v, %v; want the demo viewer", out, p, err)
	}
	out, err = runToken(t, "--data", dir, "--user", seed.DemoUserID(auth.RoleExecutive).String())
	if p, _ := tokens.Verify(out, auth.AudienceAPI); err != nil || p.Role != auth.RoleExecutive {
		t.Errorf("--user of the executive: %v, role %q; want the user's own role", err, p.Role)
	}
	for name, args := range map[string][]string{
		"unknown user":     {"--user", uuid.NewString()},
		"unknown tenant":   {"--tenant", uuid.NewString()},
		"another role":     {"--user", seed.DemoUserID(auth.RoleViewer).String(), "--role", "admin"},
		"missing database": {"--data", filepath.Join(dir, "elsewhere"), "--jwt-secret", string(secret)},
	} {
		if out, err := runToken(t, append([]string{"--data", dir}, args...)...); err == nil || out != "" {
			t.Errorf("%s: printed %q, error %v; want a refusal", name, out, err)
		}
	}
}

// TestTokenOnPostgres: the same refusal against the server's PostgreSQL database.
func TestTokenOnPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	t.Setenv("TEAMINBOX_JWT_SECRET", "")
	dir, _ := serverData(t, url)
	if out, err := runToken(t, "--data", dir, "--database-url", url, "--user", uuid.NewString()); err == nil || out != "" {
		t.Errorf("unknown user: printed %q, error %v; want a refusal", out, err)
	}
	if out, err := runToken(t, "--data", dir, "--database-url", url, "--role", "executive"); err != nil || out == "" {
		t.Errorf("the demo executive: printed %q, error %v", out, err)
	}
}
