package transfer

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestSQLiteToPostgres copies a seeded SQLite inbox and checks that PostgreSQL then holds
// every row and answers the same lists and statistics, its counters rebuilt by its triggers.
func TestSQLiteToPostgres(t *testing.T) {
	dst := storetest.OpenPostgres(t).(*postgres.Store)
	src := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h := auth.NewHasher(auth.DefaultArgon2, 2)
	if _, err := seed.Demo(ctx, src, h, now, ""); err != nil {
		t.Fatal(err)
	}
	tenant, _, err := seed.Bulk(ctx, src, h, 60, 500, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	user := seed.DemoUserID(auth.RoleAdmin)
	key := apikeys.Key{ID: uuid.Must(uuid.NewV7()), TenantID: seed.DemoTenantID, UserID: user, Name: "k", Prefix: "tik_abcdefgh", Hash: "h", Role: auth.RoleViewer, CreatedAt: now}
	for _, err := range []error{
		src.SaveTwoFactorSecret(ctx, seed.DemoTenantID, user, []byte{0, 1, 2, 255}, now),
		src.EnableTwoFactor(ctx, seed.DemoTenantID, user, 7, []string{"r1", "r2"}, now),
		src.CreateAPIKey(ctx, key),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := SQLiteToPostgres(ctx, src.DB(), dst.DB(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	wantTF, err1 := src.GetTwoFactor(ctx, seed.DemoTenantID, user)
	gotTF, err2 := dst.GetTwoFactor(ctx, seed.DemoTenantID, user)
	if diff := cmp.Diff(wantTF, gotTF); diff != "" || err1 != nil || err2 != nil {
		t.Errorf("two-factor (-SQLite +PostgreSQL) %v %v:\n%s", err1, err2, diff)
	}
	if got, err := dst.GetAPIKeyByHash(ctx, "h"); err != nil || !cmp.Equal(got, key) {
		t.Errorf("api key copied as %+v, %v", got, err)
	}
	for _, table := range tables {
		var want, got int
		if err := src.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := dst.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want || table == "messages" && want == 0 {
			t.Errorf("%s: %d rows copied of %d", table, got, want)
		}
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	for _, tn := range []inbox.Tenant{{ID: seed.DemoTenantID}, {ID: tenant}} {
		want, err := src.ConversationStats(ctx, tn.ID, inbox.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := dst.ConversationStats(ctx, tn.ID, inbox.StatsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, approx); diff != "" || want.Total == 0 {
			t.Errorf("statistics (-SQLite +PostgreSQL):\n%s", diff)
		}
		wantIn, err := src.InboxStats(ctx, tn.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		gotIn, err := dst.InboxStats(ctx, tn.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantIn, gotIn, approx); diff != "" {
			t.Errorf("inbox statistics (-SQLite +PostgreSQL):\n%s", diff)
		}
		// A search's total adds up the contacts' conversation counts, which the copy rebuilds.
		for _, f := range []inbox.ConversationFilter{{Status: inbox.StatusActive, Limit: 20}, {Search: "Maria", Limit: 20}} {
			wantList, wantTotal, err := src.ListConversations(ctx, tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			gotList, gotTotal, err := dst.ListConversations(ctx, tn.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantList, gotList); diff != "" || gotTotal != wantTotal {
				t.Errorf("list %+v: total %d, want %d (-SQLite +PostgreSQL):\n%s", f, gotTotal, wantTotal, diff)
			}
		}
	}
	if err := SQLiteToPostgres(ctx, src.DB(), dst.DB(), slog.New(slog.DiscardHandler)); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("a second copy into the same database: %v, want ErrNotEmpty", err)
	}
}

// TestCopyIsOneMoment writes an event to the SQLite database while the copy runs, after the
// tenants (and their event counters) are copied and before the events are: the copy must
// hold neither the new event nor its counter's move, or PostgreSQL would number its next
// event with a number already taken.
func TestCopyIsOneMoment(t *testing.T) {
	dst := storetest.OpenPostgres(t).(*postgres.Store)
	src := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if _, err := seed.Demo(ctx, src, auth.NewHasher(auth.DefaultArgon2, 2), now, ""); err != nil {
		t.Fatal(err)
	}
	appendEvent := func() error {
		return src.InTx(ctx, func(q inbox.Queries) error {
			return q.AppendEvent(ctx, &inbox.Event{TenantID: seed.DemoTenantID, Type: inbox.EventReplyWindow, Data: []byte(`{}`)})
		})
	}
	if err := appendEvent(); err != nil {
		t.Fatal(err)
	}
	var writeErr error
	log := slog.New(onCopied{table: "tenants", fn: func() { writeErr = appendEvent() }})
	if err := SQLiteToPostgres(ctx, src.DB(), dst.DB(), log); err != nil {
		t.Fatal(err)
	}
	if writeErr != nil {
		t.Fatalf("the write during the copy: %v", writeErr)
	}
	var counter, newest, events int64
	if err := dst.DB().QueryRowContext(ctx, `SELECT t.event_seq, MAX(e.seq), COUNT(*) FROM tenants t JOIN events e ON e.tenant_id = t.id
		WHERE t.id = $1 GROUP BY t.event_seq`, seed.DemoTenantID).Scan(&counter, &newest, &events); err != nil {
		t.Fatal(err)
	}
	if counter != newest || events != newest {
		t.Errorf("copied: event counter %d, %d events up to seq %d; want the counter at the newest event", counter, events, newest)
	}
	if err := src.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE tenant_id = ?`, seed.DemoTenantID.String()).Scan(&events); err != nil || events != newest+1 {
		t.Errorf("SQLite holds %d events (%v), want the %d copied and the one written during the copy", events, err, newest)
	}
}

// onCopied is a log handler that runs fn when the copy logs that it copied table.
type onCopied struct {
	table string
	fn    func()
}

func (h onCopied) Enabled(context.Context, slog.Level) bool { return true }
func (h onCopied) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h onCopied) WithGroup(string) slog.Handler            { return h }
func (h onCopied) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "table" && a.Value.String() == h.table {
			h.fn()
		}
		return true
	})
	return nil
}

// TestEveryTableCopied fails when a migration adds a table that the copy neither copies nor
// knows to be derived: a new table's rows would be left behind by a move to PostgreSQL.
func TestEveryTableCopied(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	rows, err := st.DB().QueryContext(context.Background(),
		`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts_%' AND name NOT LIKE '%names_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for _, n := range append(tables, derived...) {
		known[n] = true
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !known[name] {
			t.Errorf("table %s is neither copied (transfer.tables, in foreign-key order) nor listed as derived", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
