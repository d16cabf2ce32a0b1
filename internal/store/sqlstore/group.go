package sqlstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// maxGroup bounds how many transactions share one commit.
const maxGroup = 64

// groupCommit runs transactions together (those of a single-writer database, or those of
// one tenant on PostgreSQL): a goroutine of its own runs the waiting ones in one database
// transaction, each inside its own savepoint so that a failing one rolls back alone, and one
// commit makes them all durable; then it runs those that queued meanwhile, until none is
// left. Under load a commit (the WAL write, and on PostgreSQL the tenant's event counter
// lock) is shared by many messages instead of paid by each; alone, a transaction runs at once.
//
// The batches run back to back on that one goroutine rather than each caller leading the next
// batch in its turn: a new leader would have to be woken and wait for a core, which the HTTP
// handlers keep busy, while the writer stands idle.
type groupCommit struct {
	lead    leadFunc // what each transaction does first (lock the tenant)
	mu      sync.Mutex
	waiting []*groupTx
	running bool // the goroutine that runs the batches is at work
}

type groupTx struct {
	ctx     context.Context
	fn      func(q inbox.Queries) error
	between func(ctx context.Context) error // instead of fn: work done alone, outside any transaction
	done    chan error
}

// run queues fn and returns its outcome once its batch has committed or rolled back.
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
	return <-t.done
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
		t.done <- t.between(t.ctx)
		return
	}
	if len(batch) == 1 {
		batch[0].done <- s.runAlone(batch[0].ctx, g.lead, batch[0].fn)
		return
	}
	// Work whose transaction lost a deadlock or a serialization check (its own savepoint,
	// or the whole group's) runs again alone, after the batch.
	var again []*groupTx
	defer func() {
		for _, t := range again {
			t.done <- s.runAlone(t.ctx, g.lead, t.fn)
		}
	}()
	// The transaction outlives any one caller, so it runs detached from their contexts:
	// one caller hanging up must not interrupt (and so roll back) the others' work.
	ctx := context.WithoutCancel(batch[0].ctx)
	tx, q, err := s.begin(ctx)
	if err == nil && g.lead != nil {
		if err = g.lead(ctx, q); err != nil {
			_ = tx.Rollback()
		}
	}
	if err != nil {
		again = g.fail(s, batch, err)
		return
	}
	q.detached = ctx
	var ok []*groupTx
	for i, t := range batch {
		if err := t.ctx.Err(); err != nil {
			t.done <- err
			continue
		}
		err, broken := g.step(ctx, q, t.fn)
		if broken != nil {
			// The database gave up the whole transaction (a savepoint cannot be rolled
			// back to): nothing of the batch is kept.
			_ = tx.Rollback()
			if reason := s.retryReason(broken); reason != "" {
				again = append(again, retried(s, reason, append(ok, batch[i:]...))...)
				return
			}
			t.done <- err
			for _, o := range append(ok, batch[i+1:]...) {
				o.done <- fmt.Errorf("group transaction aborted: %w", broken)
			}
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
	if err = q.beforeCommit(ctx); err != nil {
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

// fail answers the work of a group transaction that failed as a whole with err, and returns
// it instead when err is worth another try.
func (g *groupCommit) fail(s *Store, batch []*groupTx, err error) (again []*groupTx) {
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

// release ends the savepoint of a transaction's work, where the dialect wants it ended;
// otherwise the next one nests in it, and ROLLBACK TO still finds the innermost.
func (g *groupCommit) release(ctx context.Context, q *queries) error {
	if q.d.NestSavepoints {
		return nil
	}
	_, err := q.exec(ctx, "RELEASE one")
	return err
}
