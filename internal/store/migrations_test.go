package store_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"testing"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/sqlstore"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestMigrationTreesAlign checks that one number is one change in both databases: the two
// trees hold the same file names (a change that concerns one database is a no-op file in the
// other's tree).
func TestMigrationTreesAlign(t *testing.T) {
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("sqlite/migrations"), names("postgres/migrations")
	for _, n := range lite {
		if !slices.Contains(pg, n) {
			t.Errorf("%s is in SQLite's tree only", n)
		}
	}
	for _, n := range pg {
		if !slices.Contains(lite, n) {
			t.Errorf("%s is in PostgreSQL's tree only", n)
		}
	}
}

type migrating interface {
	inbox.Store
	DB() *sql.DB
	Migrate(ctx context.Context, then ...func(ctx context.Context) error) error
}

// TestRenamedMigrationsNotRunAgain migrates a database, records a migration under its former
// name as a database made before the rename did, and migrates again: the migration must not
// run a second time (each of them fails when it does: its trigger or index is gone or there).
func TestRenamedMigrationsNotRunAgain(t *testing.T) {
	for name, c := range map[string]struct {
		open        func(testing.TB) inbox.Store
		former, now string
		noop        string // the no-op a database made before the rename lacks
	}{
		"sqlite":   {storetest.OpenSQLite, "0010_unread_counts_in_place", "0010b_unread_counts_in_place", "0010a_content_search_by_day"},
		"postgres": {storetest.OpenPostgres, "0010_content_search_by_day", "0010a_content_search_by_day", "0010b_unread_counts_in_place"},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := c.open(t).(migrating)
			db := st.DB()
			exec := func(q string, args ...any) {
				t.Helper()
				if name == "postgres" {
					q = map[string]string{
						`UPDATE schema_migrations SET version = ? WHERE version = ?`: `UPDATE schema_migrations SET version = $1 WHERE version = $2`,
						`DELETE FROM schema_migrations WHERE version = ?`:            `DELETE FROM schema_migrations WHERE version = $1`,
					}[q]
				}
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			exec(`UPDATE schema_migrations SET version = ? WHERE version = ?`, c.former, c.now)
			exec(`DELETE FROM schema_migrations WHERE version = ?`, c.noop)
			if err := st.Migrate(ctx); err != nil {
				t.Fatalf("migrate a database made before the rename: %v", err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version IN ('`+c.former+`')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("the former version %s is still recorded", c.former)
			}
			for _, v := range []string{c.now, c.noop} {
				if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = '`+v+`'`).Scan(&n); err != nil || n != 1 {
					t.Errorf("%s recorded %d times (%v)", v, n, err)
				}
			}
		})
	}
}

// TestQueriesHaveTheSharedSections checks that each dialect's queries.sql has the sections
// the shared code reads.
func TestQueriesHaveTheSharedSections(t *testing.T) {
	for _, file := range []string{"sqlite/queries.sql", "postgres/queries.sql"} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n, err := sqlstore.ParseNamed(string(text))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := n.CheckShared(); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}
