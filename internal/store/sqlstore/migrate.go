package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// renamedMigrations maps a migration's former version to its name now, so that a database
// that applied it under the former name does not apply it again. The two trees once gave
// 0010 to different changes; each tree now holds every number, a change that concerns one
// database being a no-op in the other's tree, so that one number is one change in both.
var renamedMigrations = map[string]string{
	"0010_unread_counts_in_place": "0010b_unread_counts_in_place", // SQLite's
	"0010_content_search_by_day":  "0010a_content_search_by_day",  // PostgreSQL's
}

// Migrate applies the *.sql files of migrations not applied yet, in name order, each in
// its own transaction, under the dialect's cross-process lock; then it runs each of then,
// still under the lock, for what must be done once per database by whichever node starts
// first (the demo tenant), not by each of several nodes starting together.
func (s *Store) Migrate(ctx context.Context, migrations fs.FS, then ...func(ctx context.Context) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := s.d.LockMigrations(ctx, conn)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for old, renamed := range renamedMigrations {
		if _, err := conn.ExecContext(ctx, s.d.bind(`UPDATE schema_migrations SET version = ? WHERE version = ?`), renamed, old); err != nil {
			return fmt.Errorf("migrate: rename %s: %w", old, err)
		}
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		version := strings.TrimSuffix(name, ".sql")
		var n int
		if err := conn.QueryRowContext(ctx, s.d.bind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(migrations, name)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.d.bind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), version, micros(time.Now())); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	for _, fn := range then {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}
