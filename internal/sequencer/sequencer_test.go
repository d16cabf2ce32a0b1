package sequencer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// published records what reaches the publisher.
type published struct {
	mu     sync.Mutex
	events []inbox.Event
	got    chan struct{}
}

func newPublished() *published { return &published{got: make(chan struct{}, 1000)} }

func (p *published) Publish(_ context.Context, evs ...inbox.Event) {
	p.mu.Lock()
	p.events = append(p.events, evs...)
	p.mu.Unlock()
	for range evs {
		p.got <- struct{}{}
	}
}

// wait returns the first n events published, failing after 10 s.
func (p *published) wait(t *testing.T, n int) []inbox.Event {
	t.Helper()
	for range n {
		select {
		case <-p.got:
		case <-time.After(10 * time.Second):
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("%d of %d events published", len(p.events), n)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]inbox.Event(nil), p.events...)
}

// TestSequencer writes events as the use cases do (a transaction, then Publish) and checks
// what is published, on each database: every event once, numbered 1, 2, 3, ... in the order
// of the commits, whether the store numbered it as it stored it (SQLite) or the sequencer
// numbered it after the commit (PostgreSQL); ephemeral events pass at once.
func TestSequencer(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			tenant, _ := storetest.NewConversations(t, st, 1)
			pub := newPublished()
			seq, stop := sequencer.Start(st, pub, slog.New(slog.DiscardHandler))
			defer stop()
			ctx := context.Background()
			typing := inbox.Event{TenantID: tenant, Type: inbox.EventTypingIndicator, Data: json.RawMessage(`{}`)}
			seq.Publish(ctx, typing)
			if got := pub.wait(t, 1); got[0].Type != inbox.EventTypingIndicator || got[0].Seq != 0 {
				t.Fatalf("published %+v, want the typing indicator as it is", got)
			}
			const n = 40
			for i := range n {
				e := inbox.Event{TenantID: tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
				if err := st.InTx(ctx, func(q inbox.Queries) error { return q.AppendEvent(ctx, &e) }); err != nil {
					t.Fatal(err)
				}
				seq.Publish(ctx, e)
			}
			got := pub.wait(t, n)[1:]
			for i, e := range got {
				if e.Seq != int64(i+1) || e.TenantID != tenant || string(e.Data) != fmt.Sprintf(`{"i":%d}`, i) {
					t.Fatalf("event %d published as %+v", i, e)
				}
			}
			stop()
			if evs, _, err := st.EventsSince(ctx, tenant, 0, 100); err != nil || len(evs) != n {
				t.Errorf("the log holds %d events (%v), want %d", len(evs), err, n)
			}
		})
	}
}

// TestSequencerNumbersOthersAndLeftovers: a sequencer numbers what another node's writers
// stored without asking it (their node stopped after the commit), within its sweep, and what
// was stored just before it stops.
func TestSequencerNumbersOthersAndLeftovers(t *testing.T) {
	st := storetest.OpenPostgres(t)
	tenant, _ := storetest.NewConversations(t, st, 1)
	ctx := context.Background()
	appendOne := func() {
		e := inbox.Event{TenantID: tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(`{}`)}
		if err := st.InTx(ctx, func(q inbox.Queries) error { return q.AppendEvent(ctx, &e) }); err != nil {
			t.Fatal(err)
		}
	}
	pub := newPublished()
	_, stop := sequencer.Start(st, pub, slog.New(slog.DiscardHandler))
	appendOne() // never published: the sweep finds it
	if got := pub.wait(t, 1); got[0].Seq != 1 {
		t.Fatalf("published %+v, want seq 1", got)
	}
	appendOne()
	stop() // its last round numbers the second
	evs, _, err := st.EventsSince(ctx, tenant, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Seq != 2 {
		t.Errorf("the log holds %+v, want events 1 and 2", evs)
	}
}
