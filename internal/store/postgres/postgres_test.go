package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

// TestGroupDeadlockRunsAgain has two nodes group a tenant's transactions, two by two, and
// lock two conversations in opposite orders. PostgreSQL breaks the deadlock by failing one
// statement; the work it belonged to runs again alone, and all four land.
func TestGroupDeadlockRunsAgain(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	nodes := []inbox.Store{storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn)}
	ctx := context.Background()
	st := nodes[0]
	tenant, convs := storetest.NewConversations(t, st, 2)
	// locked[n] closes once node n's group holds its first conversation.
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var once [2]sync.Once
	work := func(n int) func(q inbox.Queries) error {
		first, second := convs[n], convs[1-n]
		return func(q inbox.Queries) error {
			if _, err := q.LockConversation(ctx, tenant, first); err != nil {
				return err
			}
			once[n].Do(func() { close(locked[n]) })
			select {
			case <-locked[1-n]:
			case <-time.After(5 * time.Second):
				return fmt.Errorf("node %d: the other node never locked its conversation", 1-n)
			}
			if _, err := q.LockConversation(ctx, tenant, second); err != nil {
				return err
			}
			return q.AppendEvent(ctx, &inbox.Event{TenantID: tenant, Type: inbox.EventPresence, Data: json.RawMessage(`{}`), CreatedAt: time.Now()})
		}
	}
	// On each node a first transaction holds the lead until two more have queued behind it,
	// so that those two run as one group.
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for n, node := range nodes {
		wg.Go(func() {
			errs <- node.InTenantTx(ctx, tenant, func(q inbox.Queries) error { <-release; return nil })
		})
		time.Sleep(50 * time.Millisecond) // the blocker leads
		for range 2 {
			wg.Go(func() { errs <- node.InTenantTx(ctx, tenant, work(n)) })
		}
	}
	time.Sleep(200 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a transaction failed: %v", err)
		}
	}
	evs, _, err := st.EventsSince(ctx, tenant, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 {
		t.Errorf("%d events, want 4: every grouped transaction lands once", len(evs))
	}
}
