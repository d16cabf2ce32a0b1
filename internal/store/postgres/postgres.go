// Package postgres is the production store: PostgreSQL through pgx, shared by every node.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/teaminbox/teaminbox/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Store
	stopFolding func()
	url         string
	lead        lead
}

// foldInterval is how often the statistics' recorded changes are folded into their counters
// (see migration 0005).
const foldInterval = time.Second

// DefaultMaxConns is the most connections a store opens when Open is given none: four per
// core this process may use. Past the database's cores, more connections do not add
// throughput but cost it (each backend's snapshots, locks and context switches): on a
// 2-core machine, one node took 787 webhooks/s with 32 and 860/s with 8, three nodes 509/s
// with 32 each and 693/s with 4 each (bench/README.md).
func DefaultMaxConns() int { return 4 * runtime.GOMAXPROCS(0) }

// Open connects to the database at url (a postgres:// URL or key=value string) with at most
// maxConns connections (DefaultMaxConns when not positive); log gets the background
// folding's failures.
func Open(ctx context.Context, url string, maxConns int, log *slog.Logger) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if maxConns <= 0 {
		maxConns = DefaultMaxConns()
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{Store: sqlstore.New(db, dialect), url: url}
	s.stopFolding = sqlstore.Every(foldInterval, "fold conversation counts", log, s.FoldCounts)
	return s, nil
}

// FoldCounts moves the changes the conversations' triggers recorded into the statistics'
// counters, which keeps the changes few for the statistics to add up.
func (s *Store) FoldCounts(ctx context.Context) error {
	if _, err := s.DB().ExecContext(ctx, `SELECT conversation_counts_fold()`); err != nil {
		if notMigrated(err) {
			return nil // the migration that creates it has not run yet (or is running)
		}
		return fmt.Errorf("fold conversation counts: %w", err)
	}
	return nil
}

// notMigrated tells an undefined function or table.
func notMigrated(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "42883" || e.Code == "42P01")
}

// Close stops the folding and closes the pool.
func (s *Store) Close() error {
	s.stopFolding()
	s.ReleaseLead(context.Background())
	return s.Store.Close()
}

// leadLock is the pg_advisory_lock key of the sequencers' numbering lead: one per schema,
// for the test suites' schemas share a database.
const leadLock = `hashtextextended('teaminbox numbering lead ' || current_schema(), 0)`

// lead is the connection on which a node tries for the numbering lead, and holds it.
type lead struct {
	mu   sync.Mutex
	conn *pgx.Conn // nil until the first try, and after a failure
	held bool
}

// HoldLead (sequencer.Lead) holds the numbering lead as a session lock on a connection of
// its own, outside the pool: a node that stops or loses the connection gives it up with it.
func (s *Store) HoldLead(ctx context.Context) (bool, error) {
	s.lead.mu.Lock()
	defer s.lead.mu.Unlock()
	l := &s.lead
	if l.conn == nil {
		conn, err := pgx.Connect(ctx, s.url)
		if err != nil {
			return false, fmt.Errorf("connect for the numbering lead: %w", err)
		}
		l.conn, l.held = conn, false
	}
	var err error
	if l.held {
		err = l.conn.Ping(ctx)
	} else {
		err = l.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+leadLock+`)`).Scan(&l.held)
	}
	if err != nil {
		_ = l.conn.Close(ctx) // a lock it held went with it
		l.conn, l.held = nil, false
		return false, fmt.Errorf("numbering lead: %w", err)
	}
	return l.held, nil
}

// ReleaseLead (sequencer.Lead) closes the lead's connection, and the lock with it.
func (s *Store) ReleaseLead(ctx context.Context) {
	s.lead.mu.Lock()
	defer s.lead.mu.Unlock()
	if s.lead.conn != nil {
		_ = s.lead.conn.Close(ctx)
		s.lead.conn, s.lead.held = nil, false
	}
}

// Migrate brings the schema up to date, then runs then (see sqlstore.Store.Migrate); nodes
// starting together take turns.
func (s *Store) Migrate(ctx context.Context, then ...func(ctx context.Context) error) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return s.Store.Migrate(ctx, sub, then...)
}

// Optimize refreshes the planner's statistics, for use after a bulk load (autovacuum does
// it otherwise, but later).
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.DB().ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// contentSearchWalk is how many of the newest messages a content search reads in time order
// before it turns to the trigram index: a term in one message in four of them or more is
// found there, for ~2 ms.
const contentSearchWalk = 2000

// migrationLock is the pg_advisory_lock key of schema migrations ("teaminbx").
const migrationLock = 0x7465616d696e6278

//go:embed queries.sql
var queriesSQL string

// named is PostgreSQL's queries.sql.
var named = sqlstore.MustParseNamed(queriesSQL)

var dialect = &sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	SQL:      named,
	// Notes have an index of their own (migration 0034): a search without them (the
	// caller's NOT m.is_internal) reads the customer-visible messages' alone.
	ContentMatch: func(term string, internal bool) (string, []any) {
		pat := sqlstore.LikePattern(term)
		if internal {
			return named.Get("content_match_all"), []any{pat, pat, pat}
		}
		return named.Get("content_match"), []any{pat, pat}
	},
	RecentContentMatches: func(tenant uuid.UUID, term string, limit int, rare bool) (string, []any) {
		walk := contentSearchWalk
		if rare {
			// The walk would read its 2,000 messages for a few matches: ~2 ms at 10M, where
			// the newest messages lie apart in the table (those of a seeded set).
			walk = 0
		}
		return named.Get("recent_content_matches"), []any{tenant, sqlstore.LikePattern(term), limit, walk}
	},
	// A search by name finds contacts, each standing for its conversations.
	NameMatches: func(tenant uuid.UUID, term string) sqlstore.NameMatch {
		pat := sqlstore.LikePattern(term)
		// Testing a conversation's contact (its row, then the contact's) costs two to three
		// times reading a matching contact (its row, found through the index).
		m := sqlstore.NameMatch{Query: named.Get("name_matches"), Args: []any{tenant, pat},
			Key: named.Get("name_match_key"), Count: named.Get("name_match_count"), Reads: 1}
		// Phones are stored in E.164: a term with anything but digits and + cannot be in
		// one, and leaving that index out saves a third of a name search.
		if strings.Trim(term, "+0123456789") == "" {
			// Where the term starts with its +, so does any phone that holds it: the phone
			// is looked up by prefix in a btree (migration 0035). Its trigrams, digits each
			// common, took 8 ms for one number among 1M.
			phone := pat
			if strings.HasPrefix(term, "+") {
				phone = strings.TrimPrefix(pat, "%")
			}
			m.Query, m.Args = named.Get("name_or_phone_matches"), append(m.Args, phone)
		}
		return m
	},
	InList:         func(subquery string) string { return strings.Replace(named.Get("in_list"), "{subquery}", subquery, 1) },
	FreshPlan:      pgx.QueryExecModeExec,
	SequenceEvents: true,
	// Writers run side by side: work that loses a deadlock (two transactions locking the
	// same rows in opposite orders) or a serialization check runs again.
	Retryable: func(err error) string {
		var e *pgconn.PgError
		if errors.As(err, &e) {
			switch e.Code {
			case "40P01":
				return "deadlock"
			case "40001":
				return "serialization"
			}
		}
		return ""
	},
	IsUnique: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	LockMigrations: func(ctx context.Context, conn *sql.Conn) (func(), error) {
		if _, err := conn.ExecContext(ctx, named.Get("lock_migrations"), int64(migrationLock)); err != nil {
			return nil, err
		}
		return func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), named.Get("unlock_migrations"), int64(migrationLock))
		}, nil
	},
}
