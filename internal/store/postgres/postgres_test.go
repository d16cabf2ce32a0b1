package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

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
	now := time.Now()
	st := nodes[0]
	tenant := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "A", CreatedAt: now}
	contact := inbox.Contact{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, FirstName: "Carla", Phone: "+15550001111", CreatedAt: now, UpdatedAt: now}
	channel := inbox.Channel{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, Kind: inbox.ChannelWhatsApp, Name: "wa", Config: map[string]string{}, CreatedAt: now}
	for _, err := range []error{st.CreateTenant(ctx, tenant), st.CreateContact(ctx, contact), st.CreateChannel(ctx, channel)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var convs [2]uuid.UUID
	for i := range convs {
		c := inbox.Conversation{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, ContactID: contact.ID, ChannelID: channel.ID, Type: "support",
			Status: inbox.StatusActive, Priority: inbox.PriorityMedium, Category: "general", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		convs[i] = c.ID
	}
	// locked[n] closes once node n's group holds its first conversation.
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var once [2]sync.Once
	work := func(n int) func(q inbox.Queries) error {
		first, second := convs[n], convs[1-n]
		return func(q inbox.Queries) error {
			if _, err := q.LockConversation(ctx, tenant.ID, first); err != nil {
				return err
			}
			once[n].Do(func() { close(locked[n]) })
			select {
			case <-locked[1-n]:
			case <-time.After(5 * time.Second):
				return fmt.Errorf("node %d: the other node never locked its conversation", 1-n)
			}
			if _, err := q.LockConversation(ctx, tenant.ID, second); err != nil {
				return err
			}
			return q.AppendEvent(ctx, &inbox.Event{TenantID: tenant.ID, Type: inbox.EventPresence, Data: json.RawMessage(`{}`), CreatedAt: now})
		}
	}
	// On each node a first transaction holds the lead until two more have queued behind it,
	// so that those two run as one group.
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for n, node := range nodes {
		wg.Go(func() {
			errs <- node.InTenantTx(ctx, tenant.ID, func(q inbox.Queries) error { <-release; return nil })
		})
		time.Sleep(50 * time.Millisecond) // the blocker leads
		for range 2 {
			wg.Go(func() { errs <- node.InTenantTx(ctx, tenant.ID, work(n)) })
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
	evs, _, err := st.EventsSince(ctx, tenant.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 {
		t.Errorf("%d events, want 4: every grouped transaction lands once", len(evs))
	}
}
