package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

// TestDeadlockRunsAgain has two nodes' transactions each lock a conversation of its own
// tenant and then the other's, in opposite orders. PostgreSQL breaks the deadlock by failing
// one statement; the transaction it belonged to runs again, both land, and the retry is
// counted.
func TestDeadlockRunsAgain(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	nodes := []*postgres.Store{storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn)}
	ctx := context.Background()
	var tenants, convs [2]uuid.UUID
	for n := range nodes {
		tn, cs := storetest.NewConversations(t, nodes[0], 1)
		tenants[n], convs[n] = tn, cs[0]
	}
	// locked[n] closes once node n's transaction holds its first conversation.
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
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for n, node := range nodes {
		wg.Go(func() { errs <- node.InTx(ctx, work(n)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a transaction failed: %v", err)
		}
	}
	if _, err := nodes[1].NumberEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	for _, tn := range tenants {
		evs, _, err := nodes[0].EventsSince(ctx, tn, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("%d events of a tenant, want 1: each transaction lands once", len(evs))
		}
	}
	if n := storetest.Retries(t, nodes[0], nodes[1]); n < 1 {
		t.Errorf("%v transactions counted as run again, want at least 1", n)
	}
}

// TestNumberEvents covers the sequencer's numbering on several nodes: an event is numbered
// only once its transaction has committed, and then after every event numbered before; nodes
// numbering at once, while writers on both store more, give each tenant's events the numbers
// 1, 2, 3, ... with none twice and none skipped, in the order each writer stored its own.
func TestNumberEvents(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	nodes := []*postgres.Store{storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn)}
	ctx := context.Background()
	a, _ := storetest.NewConversations(t, nodes[0], 1)
	b, _ := storetest.NewConversations(t, nodes[0], 1)
	event := func(tenant uuid.UUID, data string) *inbox.Event {
		return &inbox.Event{TenantID: tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(data), CreatedAt: time.Now()}
	}

	// An event of a transaction still open is not numbered; one stored after it, committed
	// first, is.
	appended, release := make(chan struct{}), make(chan struct{})
	var open sync.WaitGroup
	open.Go(func() {
		err := nodes[0].InTx(ctx, func(q inbox.Queries) error {
			if err := q.AppendEvent(ctx, event(a, `{"n":"open"}`)); err != nil {
				return err
			}
			close(appended)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	<-appended
	if err := nodes[1].InTx(ctx, func(q inbox.Queries) error { return q.AppendEvent(ctx, event(a, `{"n":"later"}`)) }); err != nil {
		t.Fatal(err)
	}
	got, err := nodes[1].NumberEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq != 1 || string(got[0].Data) != `{"n":"later"}` {
		t.Fatalf("numbered %+v, want only the committed event, as 1", got)
	}
	close(release)
	open.Wait()
	if got, err = nodes[0].NumberEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq != 2 || string(got[0].Data) != `{"n":"open"}` {
		t.Fatalf("numbered %+v, want the event committed last, as 2", got)
	}

	// Two writers a node, each storing its events in order, and both nodes numbering in
	// small batches meanwhile.
	const perWriter = 60
	var writers, numberers sync.WaitGroup
	done := make(chan struct{})
	for w := range 4 {
		writers.Go(func() {
			node, tenant := nodes[w%2], []uuid.UUID{a, b}[w/2]
			for i := range perWriter {
				err := node.InTx(ctx, func(q inbox.Queries) error {
					return q.AppendEvent(ctx, event(tenant, fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for _, node := range nodes {
		numberers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, err := node.NumberEvents(ctx, 7); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	numberers.Wait()
	if _, err := nodes[0].NumberEvents(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []uuid.UUID{a, b} {
		evs, _, err := nodes[0].EventsSince(ctx, tn, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		next := map[int]int{} // writer → its next event
		first := int64(1)
		if tn == a {
			first = 3
			evs = evs[2:]
		}
		for i, e := range evs {
			if e.Seq != first+int64(i) {
				t.Fatalf("tenant event %d has seq %d, want %d: a gap or a repeat", i, e.Seq, first+int64(i))
			}
			var d struct{ W, I int }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			if d.I != next[d.W] {
				t.Fatalf("writer %d's event %d numbered after its event %d", d.W, d.I, next[d.W]-1)
			}
			next[d.W]++
		}
		if len(evs) != 2*perWriter {
			t.Errorf("%d events numbered, want %d", len(evs), 2*perWriter)
		}
	}
}

// TestRecentContentMatches checks the content search's newest matches (migration 0010a)
// against a plain sort of all the matches, for terms common of late, rare, only old, and
// absent for a while, and words in one order and the other (migration 0036: the index keeps
// their order, and a text that holds the index's own joining letter is not taken for a
// space), with walks (none, too) and limits that end in each of its stages. Every message
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
					CASE WHEN (i < 50 OR i > 500) AND i % 11 = 0 THEN 'gapped' END,
					CASE i % 7 WHEN 0 THEN 'enterprise plan' WHEN 1 THEN 'plan enterprise' WHEN 2 THEN 'planǂenterprise' END) END,
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
	for _, term := range []string{"common", "RARITY", "oldtimer", "gapped", "msg", "absent", "plan enterprise", "enterprise plan", "N ENTER"} {
		for _, walk := range []int{0, 1, 10, 300, 10000} {
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

// TestOpenBoundsConnections has eight transactions run at once on a store opened with two
// connections: they wait for one instead of opening more.
func TestOpenBoundsConnections(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, storetest.PostgresURL(t), 2, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.InTx(ctx, func(inbox.Queries) error { return nil })
			if err == nil {
				_, err = st.DB().ExecContext(ctx, `SELECT pg_sleep(0.02)`)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if s := st.DB().Stats(); s.MaxOpenConnections != 2 || s.OpenConnections > 2 || s.WaitCount == 0 {
		t.Errorf("opened with 2 connections: %+v", s)
	}
	def, err := postgres.Open(ctx, storetest.PostgresURL(t), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer def.Close()
	if got := def.DB().Stats().MaxOpenConnections; got != postgres.DefaultMaxConns() {
		t.Errorf("opened with no bound: %d connections at most, want %d", got, postgres.DefaultMaxConns())
	}
}

// TestNumberingLead: one node at a time holds the numbering lead; it keeps it until it gives
// it up or loses its connection, and then another node takes it.
func TestNumberingLead(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn)
	ctx := context.Background()
	hold := func(st *postgres.Store, want bool, when string) {
		t.Helper()
		if held, err := st.HoldLead(ctx); err != nil || held != want {
			t.Fatalf("%s: held %v (%v), want %v", when, held, err, want)
		}
	}
	hold(a, true, "the first node, on a database nobody leads")
	hold(b, false, "the second node")
	hold(a, true, "the first node again")
	a.ReleaseLead(ctx)
	hold(b, true, "the second node once the first gave it up")
	hold(a, false, "the first node then")
	// The lead's connection ends (PostgreSQL restarted, the network failed): the lead goes
	// with it, and its node learns so at its next check.
	var ended int
	if err := b.DB().QueryRowContext(ctx, `WITH k AS (SELECT hashtextextended('teaminbox numbering lead ' || current_schema(), 0) AS key)
		SELECT COUNT(pg_terminate_backend(pid)) FROM pg_locks, k WHERE locktype = 'advisory' AND granted
		AND classid::bigint = (key >> 32) & 4294967295 AND objid::bigint = key & 4294967295`).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("ended %d connections holding the lead (%v), want 1", ended, err)
	}
	if held, _ := b.HoldLead(ctx); held {
		t.Fatal("the node whose connection ended still holds the lead")
	}
	// The ended backend lets go of its lock as it exits, a moment after it was told to.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		held, err := a.HoldLead(ctx)
		if held {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the first node once the second's connection ended: held %v (%v), want true", held, err)
		}
	}
}
