package sqlite_test

import (
	"context"
	"errors"
	"fmt"
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
