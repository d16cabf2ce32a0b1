// Package storetest holds the conformance suite every inbox.Store passes, and helpers that
// open a fresh store for tests of other packages.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
)

// PostgresEnv names the variable that points tests at a PostgreSQL server.
const PostgresEnv = "TEAMINBOX_TEST_POSTGRES_URL"

// OpenSQLite returns a migrated SQLite store in a temporary folder, closed when t ends.
func OpenSQLite(t testing.TB) inbox.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "inbox.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// OpenPostgres returns a migrated PostgreSQL store in a schema of its own, dropped when t
// ends. It skips the test when TEAMINBOX_TEST_POSTGRES_URL is unset.
func OpenPostgres(t testing.TB) inbox.Store {
	t.Helper()
	return OpenPostgresAt(t, PostgresURL(t))
}

// PostgresURL creates a schema of its own for t, dropped when t ends, and returns the URL of
// the test database with that schema first in the search path. It skips the test when
// TEAMINBOX_TEST_POSTGRES_URL is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set: skipping the PostgreSQL variant (.ci/run sets it)")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	// pg_trgm lives in public, shared by every test schema.
	for _, stmt := range []string{`CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`, `CREATE SCHEMA ` + schema} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgresAt returns a migrated store on the database at dsn (one node of several, when
// called again with the same dsn), closed when t ends.
func OpenPostgresAt(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, dsn, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// NewConversations stores a tenant with a WhatsApp channel and n open conversations on it,
// each of a contact of its own (a contact has one open conversation per channel), for the
// tests of one store; it returns their ids.
func NewConversations(t testing.TB, st inbox.Store, n int) (tenant uuid.UUID, conversations []uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	tn := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "A", CreatedAt: now}
	channel := inbox.Channel{ID: uuid.Must(uuid.NewV7()), TenantID: tn.ID, Kind: inbox.ChannelWhatsApp, Name: "wa", Config: map[string]string{}, CreatedAt: now}
	for _, err := range []error{st.CreateTenant(ctx, tn), st.CreateChannel(ctx, channel)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		contact := inbox.Contact{ID: uuid.Must(uuid.NewV7()), TenantID: tn.ID, FirstName: "Carla", Phone: fmt.Sprintf("+1555%07d", i), CreatedAt: now, UpdatedAt: now}
		c := inbox.Conversation{ID: uuid.Must(uuid.NewV7()), TenantID: tn.ID, ContactID: contact.ID, ChannelID: channel.ID, Type: "support",
			Status: inbox.StatusActive, Priority: inbox.PriorityMedium, Category: "general", CreatedAt: now, UpdatedAt: now}
		for _, err := range []error{st.CreateContact(ctx, contact), st.CreateConversation(ctx, c)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		conversations = append(conversations, c.ID)
	}
	return tn.ID, conversations
}

// Retries adds up the transactions the stores' metrics count as run again.
func Retries(t testing.TB, stores ...interface{ Collectors() []prometheus.Collector }) float64 {
	t.Helper()
	total := 0.0
	for _, st := range stores {
		reg := prometheus.NewRegistry()
		reg.MustRegister(st.Collectors()...)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "teaminbox_db_transaction_retries_total" {
				for _, m := range f.GetMetric() {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}
