package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// hookFn is asked before each transaction begins ("begin") or commits ("commit") and each
// statement runs (its text); its error is the driver's. It may block, as a database that
// stops answering does, until ctx ends.
type hookFn func(ctx context.Context, op string) error

// hooked is a store whose SQLite driver passes through a hook that the test sets.
type hooked struct {
	*sqlite.Store
	hook atomic.Pointer[hookFn]
}

var hookedDrivers atomic.Int64

// openHooked opens a migrated store through a driver of its own; retryable (nil: none)
// names the errors worth running a transaction again.
func openHooked(t *testing.T, retryable func(error) string) *hooked {
	t.Helper()
	h := &hooked{}
	base, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("sqlite-hooked-%d", hookedDrivers.Add(1))
	sql.Register(name, hookedDriver{base: base.Driver(), h: h})
	base.Close()
	ctx := context.Background()
	st, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "inbox.db"), name, retryable)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.set(nil); st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h.Store = st
	return h
}

func (h *hooked) set(fn hookFn) {
	if fn == nil {
		h.hook.Store(nil)
		return
	}
	h.hook.Store(&fn)
}

func (h *hooked) call(ctx context.Context, op string) error {
	if fn := h.hook.Load(); fn != nil {
		return (*fn)(ctx, op)
	}
	return nil
}

type hookedDriver struct {
	base driver.Driver
	h    *hooked
}

func (d hookedDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return hookedConn{c.(sqliteConn), d.h}, nil
}

// sqliteConn is what the SQLite driver's connections do that the store uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type hookedConn struct {
	sqliteConn
	h *hooked
}

func (c hookedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c hookedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.h.call(ctx, "begin"); err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return hookedTx{tx, ctx, c.h}, nil
}

func (c hookedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c hookedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return hookedStmt{st.(sqliteStmt), query, c.h}, nil
}

func (c hookedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.h.call(ctx, query); err != nil {
		return nil, err
	}
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c hookedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.h.call(ctx, query); err != nil {
		return nil, err
	}
	return c.sqliteConn.QueryContext(ctx, query, args)
}

type hookedTx struct {
	driver.Tx
	ctx context.Context
	h   *hooked
}

func (tx hookedTx) Commit() error {
	if err := tx.h.call(tx.ctx, "commit"); err != nil {
		_ = tx.Tx.Rollback()
		return err
	}
	return tx.Tx.Commit()
}

type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type hookedStmt struct {
	sqliteStmt
	query string
	h     *hooked
}

func (s hookedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.h.call(ctx, s.query); err != nil {
		return nil, err
	}
	return s.sqliteStmt.ExecContext(ctx, args)
}

func (s hookedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.h.call(ctx, s.query); err != nil {
		return nil, err
	}
	return s.sqliteStmt.QueryContext(ctx, args)
}

// group queues works behind a turn that holds the writer, and once they all wait, sets
// hook (nil: none) and lets them run: as one group transaction. It returns their outcomes.
func (h *hooked) group(t *testing.T, hook hookFn, works ...func(q inbox.Queries) error) []error {
	t.Helper()
	ctx := context.Background()
	release := h.hold(t)
	errs := make([]error, len(works))
	var wg sync.WaitGroup
	for i, w := range works {
		wg.Go(func() { errs[i] = h.InTx(ctx, w) })
	}
	waitFor(t, "the work to queue", func() bool { return h.Waiting() == len(works) })
	h.set(hook)
	release()
	wg.Wait()
	h.set(nil)
	return errs
}

// hold has a turn between transactions hold the writer until release is called.
func (h *hooked) hold(t *testing.T) (release func()) {
	t.Helper()
	held, done := make(chan struct{}), make(chan struct{})
	go func() {
		_ = h.BetweenTx(context.Background(), func(context.Context) error { close(held); <-done; return nil })
	}()
	<-held
	var once sync.Once
	release = func() { once.Do(func() { close(done) }) }
	t.Cleanup(release)
	return release
}

// waitFor waits until cond holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// newTenant returns work that creates a tenant, and its id.
func newTenant(name string) (uuid.UUID, func(q inbox.Queries) error) {
	id := uuid.Must(uuid.NewV7())
	return id, func(q inbox.Queries) error {
		return q.CreateTenant(context.Background(), inbox.Tenant{ID: id, Name: name, CreatedAt: time.Now()})
	}
}

// stored reports whether the tenant id was committed.
func stored(t *testing.T, st *sqlite.Store, id uuid.UUID) bool {
	t.Helper()
	_, err := st.GetTenant(context.Background(), id)
	if err != nil && !errors.Is(err, inbox.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestGroupCallerGivesUp checks that a caller whose context ends while its work waits in
// the queue gets the context's error at once, without waiting for the batch ahead, and that
// its work never runs; and that one whose context ends once its work has started waits for
// the outcome, a commit, and is told so.
func TestGroupCallerGivesUp(t *testing.T) {
	h := openHooked(t, nil)
	release := h.hold(t)
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	id, create := newTenant("given up")
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- h.InTx(ctx, func(q inbox.Queries) error { ran.Store(true); return create(q) })
	}()
	waitFor(t, "the work to queue", func() bool { return h.Waiting() == 1 })
	cancel()
	select {
	case err := <-gaveUp:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a caller that gave up while queued got %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a caller that gave up while queued still waits for the batch ahead of it")
	}

	// Behind the abandoned work, two run as a group; the caller of the second gives up
	// while its work runs.
	started, goOn := make(chan struct{}), make(chan struct{})
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	first, createFirst := newTenant("first")
	second, createSecond := newTenant("second")
	errs := make(chan error, 2)
	go func() { errs <- h.InTx(context.Background(), createFirst) }()
	go func() {
		errs <- h.InTx(ctx2, func(q inbox.Queries) error {
			close(started)
			<-goOn
			return createSecond(q)
		})
	}()
	waitFor(t, "the work to queue", func() bool { return h.Waiting() == 3 })
	release()
	<-started
	cancel2()
	close(goOn)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("grouped work failed: %v", err)
		}
	}
	if ran.Load() || stored(t, h.Store, id) {
		t.Error("the work of a caller that gave up while queued ran")
	}
	if !stored(t, h.Store, first) || !stored(t, h.Store, second) {
		t.Error("the grouped work reported as committed is not stored")
	}
}

// TestGroupBatchTimeout checks that a database that stops answering fails the batch at its
// deadline, every member told and none of its work kept, instead of holding every writer,
// and that the writes after it go on.
func TestGroupBatchTimeout(t *testing.T) {
	h := openHooked(t, nil)
	h.SetBatchTimeout(100 * time.Millisecond)
	hung, create := newTenant("hung")
	other, createOther := newTenant("other")
	// The database hangs at the first tenant's insert, until the batch's deadline.
	hang := func(ctx context.Context, op string) error {
		if strings.HasPrefix(op, "INSERT INTO tenants") {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	errs := h.group(t, hang, create, createOther)
	if !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("work that hung got %v, want context.DeadlineExceeded", errs[0])
	}
	if errs[1] == nil {
		t.Error("work of a batch that timed out was reported as committed")
	}
	if stored(t, h.Store, hung) || stored(t, h.Store, other) {
		t.Error("work of a batch that timed out was kept")
	}
	after, createAfter := newTenant("after")
	if err := h.InTx(context.Background(), createAfter); err != nil || !stored(t, h.Store, after) {
		t.Errorf("a write after the timed-out batch: %v", err)
	}
}

var (
	errBroken = errors.New("the database gave up the transaction")
	errRetry  = errors.New("deadlock detected (as the test's dialect says)")
)

func retryable(err error) string {
	if errors.Is(err, errRetry) {
		return "deadlock"
	}
	return ""
}

// failing is a hook that fails op, the first times times (-1: always), with err.
func failing(op string, times int, err error) hookFn {
	var n atomic.Int32
	return func(_ context.Context, o string) error {
		if o == op && (times < 0 || int(n.Add(1)) <= times) {
			return err
		}
		return nil
	}
}

// TestGroupBrokenTransaction checks that when the group's transaction itself fails (it does
// not begin, does not commit, or a savepoint cannot be rolled back to), every member is told
// and none of its work is kept; and that a member whose own work fails is rolled back to its
// savepoint while the others commit.
func TestGroupBrokenTransaction(t *testing.T) {
	h := openHooked(t, nil)
	for _, c := range []struct {
		name string
		hook hookFn
		want []error // of a member that creates a tenant, one that fails, one that creates
		kept []bool
	}{
		{"begin fails", failing("begin", -1, errBroken), []error{errBroken, errBroken, errBroken}, []bool{false, false}},
		{"commit fails", failing("commit", -1, errBroken), []error{errBroken, errBoom, errBroken}, []bool{false, false}},
		{"savepoint lost", failing("ROLLBACK TO one", -1, errBroken), []error{errBroken, errBoom, errBroken}, []bool{false, false}},
		{"member fails alone", nil, []error{nil, errBoom, nil}, []bool{true, true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, createA := newTenant("a")
			b, createB := newTenant("b")
			failed, createFailed := newTenant("failed")
			errs := h.group(t, c.hook, createA, func(q inbox.Queries) error {
				if err := createFailed(q); err != nil {
					return err
				}
				return errBoom
			}, createB)
			for i, err := range errs {
				if !errors.Is(err, c.want[i]) || (err == nil) != (c.want[i] == nil) {
					t.Errorf("member %d got %v, want %v", i, err, c.want[i])
				}
			}
			if stored(t, h.Store, a) != c.kept[0] || stored(t, h.Store, b) != c.kept[1] {
				t.Errorf("members kept: %v, %v; want %v", stored(t, h.Store, a), stored(t, h.Store, b), c.kept)
			}
			if stored(t, h.Store, failed) {
				t.Error("the failed member's work was kept")
			}
		})
	}
}

// TestGroupRetries checks that work whose transaction lost a deadlock (as the dialect
// names its errors) runs again alone and lands once: a member's own work, the whole group's
// transaction at its begin, its commit, or a savepoint it could not roll back to; and that
// the retries are counted.
func TestGroupRetries(t *testing.T) {
	h := openHooked(t, retryable)
	for _, c := range []struct {
		name    string
		hook    hookFn
		retries float64 // how many members run again
	}{
		{"member loses", nil, 1},
		{"begin loses", failing("begin", 1, errRetry), 4},   // the three, then the member once more
		{"commit loses", failing("commit", 1, errRetry), 3}, // the member, then the two
		{"savepoint lost", failing("ROLLBACK TO one", 1, errRetry), 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := storetest.Retries(t, h.Store)
			a, createA := newTenant("a")
			b, createB := newTenant("b")
			lost, createLost := newTenant("lost once")
			var tries atomic.Int32
			errs := h.group(t, c.hook, createA, func(q inbox.Queries) error {
				if err := createLost(q); err != nil {
					return err
				}
				if tries.Add(1) == 1 {
					return fmt.Errorf("lost: %w", errRetry)
				}
				return nil
			}, createB)
			for i, err := range errs {
				if err != nil {
					t.Errorf("member %d: %v", i, err)
				}
			}
			for _, id := range []uuid.UUID{a, b, lost} {
				if !stored(t, h.Store, id) {
					t.Errorf("tenant %s not stored", id)
				}
			}
			if got := storetest.Retries(t, h.Store) - before; got != c.retries {
				t.Errorf("%v retries counted, want %v", got, c.retries)
			}
		})
	}
}
