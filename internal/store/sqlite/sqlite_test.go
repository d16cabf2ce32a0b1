package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

// TestWritesDoNotWaitForReaders checks that transactions run on a connection of their own:
// with every reading connection taken (slow exports, say), a write still commits, and so
// does one whose statements the store prepares for the first time.
func TestWritesDoNotWaitForReaders(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	for range st.DB().Stats().MaxOpenConnections {
		conn, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tenant := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "written while reads hold the pool", CreatedAt: time.Now()}
	err := st.InTx(ctx, func(q inbox.Queries) error {
		if err := q.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		_, err := q.GetTenant(ctx, tenant.ID)
		return err
	})
	if err != nil {
		t.Fatalf("write with every reading connection taken: %v", err)
	}
}

// TestReadersPerCore checks that the read pool has two connections per core: reads are
// CPU-bound, and each connection holds memory of its own.
func TestReadersPerCore(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	if got, want := st.DB().Stats().MaxOpenConnections, 2*runtime.GOMAXPROCS(0); got != want {
		t.Errorf("%d reading connections, want %d", got, want)
	}
}

// TestCheckpointRestartsTheWAL checks that under a steady stream of writes the checkpoints
// start the WAL over once it is long enough, so it does not grow without end, and that no
// write is lost on the way.
func TestCheckpointRestartsTheWAL(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := st.InTx(ctx, func(q inbox.Queries) error {
				return q.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: strings.Repeat("n", 2000), CreatedAt: time.Now()})
			})
			if err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	})
	var longest, restarts, last int
	for range 100 {
		for n := written.Load(); written.Load() < n+20; {
			time.Sleep(time.Millisecond)
		}
		if err := st.Checkpoint(ctx, 64); err != nil {
			t.Fatal(err)
		}
		var busy, pages, copied int
		if err := st.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &pages, &copied); err != nil {
			t.Fatal(err)
		}
		if pages < last {
			restarts++
		}
		last, longest = pages, max(longest, pages)
	}
	close(stop)
	wg.Wait()
	if restarts == 0 {
		t.Errorf("the WAL never started over; it grew to %d pages", longest)
	}
	var tenants int64
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&tenants); err != nil {
		t.Fatal(err)
	}
	if tenants != written.Load() {
		t.Errorf("%d tenants stored, %d written", tenants, written.Load())
	}
	t.Logf("%d restarts, longest WAL %d pages", restarts, longest)
}

// TestBetweenTx checks that work queued between transactions (the WAL restart of the
// checkpoints) runs while no transaction does, however many writers keep the database busy,
// and that the writers' work all lands.
func TestBetweenTx(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	var inTx atomic.Int32
	var wg sync.WaitGroup
	const writers, each = 8, 40
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := st.InTx(ctx, func(q inbox.Queries) error {
					inTx.Add(1)
					defer inTx.Add(-1)
					return q.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("w%d-%d", w, i), CreatedAt: time.Now()})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var turns int
	for range 20 {
		err := st.BetweenTx(ctx, func(ctx context.Context) error {
			if n := inTx.Load(); n != 0 {
				return fmt.Errorf("%d transactions running during a turn between them", n)
			}
			turns++
			_, err := st.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if turns != 20 {
		t.Errorf("%d turns ran, want 20", turns)
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE name LIKE 'w%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Errorf("%d tenants written, want %d", n, writers*each)
	}
	if err := st.BetweenTx(ctx, func(context.Context) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("a turn's error came back as %v", err)
	}
}

var errBoom = errors.New("boom")

// TestMessagesIndexedAtCommit checks that messages queued for content search by concurrent,
// group-committed transactions, some of them failing, end up indexed exactly once each, and
// that content changes and deletions keep the index true whether the message was still
// queued or already indexed (FTS5's integrity-check compares the index with the messages).
func TestMessagesIndexedAtCommit(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	tenant, convs := storetest.NewConversations(t, st, 1)
	message := func(content string) inbox.Message {
		return inbox.Message{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, ConversationID: convs[0], SenderType: inbox.SenderEndUser,
			Content: content, ContentType: inbox.ContentText, Status: inbox.DeliveryReceived, CreatedAt: time.Now()}
	}
	failed := errors.New("rolled back on purpose")
	var wg sync.WaitGroup
	const writers, each = 8, 25
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := st.InTx(ctx, func(q inbox.Queries) error {
					content := fmt.Sprintf("parcel w%di%d.", w, i)
					if i%5 == 4 {
						content = "ghost " + content
					}
					if _, err := q.InsertMessage(ctx, message(content), inbox.Touch{UpdatedAt: time.Now()}); err != nil {
						return err
					}
					if i%5 == 4 {
						return failed
					}
					return nil
				})
				if err != nil && !errors.Is(err, failed) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := st.DB().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	matches := func(term string) int {
		return count(`SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH ?`, `"`+term+`"`)
	}
	integrity := func(when string) {
		t.Helper()
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("%s: the content index does not match the messages: %v", when, err)
		}
		if n := count(`SELECT COUNT(*) FROM messages_fts_queue`); n != 0 {
			t.Errorf("%s: %d messages left queued after the commits", when, n)
		}
	}
	if got, want := matches("parcel"), writers*each*4/5; got != want {
		t.Errorf("%d messages found by content, want %d", got, want)
	}
	if n := matches("ghost"); n != 0 {
		t.Errorf("%d rolled-back messages found by content", n)
	}
	integrity("after the group commits")

	// Outside the store's transactions (as a tool would), change and delete a message that
	// is indexed and one that is only queued; the next write transaction indexes the rest.
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE messages SET content = 'changed one' WHERE content = 'parcel w0i0.'`,
		`DELETE FROM messages WHERE content = 'parcel w0i1.'`,
		`CREATE TEMP TABLE copies AS SELECT * FROM messages WHERE content IN ('parcel w1i0.', 'parcel w1i1.')`,
		`UPDATE copies SET id = 'copy-' || id, content = 'queued ' || content`,
		`INSERT INTO messages SELECT * FROM copies`,
		`UPDATE messages SET content = 'changed two' WHERE content = 'queued parcel w1i0.'`,
		`DELETE FROM messages WHERE content = 'queued parcel w1i1.'`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "B", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InsertMessage(ctx, message("parcel last"), inbox.Touch{UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for term, want := range map[string]int{"changed one": 1, "changed two": 1, "queued": 0, "parcel w0i0.": 0, "parcel w0i1.": 0, "parcel w1i0.": 1, "parcel last": 1} {
		if got := matches(term); got != want {
			t.Errorf("%q found in %d messages, want %d", term, got, want)
		}
	}
	integrity("after changes outside the store")
}
