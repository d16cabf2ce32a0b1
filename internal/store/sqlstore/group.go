package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// maxGroup bounds how many transactions share one commit.
const maxGroup = 64

// defaultBatchTimeout is how long the goroutine of a group commit gives one batch (a group
// transaction, a transaction run alone, or work between two) by default: everything queued
// waits behind it, so a database that stops answering fails that batch instead of holding
// every writer for good. See Store.SetBatchTimeout.
const defaultBatchTimeout = 30 * time.Second

// groupCommit runs the transactions of a single-writer database (SQLite) together: a
// goroutine of its own runs the waiting ones in one database transaction, each inside its
// own savepoint so that a failing one rolls back alone, and one
// commit makes them all durable; then it runs those that queued meanwhile, until none is
// left. Under load a commit (the WAL write) is shared by many messages instead of paid by
// each; alone, a transaction runs at once.
//
// The batches run back to back on that one goroutine rather than each caller leading the next
// batch in its turn: a new leader would have to be woken and wait for a core, which the HTTP
// handlers keep busy, while the writer stands idle.
type groupCommit struct {
	mu      sync.Mutex
	waiting []*groupTx
	running bool // the goroutine that runs the batches is at work
}

type groupTx struct {
	ctx     context.Context
	fn      func(q inbox.Queries) error
	between func(ctx context.Context) error // instead of fn: work done alone, outside any transaction
	done    chan error
	state   atomic.Int32 // queued, started or abandoned
}

// The states of a groupTx. Its caller may give up while it is queued; once its work has
// started, the caller waits for the outcome (which the batch timeout bounds), so that work
// that committed is never reported as failed.
const (
	queued    int32 = iota
	started         // the goroutine runs (or has run) its work
	abandoned       // its caller gave up waiting: its work never runs
)

// start marks t as taken by the goroutine, which answers it from then on, and reports
// whether it is: not when its caller has given up or is about to (its context has ended).
func (t *groupTx) start() bool {
	return t.state.Load() == started || t.ctx.Err() == nil && t.state.CompareAndSwap(queued, started)
}

// run queues fn and returns its outcome once its batch has committed or rolled back, or
// ctx's error when ctx ends before fn has started (fn then never runs).
func (g *groupCommit) run(ctx context.Context, s *Store, fn func(q inbox.Queries) error) error {
	return g.queue(s, &groupTx{ctx: ctx, fn: fn})
}

// runBetween queues fn to run in its turn between two transactions, none running meanwhile.
func (g *groupCommit) runBetween(ctx context.Context, s *Store, fn func(ctx context.Context) error) error {
	return g.queue(s, &groupTx{ctx: ctx, between: fn})
}

func (g *groupCommit) queue(s *Store, t *groupTx) error {
	t.done = make(chan error, 1)
	g.mu.Lock()
	g.waiting = append(g.waiting, t)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.drain(s)
	}
	select {
	case err := <-t.done:
		return err
	case <-t.ctx.Done():
		if t.state.CompareAndSwap(queued, abandoned) {
			return t.ctx.Err()
		}
		return <-t.done // its work has started: its outcome is near, and may be a commit
	}
}

// drain runs batches until the queue is empty. Work to be done between transactions is a
// batch of its own.
func (g *groupCommit) drain(s *Store) {
	for {
		g.mu.Lock()
		if len(g.waiting) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		n := 1
		for g.waiting[0].between == nil && n < min(len(g.waiting), maxGroup) && g.waiting[n].between == nil {
			n++
		}
		batch := g.waiting[:n:n]
		g.waiting = g.waiting[n:]
		g.mu.Unlock()
		g.commit(s, batch)
	}
}

func (g *groupCommit) commit(s *Store, batch []*groupTx) {
	if t := batch[0]; t.between != nil {
		if t.start() {
			ctx, cancel := context.WithTimeout(t.ctx, s.batchTimeout)
			defer cancel()
			t.done <- t.between(ctx)
		}
		return
	}
	if len(batch) == 1 {
		if t := batch[0]; t.start() {
			g.alone(s, t)
		}
		return
	}
	// Work whose transaction lost a deadlock or a serialization check (its own savepoint,
	// or the whole group's) runs again alone, after the batch.
	var again []*groupTx
	defer func() {
		for _, t := range again {
			g.alone(s, t)
		}
	}()
	// The transaction outlives any one caller, so it runs detached from their contexts:
	// one caller hanging up must not interrupt (and so roll back) the others' work. It has
	// a deadline of its own instead.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), s.batchTimeout)
	defer cancel()
	tx, q, err := s.begin(ctx)
	if err != nil {
		again = g.fail(s, batch, err)
		return
	}
	q.detached = ctx
	var ok []*groupTx
	for i, t := range batch {
		if !t.start() {
			continue
		}
		err, broken := g.step(ctx, q, t.fn)
		if broken != nil {
			// The database gave up the whole transaction (a savepoint cannot be rolled
			// back to): nothing of the batch is kept.
			_ = tx.Rollback()
			rest := batch[i:]
			if s.retryReason(broken) == "" {
				t.done <- err
				rest, broken = batch[i+1:], fmt.Errorf("group transaction aborted: %w", broken)
			}
			again = append(again, g.fail(s, append(ok, rest...), broken)...)
			return
		}
		if reason := s.retryReason(err); reason != "" {
			again = append(again, retried(s, reason, []*groupTx{t})...)
			continue
		}
		if err != nil {
			t.done <- err
			continue
		}
		ok = append(ok, t)
	}
	if err = s.beforeCommit(ctx, q); err != nil {
		_ = tx.Rollback()
	} else if err = tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	if err != nil {
		again = append(again, g.fail(s, ok, err)...)
		return
	}
	for _, t := range ok {
		t.done <- nil
	}
}

// alone runs t's work, started, in a transaction of its own within the batch timeout.
func (g *groupCommit) alone(s *Store, t *groupTx) {
	ctx, cancel := context.WithTimeout(t.ctx, s.batchTimeout)
	defer cancel()
	t.done <- s.runAlone(ctx, t.fn)
}

// fail answers the work of a group transaction that failed as a whole with err, and returns
// it instead when err is worth another try. Work that has not started (and whose caller
// has given up) is left out.
func (g *groupCommit) fail(s *Store, batch []*groupTx, err error) (again []*groupTx) {
	batch = slices.DeleteFunc(batch, func(t *groupTx) bool { return !t.start() })
	if reason := s.retryReason(err); reason != "" {
		return retried(s, reason, batch)
	}
	for _, t := range batch {
		t.done <- err
	}
	return nil
}

// retried counts the work to be run again for reason, and returns it.
func retried(s *Store, reason string, work []*groupTx) []*groupTx {
	s.retries.WithLabelValues(reason).Add(float64(len(work)))
	return work
}

// step runs one transaction's work inside a savepoint of the shared transaction. err is
// the work's own failure; broken is set when the shared transaction cannot go on.
func (g *groupCommit) step(ctx context.Context, q *queries, fn func(q inbox.Queries) error) (err, broken error) {
	if _, err := q.exec(ctx, "SAVEPOINT one"); err != nil {
		return fmt.Errorf("savepoint: %w", err), err
	}
	if err := call(fn, q); err != nil {
		if _, rerr := q.exec(ctx, "ROLLBACK TO one"); rerr != nil {
			return err, rerr
		}
		return err, g.release(ctx, q)
	}
	if err := g.release(ctx, q); err != nil {
		return fmt.Errorf("release savepoint: %w", err), err
	}
	return nil, nil
}

// release ends the savepoint of a transaction's work: left open, the next would nest in it,
// and SQLite would journal the pages of every open level.
func (g *groupCommit) release(ctx context.Context, q *queries) error {
	_, err := q.exec(ctx, "RELEASE one")
	return err
}
