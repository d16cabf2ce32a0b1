package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Indexing is how a dialect indexes the rows its triggers queue for search (SQLite's
// messages for its FTS5 content indexes) in batches rather than at every commit: FTS5 writes
// a segment per transaction, and at a steady 1,000 webhooks/s, one or two messages a
// commit, that took a third of the node's CPU. A write transaction indexes the queue last,
// before it commits, once the queue was last indexed Interval ago or holds Backlog rows;
// the rows the last writes leave are indexed by Store.IndexLate. Searches must match the
// queued rows apart.
type Indexing struct {
	// Queued is a query of how many rows are queued.
	Queued string
	// Statements index the queued rows and empty the queue.
	Statements []string
	// Interval is how often, at most, a steady stream of writes indexes the queue.
	Interval time.Duration
	// Backlog is how many queued rows are indexed at once, however recent the last time:
	// it bounds both one commit's indexing and what a search matches row by row.
	Backlog int
}

// indexState is when a commit last indexed the queue, and whether one has left rows in it
// since. Both are recorded before the commit: should it fail, the next one finds the rows.
type indexState struct {
	mu      sync.Mutex
	at      time.Time
	pending bool
}

// beforeCommit indexes the queue of the dialect's Indexing when it is due, last in a write
// transaction.
func (s *Store) beforeCommit(ctx context.Context, q *queries) error {
	ix := s.d.Indexing
	if ix == nil {
		return nil
	}
	var n int
	if err := q.row(ctx, ix.Queued).Scan(&n); err != nil {
		return fmt.Errorf("before commit: count queued: %w", q.d.wrap(err))
	}
	s.index.mu.Lock()
	due := n >= ix.Backlog || n > 0 && time.Since(s.index.at) >= ix.Interval
	s.index.pending = n > 0 && !due
	s.index.mu.Unlock()
	if !due {
		return nil
	}
	for _, stmt := range ix.Statements {
		if _, err := q.exec(ctx, stmt); err != nil {
			return fmt.Errorf("before commit: %w", err)
		}
	}
	s.index.mu.Lock()
	s.index.at = time.Now()
	s.index.mu.Unlock()
	return nil
}

// IndexLate indexes the rows a commit left queued once the queue was last indexed the
// dialect's Indexing.Interval ago, in a write transaction of its own: run every half
// interval, it bounds how long a row waits for the index once the writes stop.
func (s *Store) IndexLate(ctx context.Context) error { return s.indexQueued(ctx, true) }

// IndexQueued indexes now the rows a commit left queued, in a write transaction of its own.
// Rows that no commit of this store has seen (left by a crash, or written outside its
// transactions) wait for the next write.
func (s *Store) IndexQueued(ctx context.Context) error { return s.indexQueued(ctx, false) }

func (s *Store) indexQueued(ctx context.Context, late bool) error {
	ix := s.d.Indexing
	if ix == nil {
		return nil
	}
	s.index.mu.Lock()
	run := s.index.pending && (!late || time.Since(s.index.at) >= ix.Interval)
	if run {
		s.index.at = time.Time{} // due: the transaction's commit indexes the queue
	}
	s.index.mu.Unlock()
	if !run {
		return nil
	}
	if err := s.InTx(ctx, func(inbox.Queries) error { return nil }); err != nil {
		return fmt.Errorf("index queued rows: %w", err)
	}
	return nil
}
