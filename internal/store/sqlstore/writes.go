package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// The store's background writes (the outbox worker's, the event pruning) run in the writers'
// queue where the database has a single writer. On its own, such a write would take SQLite's
// write lock between two batches of the queue, and the next batch would wait in SQLite's busy
// handler, which sleeps 1 ms, then 2, 5, 10...; under heavy inbound traffic the outbox worker
// would wait there too, and the replies with it. Elsewhere each is a single statement.

// inWriter runs fn in a transaction of the writers' queue where the dialect has a single
// writer, and on the pool otherwise.
func (s *Store) inWriter(ctx context.Context, fn func(q inbox.Queries) error) error {
	if !s.d.SingleWriter {
		return fn(&s.queries)
	}
	return s.InTx(ctx, fn)
}

// ClaimOutbound first reads whether anything is claimable, without a lock: most polls find
// nothing.
func (s *Store) ClaimOutbound(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]inbox.OutboxItem, error) {
	err := s.exists(ctx, "outbox due", `SELECT 1 FROM outbox o WHERE `+claimable+` LIMIT 1`, micros(now))
	if errors.Is(err, inbox.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var items []inbox.OutboxItem
	err = s.inWriter(ctx, func(q inbox.Queries) error {
		items, err = q.ClaimOutbound(ctx, now, lease, limit)
		return err
	})
	return items, err
}

func (s *Store) ExtendOutbound(ctx context.Context, id uuid.UUID, claim string, until time.Time) error {
	return s.inWriter(ctx, func(q inbox.Queries) error { return q.ExtendOutbound(ctx, id, claim, until) })
}

func (s *Store) CompleteOutbound(ctx context.Context, id uuid.UUID, claim string) error {
	return s.inWriter(ctx, func(q inbox.Queries) error { return q.CompleteOutbound(ctx, id, claim) })
}

func (s *Store) RetryOutbound(ctx context.Context, id uuid.UUID, claim string, at time.Time, lastError string) error {
	return s.inWriter(ctx, func(q inbox.Queries) error { return q.RetryOutbound(ctx, id, claim, at, lastError) })
}

func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.inWriter(ctx, func(q inbox.Queries) error {
		var err error
		n, err = q.PruneEvents(ctx, before)
		return err
	})
	return n, err
}

// The stores of the packages other than the inbox's (people, credentials, audit...) write
// through these, with the store's own queries.

// write runs fn as one write: in the writers' queue where the dialect has a single writer
// (see inWriter), on the pool otherwise. fn's statements are one transaction only there: use
// tx when they must be.
func (s *Store) write(ctx context.Context, fn func(q *queries) error) error {
	return s.inWriter(ctx, func(q inbox.Queries) error { return fn(q.(*queries)) })
}

// execWrite runs one statement as a write (see write).
func (s *Store) execWrite(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := s.write(ctx, func(q *queries) error {
		var err error
		res, err = q.exec(ctx, query, args...)
		return err
	})
	return res, err
}

// tx runs fn in one transaction, on every database.
func (s *Store) tx(ctx context.Context, fn func(q *queries) error) error {
	return s.InTx(ctx, func(q inbox.Queries) error { return fn(q.(*queries)) })
}
