// Package sqlstore implements inbox.Store once, over database/sql, for both SQLite and
// PostgreSQL. The two schemas store the same shapes (unix-microsecond times, JSON as text),
// so one set of queries serves both; a Dialect carries what really differs: the SQL text,
// kept in each dialect's queries.sql of named sections (row locks, case-insensitive matching,
// full-text search, the tenant lock), and the behaviour (placeholders, how transactions are
// grouped, error codes, migration locking).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Store is an inbox.Store over a *sql.DB.
type Store struct {
	queries
	db *sql.DB // reads, and statements outside transactions
	// writer runs the transactions, with prepared statements of its own; it is db unless
	// the store was given a writer (see NewWithWriter).
	writer       *writer
	group        groupCommit            // runs the transactions when the dialect has a single writer
	retries      *prometheus.CounterVec // transactions run again, by reason
	batchTimeout time.Duration          // see SetBatchTimeout
	index        indexState             // see Dialect.Indexing
}

var _ inbox.Store = (*Store)(nil)

type writer struct {
	db    *sql.DB
	stmts *stmtCache
}

// New wraps db, whose schema Migrate brings up to date.
func New(db *sql.DB, d *Dialect) *Store {
	s := &Store{queries: queries{x: db, d: d, stmts: newStmtCache(db, d), inboxWalks: inboxSearchWalks, rowTested: rowTestedMax}, db: db, retries: newRetries(),
		batchTimeout: defaultBatchTimeout}
	s.writer = &writer{db: db, stmts: s.stmts}
	return s
}

// NewWithWriter is New with the transactions run on write, for SQLite a pool whose
// transactions all run on one connection. A commit made on one connection makes every other
// drop its whole page cache at its next read, so a writer that kept changing connections read
// again the pages it had just written; one connection keeps them. Reads never wait for a
// connection of the writer's, nor the writer for one of theirs.
func NewWithWriter(read, write *sql.DB, d *Dialect) *Store {
	s := New(read, d)
	s.writer = &writer{db: write, stmts: newStmtCache(write, d)}
	return s
}

func newStmtCache(db *sql.DB, d *Dialect) *stmtCache {
	if !d.PrepareStatements {
		return nil
	}
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// SetBatchTimeout sets how long a group commit's batch may run (30 s by default) before its
// work fails with context.DeadlineExceeded. Call it before the store is used.
func (s *Store) SetBatchTimeout(d time.Duration) { s.batchTimeout = d }

// SetInboxSearchWalks sets the windows a content search of the messages inbox walks before it
// turns to the index (inboxSearchWalks by default), so that a test's few messages reach each
// step. Call it before the store is used.
func (s *Store) SetInboxSearchWalks(walks ...int) { s.inboxWalks = walks }

// SetRowTestedMax sets the longest window of a conversations search's walk whose messages are
// tested one by one (rowTestedMax by default), so that a test's few conversations reach
// either test. Call it while the store is not in use.
func (s *Store) SetRowTestedMax(n int) { s.rowTested = n }

// Waiting returns how many transactions (or turns between them) are queued for the single
// writer, for tests.
func (s *Store) Waiting() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.waiting)
}

// DB returns the underlying pool, for tests and tools.
func (s *Store) DB() *sql.DB { return s.db }

// Observe has fn called with every statement the store runs, as sent to the database, and
// its arguments: the plan tests explain them. Call it before the store is used.
func (s *Store) Observe(fn func(query string, args []any)) { s.observe = fn }

// InTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(q inbox.Queries) error) error {
	if s.d.SingleWriter {
		// Queue here rather than in the database's busy handler, which polls with sleeps.
		return s.group.run(ctx, s, fn)
	}
	return s.runAlone(ctx, fn)
}

// InsertMessage inserts m and touches its conversation in one transaction; outside one, each
// statement would commit alone, and no commit of the store would see the message queued for
// indexing (see Dialect.Indexing).
func (s *Store) InsertMessage(ctx context.Context, m inbox.Message, t inbox.Touch) (*inbox.Touched, error) {
	var touched *inbox.Touched
	err := s.InTx(ctx, func(q inbox.Queries) error {
		var err error
		touched, err = q.InsertMessage(ctx, m, t)
		return err
	})
	return touched, err
}

// Every runs fn every interval in the background, logging its failures to log as what,
// until the returned stop is called; stop waits for a run in progress.
func Every(interval time.Duration, what string, log *slog.Logger, fn func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					log.WarnContext(ctx, what, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// BetweenTx runs fn when no transaction of this store is running, and starts none until
// it returns: for work that needs the database's write lock outside a transaction, such as
// SQLite's checkpoints, which would otherwise wait for a gap in the writes that the busy
// handler's polling rarely finds.
func (s *Store) BetweenTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.d.SingleWriter {
		return s.group.runBetween(ctx, s, fn)
	}
	return fn(ctx)
}

// runTx runs fn in one transaction; see runAlone for the one to call.
func (s *Store) runTx(ctx context.Context, fn func(q inbox.Queries) error) error {
	tx, q, err := s.begin(ctx)
	if err != nil {
		return err
	}
	if err := call(fn, q); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := s.beforeCommit(ctx, q); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// call runs a transaction's work, a panic in it becoming its error: the work is rolled back
// as after any failure, and the goroutine that runs the group commits goes on.
func call(fn func(q inbox.Queries) error, q inbox.Queries) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a transaction: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(q)
}

// begin starts a write transaction on the writer.
func (s *Store) begin(ctx context.Context) (*sql.Tx, *queries, error) {
	tx, err := s.writer.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	return tx, &queries{x: tx, d: s.d, stmts: s.writer.stmts, tx: tx, observe: s.observe, inboxWalks: s.inboxWalks, rowTested: s.rowTested}, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the pools.
func (s *Store) Close() error {
	s.stmts.close()
	err := s.db.Close()
	if s.writer.db != s.db {
		s.writer.stmts.close()
		err = errors.Join(err, s.writer.db.Close())
	}
	return err
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements inbox.Queries on a pool or a transaction.
type queries struct {
	x     querier
	d     *Dialect
	stmts *stmtCache // nil: no prepared statements
	tx    *sql.Tx    // set inside a transaction
	// detached, when set, replaces the callers' contexts: a shared (group) transaction
	// must not be interrupted by one of them.
	detached context.Context
	observe  func(query string, args []any) // see Store.Observe
	// inboxWalks are the windows of inboxSearchWalks (see Store.SetInboxSearchWalks).
	inboxWalks []int
	rowTested  int // see Store.SetRowTestedMax
}

func (q *queries) context(ctx context.Context) context.Context {
	if q.detached != nil {
		return q.detached
	}
	return ctx
}

// on returns what runs query: a cached prepared statement when there is one, else x.
func (q *queries) on(ctx context.Context, query string) querier {
	st := q.stmts.get(ctx, query)
	if st == nil {
		return q.x
	}
	if q.tx != nil {
		st = q.tx.StmtContext(ctx, st) // reuses the statement prepared on the transaction's connection
	}
	return stmtQuerier{st}
}

// statement returns the context and the query text a statement runs with, and shows it to
// the observer.
func (q *queries) statement(ctx context.Context, query string, args []any) (context.Context, string) {
	query = q.d.bind(query)
	if q.observe != nil {
		q.observe(query, args)
	}
	return q.context(ctx), query
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, query = q.statement(ctx, query, args)
	res, err := q.on(ctx, query).ExecContext(ctx, query, args...)
	return res, q.d.wrap(err)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, query = q.statement(ctx, query, args)
	rows, err := q.on(ctx, query).QueryContext(ctx, query, args...)
	return rows, q.d.wrap(err)
}

func (q *queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, query = q.statement(ctx, query, args)
	return q.on(ctx, query).QueryRowContext(ctx, query, args...)
}

// scanOne runs a one-row query; no row is inbox.ErrNotFound.
func (q *queries) scanOne(ctx context.Context, what, query string, args []any, dest ...any) error {
	err := q.row(ctx, query, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, q.d.wrap(err))
	}
	return nil
}

// exists is ErrNotFound when the query returns no row.
func (q *queries) exists(ctx context.Context, what, query string, args ...any) error {
	var one int
	return q.scanOne(ctx, what, query, args, &one)
}

// freshPlan puts FreshPlan before args.
func (d *Dialect) freshPlan(args []any) []any {
	if d.FreshPlan == nil {
		return args
	}
	return append([]any{d.FreshPlan}, args...)
}

// affected turns "no row changed" into inbox.ErrNotFound.
func affected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, inbox.ErrNotFound)
	}
	return nil
}

// Dialect is what differs between the databases.
type Dialect struct {
	Name string
	// Numbered rewrites the ? placeholders the queries are written with to $1, $2, ...
	Numbered bool
	// InList, when set, is the condition that a value is among the rows of a subquery, the
	// subquery run first, alone; IN (subquery) otherwise. PostgreSQL's IN is a semi-join,
	// which may walk the whole outer table to probe the subquery's few rows.
	InList func(subquery string) string
	// SingleWriter says the database runs one write transaction at a time (SQLite), so the
	// store queues writers itself.
	SingleWriter bool
	// PrepareStatements keeps statements prepared across calls; worth it where parsing is
	// dear (the pure-Go SQLite) and the driver does not cache them itself (pgx does).
	PrepareStatements bool
	// ContentMatch is a condition on messages aliased m that holds when m.content contains
	// term (3 characters or more, any case), answered through an index, and its arguments.
	// Without notes, it may leave internal notes out (SQLite's then reads no index of theirs);
	// the caller filters them out all the same.
	ContentMatch func(term string, notes bool) (cond string, args []any)
	// RecentContentMatches is a query of the conversation ids of the newest limit messages
	// of tenant, notes excluded, whose content contains term (3 characters or more), and its
	// arguments. It must read neither every match of a common term nor every newer message
	// that lacks the term. rare says the newest conversations hold no match: a way that pays
	// off for a common term (PostgreSQL's walk down the newest messages) is not worth taking.
	RecentContentMatches func(tenant uuid.UUID, term string, limit int, rare bool) (query string, args []any)
	// NameMatches finds the tenant's conversations whose contact's full name or phone
	// contains term (any case), through an index when term has 3 characters or more.
	NameMatches func(tenant uuid.UUID, term string) NameMatch
	// SequenceEvents stores events unnumbered, for NumberEvents to number after their
	// transactions commit: where writers run side by side (PostgreSQL), a counter taken in
	// each transaction would be held until its commit and make a tenant's writers take turns.
	SequenceEvents bool
	// Retryable names why an error is worth running a transaction's work again ("deadlock",
	// "serialization"), or is "" when it is not.
	Retryable func(err error) string
	// Indexing, when set, indexes what the triggers queue for search, last in the write
	// transactions that find it due (SQLite's content indexes).
	Indexing *Indexing
	// FreshPlan, when set, is put before a query's arguments to have the database plan it
	// for those arguments: PostgreSQL runs it as an unnamed statement, not a cached prepared
	// one whose generic plan ignores how many rows a search term matches (a phone number
	// was searched by walking all 2M messages).
	FreshPlan any
	// SQL is the dialect's queries.sql: the statements and fragments of shared code that
	// differ between the databases, by name (sharedSections lists the ones every dialect has;
	// an empty one is a fragment the database does without, such as SQLite's row locks).
	SQL Named
	// IsUnique tells a unique-key violation.
	IsUnique func(err error) bool
	// LockMigrations serializes migrations across processes on conn.
	LockMigrations func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)

	rebound sync.Map // query text → numbered form
}

// NameMatch is how a dialect finds the conversations of a search by contact name or phone.
type NameMatch struct {
	// Query selects k: one key per match, standing for one conversation or for all the
	// conversations of one contact (one at least). Args are its arguments. It ends where a
	// LIMIT may be added.
	Query string
	Args  []any
	// Key is the expression on conversations aliased c that k is compared with.
	Key string
	// Count is the number of conversations the keys stand for, an expression over the
	// query's rows named named.
	Count string
	// Reads is how many keys a search by cursor reads, in multiples of sqrt(rows wanted ·
	// the tenant's conversations), before it walks the list instead, testing each row's
	// contact: about sqrt(the test's cost over a key's), which bounds both ways' cost.
	Reads int
}

// bind rewrites placeholders for the dialect.
func (d *Dialect) bind(query string) string {
	if !d.Numbered {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	numbered := numberPlaceholders(query)
	d.rebound.Store(query, numbered)
	return numbered
}

// numberPlaceholders rewrites each ? of query that is SQL, not text, to $1, $2, ...: a ?
// inside a string literal ('it”s?'), a quoted identifier ("a?"), a comment (-- ?, /* ? */)
// or a dollar-quoted string ($$?$$, $tag$?$tag$) is left alone.
func numberPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		end := i + 1
		switch {
		case c == '\'' || c == '"':
			end = closing(query, i+1, string(c))
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end = closing(query, i+2, "\n")
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			end = closing(query, i+2, "*/")
		case c == '$':
			if tag, ok := dollarTag(query[i:]); ok {
				end = closing(query, i+len(tag), tag)
			}
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			i++
			continue
		}
		b.WriteString(query[i:end])
		i = end
	}
	return b.String()
}

// closing returns the index just past the first delim at or after from (a quote doubled
// inside a literal, ” or "", escapes it and does not close it), or len(query) when none.
func closing(query string, from int, delim string) int {
	for {
		j := strings.Index(query[from:], delim)
		if j < 0 {
			return len(query)
		}
		end := from + j + len(delim)
		if (delim == "'" || delim == `"`) && strings.HasPrefix(query[end:], delim) {
			from = end + len(delim)
			continue
		}
		return end
	}
}

// dollarTag returns the opening $tag$ (or $$) at the start of s, if s starts with one; a
// $1 parameter is not one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 1 && c >= '0' && c <= '9':
		default:
			return "", false
		}
	}
	return "", false
}

// inList is the condition that a value is among the rows of subquery (see InList).
func (d *Dialect) inList(subquery string) string {
	if d.InList != nil {
		return d.InList(subquery)
	}
	return `IN (` + subquery + `)`
}

// wrap maps unique violations to inbox.ErrDuplicate, keeping the driver's message.
func (d *Dialect) wrap(err error) error {
	if err != nil && d.IsUnique(err) {
		return fmt.Errorf("%w: %v", inbox.ErrDuplicate, err)
	}
	return err
}
