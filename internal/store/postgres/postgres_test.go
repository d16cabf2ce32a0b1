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
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

// TestGroupDeadlockRunsAgain has two nodes group the transactions of two tenants, two by
// two, each locking a conversation of its own tenant and then one of the other's: the
// tenants' own locks come in one order, but these cross in opposite orders. PostgreSQL breaks
// each deadlock by failing one statement; the work it belonged to runs again alone, all four
// land, and the retries are counted.
func TestGroupDeadlockRunsAgain(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	nodes := []*postgres.Store{storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn)}
	ctx := context.Background()
	var tenants, convs [2]uuid.UUID
	for n := range nodes {
		tn, cs := storetest.NewConversations(t, nodes[0], 1)
		tenants[n], convs[n] = tn, cs[0]
	}
	// locked[n] closes once node n's group holds its first conversation.
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	var once [2]sync.Once
	work := func(n int) func(q inbox.Queries) error {
		return func(q inbox.Queries) error {
			if _, err := q.LockConversation(ctx, tenants[n], convs[n]); err != nil {
				return err
			}
			once[n].Do(func() { close(locked[n]) })
			select {
			case <-locked[1-n]:
			case <-time.After(5 * time.Second):
				return fmt.Errorf("node %d: the other node never locked its conversation", 1-n)
			}
			if _, err := q.LockConversation(ctx, tenants[1-n], convs[1-n]); err != nil {
				return err
			}
			return q.AppendEvent(ctx, &inbox.Event{TenantID: tenants[n], Type: inbox.EventPresence, Data: json.RawMessage(`{}`), CreatedAt: time.Now()})
		}
	}
	// On each node a first transaction holds the lead until two more have queued behind it,
	// so that those two run as one group.
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for n, node := range nodes {
		wg.Go(func() {
			errs <- node.InTenantTx(ctx, tenants[n], func(q inbox.Queries) error { <-release; return nil })
		})
		time.Sleep(50 * time.Millisecond) // the blocker leads
		for range 2 {
			wg.Go(func() { errs <- node.InTenantTx(ctx, tenants[n], work(n)) })
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
	for _, tn := range tenants {
		evs, _, err := nodes[0].EventsSince(ctx, tn, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Errorf("%d events of a tenant, want 2: every grouped transaction lands once", len(evs))
		}
	}
	if n := storetest.Retries(t, nodes[0], nodes[1]); n < 1 {
		t.Errorf("%v transactions counted as run again, want at least 1", n)
	}
}

// TestRecentContentMatches checks the content search's newest matches (migration 0010a)
// against a plain sort of all the matches, for terms common of late, rare, only old, and
// absent for a while, with walks and limits that end in each of its stages. Every message
// has a twin of the same time that does not match, so a walk can end between the two.
func TestRecentContentMatches(t *testing.T) {
	st := storetest.OpenPostgresAt(t, storetest.PostgresURL(t))
	ctx := context.Background()
	tenant, _ := storetest.NewConversations(t, st, 40)
	other, _ := storetest.NewConversations(t, st, 3)
	const step = int64(80 * 24 * time.Hour / time.Microsecond / 3000) // 3,000 messages over 80 days
	now := time.Now().UnixMicro()
	for _, tn := range []any{tenant, other} {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO messages (id, tenant_id, conversation_id, channel_id, sender_type,
				content, content_type, is_internal, attachments, status, created_at)
			SELECT gen_random_uuid(), c.tenant_id, c.id, c.channel_id, 'end_user',
				CASE WHEN twin = 1 THEN 'filler' ELSE concat_ws(' ', 'msg', CASE WHEN i % 3 = 0 THEN 'Common' END,
					CASE WHEN i % 97 = 0 THEN 'rarity' END, CASE WHEN i > 1500 AND i % 4 = 0 THEN 'oldtimer' END,
					CASE WHEN (i < 50 OR i > 500) AND i % 11 = 0 THEN 'gapped' END) END,
				'text', i % 5 = 4, '[]', 'received', CAST($2 AS bigint) - i * CAST($3 AS bigint)
			FROM generate_series(0, 2999) i CROSS JOIN generate_series(0, 1) twin
			CROSS JOIN LATERAL (SELECT * FROM conversations WHERE tenant_id = $1 ORDER BY id OFFSET i % 40 LIMIT 1) c`,
			tn, now, step); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(query string, args ...any) []string {
		rows, err := st.DB().QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, term := range []string{"common", "RARITY", "oldtimer", "gapped", "msg", "absent"} {
		for _, walk := range []int{1, 10, 300, 10000} {
			for _, wanted := range []int{1, 5, 40, 10000} {
				pattern := "%" + term + "%"
				want := ids(`SELECT conversation_id FROM messages WHERE tenant_id = $1 AND NOT is_internal
					AND search_content LIKE lower($2) ORDER BY created_at DESC LIMIT $3`, tenant, pattern, wanted)
				got := ids(`SELECT recent_content_matches($1, lower($2), $3, $4)`, tenant, pattern, wanted, walk)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s, walk %d, %d wanted: %d matches, want %d (the same, in the same order)", term, walk, wanted, len(got), len(want))
				}
			}
		}
	}
}
