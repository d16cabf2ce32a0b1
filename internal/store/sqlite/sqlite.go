// Package sqlite is the embedded store: a single SQLite file in WAL mode, pure Go.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/teaminbox/teaminbox/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the SQLite store.
type Store struct {
	*sqlstore.Store
	stopCheckpoints, stopIndexing func()
}

// Open opens (creating if needed) the database file at path. Every transaction begins
// IMMEDIATE: SQLite has one writer, and a deferred transaction that reads and then writes
// fails with SQLITE_BUSY instead of waiting for it. Checkpoints run in the background (see
// checkpoints), not inside the commit that crosses SQLite's threshold. Temporary files
// (statement and savepoint journals, sorts) stay in memory: a group commit's savepoints
// would otherwise write every page they touch to disk once more. Messages are indexed for
// content search in batches (see indexInterval). log gets the checkpoints' and the
// indexing's failures.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	return open(ctx, path, "sqlite", dialect, log)
}

// open is Open with the database/sql driver and the dialect given.
func open(ctx context.Context, path, driverName string, d *sqlstore.Dialect, log *slog.Logger) (*Store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(" + busyTimeoutMS + ")" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(0)&_txlock=immediate"
	read, err := openPool(ctx, driverName, path, dsn, readers())
	if err != nil {
		return nil, err
	}
	// The transactions run one at a time, and database/sql hands out the connection
	// returned last, so they all run on one connection, whose page cache keeps what every
	// write goes through (the upper levels of the indexes, their newest leaves); SQLite's
	// default 2 MB does not hold it. The second connection prepares a statement new to the
	// cache while the first is in a transaction.
	write, err := openPool(ctx, driverName, path, dsn+"&_pragma=cache_size(-"+writerCacheKiB+")", 2)
	if err != nil {
		read.Close()
		return nil, err
	}
	s := &Store{Store: sqlstore.NewWithWriter(read, write, d)}
	s.stopCheckpoints = sqlstore.Every(checkpointInterval, "sqlite checkpoint", log, s.checkpoint)
	s.stopIndexing = sqlstore.Every(d.Indexing.Interval/2, "sqlite content index", log, s.IndexLate)
	return s, nil
}

// readers is how many connections read at once: twice the cores. Reads are CPU-bound (the
// file's pages are in the OS's cache), so more add no throughput, and each connection holds
// its page cache, its prepared statements and what its sorts and searches allocate (~10 MB
// under bench/apiload's read mix).
func readers() int { return 2 * runtime.GOMAXPROCS(0) }

const (
	// writerCacheKiB is the size of the writer's page cache.
	writerCacheKiB = "65536"
)

func openPool(ctx context.Context, driverName, path, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// busyTimeoutMS is how long a connection waits for a lock another holds.
const busyTimeoutMS = "10000"

const (
	// indexInterval is how often, at most, a steady stream of writes indexes the messages
	// queued for content search, and indexBacklog how many queued messages are indexed at
	// once (see sqlstore.Indexing). Indexed at every commit, a segment of FTS5's each, the
	// messages of 1,000 webhooks/s took a third of the node's CPU.
	indexInterval = 200 * time.Millisecond
	indexBacklog  = 256

	checkpointInterval = time.Second
	// restartPages is how long the WAL may grow (in pages of 4 KiB) before a checkpoint
	// waits for a pause in the writes to finish (see checkpoint).
	restartPages = 16384
	// A restart waits for at most maxPasses more passive passes, the last of which copied
	// fewer than restRestartPages pages.
	maxPasses        = 8
	restRestartPages = 256
)

// checkpoint copies what it can of the WAL without blocking readers or writers (PASSIVE),
// every checkpointInterval in the background: SQLite's automatic checkpoint would run inside
// whichever commit crosses 1,000 pages, and its fsyncs would land on that request, the tail of
// the write latency.
// The WAL starts again from its beginning only when a writer finds it wholly copied, which a
// steady stream of writes never lets happen (a bulk seed grows it to gigabytes). So
// once it is restartPages long, the rest is copied in a turn between two transactions
// (RESTART), and the next write starts the WAL over. Writers wait for that turn, so first
// more passive passes copy what came in during the pass before, until one has little to
// copy, and the turn holds the writers for as short a time as it can.
func (s *Store) checkpoint(ctx context.Context) error { return s.checkpointUpTo(ctx, restartPages) }

// checkpointUpTo is checkpoint with the WAL restarted once it is restartAt pages long.
func (s *Store) checkpointUpTo(ctx context.Context, restartAt int) error {
	pages, copied, err := s.passiveCheckpoint(ctx)
	if err != nil || pages < restartAt {
		return err
	}
	for range maxPasses {
		before := copied
		if _, copied, err = s.passiveCheckpoint(ctx); err != nil {
			return err
		}
		if copied-before < restRestartPages {
			break
		}
	}
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	defer conn.Close()
	// Writers wait for the restart; the restart must not wait for readers (a long export
	// would stall every write): if one is still on the old WAL, try again next time.
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 5`); err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA busy_timeout = `+busyTimeoutMS) //nolint:errcheck // the pool's setting, put back
	return s.BetweenTx(ctx, func(ctx context.Context) error {
		if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`); err != nil {
			return fmt.Errorf("restart checkpoint: %w", err)
		}
		return nil
	})
}

// passiveCheckpoint copies the WAL's pages into the database as far as readers allow; pages
// is the WAL's length when it began, copied how far the copy has reached.
func (s *Store) passiveCheckpoint(ctx context.Context) (pages, copied int, err error) {
	var busy int
	if err := s.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &pages, &copied); err != nil {
		return 0, 0, fmt.Errorf("passive checkpoint: %w", err)
	}
	return pages, copied, nil
}

// Close stops the checkpoints and the indexing, indexes the messages left queued, and
// closes the database (which checkpoints what is left).
func (s *Store) Close() error {
	s.stopIndexing()
	s.stopCheckpoints()
	return errors.Join(s.IndexQueued(context.Background()), s.Store.Close())
}

// Optimize refreshes the query planner's statistics where they are missing or stale,
// sampling rather than reading whole tables, for use after a bulk load. Not at migration:
// statistics taken of empty tables mislead the planner as they fill (seeding slowed 30×).
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.DB().ExecContext(ctx, `PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002`); err != nil {
		return fmt.Errorf("optimize sqlite: %w", err)
	}
	return nil
}

// Migrate brings the schema up to date, then runs then (see sqlstore.Store.Migrate).
func (s *Store) Migrate(ctx context.Context, then ...func(ctx context.Context) error) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	if err := s.Store.Migrate(ctx, sub, then...); err != nil {
		return err
	}
	// A database that has statistics (it was bulk-loaded) needs them for the indexes a
	// migration just added, or the planner misjudges them (a list takes seconds, not ms).
	var analyzed int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&analyzed); err != nil {
		return fmt.Errorf("sqlite statistics: %w", err)
	}
	if analyzed > 0 {
		return s.Optimize(ctx)
	}
	return nil
}

// phrase quotes term as an FTS5 phrase: over a trigram index, a case-insensitive substring.
func phrase(term string) string { return `"` + strings.ReplaceAll(term, `"`, `""`) + `"` }

//go:embed queries.sql
var queriesSQL string

// named is SQLite's queries.sql.
var named = sqlstore.MustParseNamed(queriesSQL)

var dialect = newDialect()

// newDialect returns SQLite's dialect (tests change theirs).
func newDialect() *sqlstore.Dialect {
	return &sqlstore.Dialect{
		Name:              "sqlite",
		SQL:               named,
		SingleWriter:      true,
		PrepareStatements: true,
		Indexing: &sqlstore.Indexing{
			Queued:     named.Get("queued_messages"),
			Statements: []string{named.Get("index_queued_messages"), named.Get("index_queued_notes"), named.Get("clear_message_queue")},
			Interval:   indexInterval,
			Backlog:    indexBacklog,
		},
		// The messages still queued for the index are matched by a LIKE pattern.
		ContentMatch: func(term string, notes bool) (string, []any) {
			if notes {
				return named.Get("content_match_with_notes"), []any{phrase(term), phrase(term), sqlstore.LikePattern(term)}
			}
			return named.Get("content_match"), []any{phrase(term), sqlstore.LikePattern(term)}
		},
		RecentContentMatches: func(tenant uuid.UUID, term string, limit int, _ bool) (string, []any) {
			return named.Get("recent_content_matches"), []any{phrase(term), tenant, limit, tenant, sqlstore.LikePattern(term), limit}
		},
		// A search by name finds conversations, through the trigram index for 3 characters or more.
		NameMatches: func(tenant uuid.UUID, term string) sqlstore.NameMatch {
			// Testing a conversation's contact reads its row and the contact's, ~12 µs, where
			// a key from the index costs ~0.5 µs.
			m := sqlstore.NameMatch{Key: named.Get("name_match_key"), Count: named.Get("name_match_count"), Reads: 5}
			if utf8.RuneCountInString(term) < sqlstore.MinIndexedTerm {
				pat := sqlstore.LikePattern(term)
				m.Query, m.Args = named.Get("short_name_matches"), []any{tenant, tenant, pat, pat}
				return m
			}
			m.Query, m.Args = named.Get("name_matches"), []any{phrase(term), tenant, tenant}
			return m
		},
		IsUnique: func(err error) bool {
			var e *msqlite.Error
			return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
		},
		LockMigrations: func(context.Context, *sql.Conn) (func(), error) {
			// One process owns the file; each migration's immediate transaction excludes others.
			return func() {}, nil
		},
	}
}
