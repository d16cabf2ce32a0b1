package sequencer_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// cluster is what the nodes of these tests share: the database's unnumbered events, the
// lead's lock and the bus that carries nudges.
type cluster struct {
	mu      sync.Mutex
	pending []inbox.Event
	last    int64    // the last number given
	holder  *node    // the node holding the lead
	nudged  []func() // every node's OnNudge
	nudges  atomic.Int32
	tenant  uuid.UUID // of every event
}

// node is one node: its store numbers the cluster's events and counts those it numbered.
type node struct {
	c        *cluster
	numbered atomic.Int32
	seq      *sequencer.Sequencer
	pub      *published
	stop     func()
}

func (n *node) NumberEvents(_ context.Context, limit int) ([]inbox.Event, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	evs := n.c.pending[:min(limit, len(n.c.pending))]
	n.c.pending = n.c.pending[len(evs):]
	for i := range evs {
		n.c.last++
		evs[i].Seq = n.c.last
	}
	n.numbered.Add(int32(len(evs)))
	return evs, nil
}

func (n *node) HoldLead(context.Context) (bool, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.holder == nil {
		n.c.holder = n
	}
	return n.c.holder == n, nil
}

func (n *node) ReleaseLead(context.Context) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.c.holder == n {
		n.c.holder = nil
	}
}

func (c *cluster) Nudge() error {
	c.nudges.Add(1)
	c.mu.Lock()
	fns := slices.Clone(c.nudged)
	c.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	return nil
}

func (c *cluster) OnNudge(fn func()) error {
	c.mu.Lock()
	c.nudged = append(c.nudged, fn)
	c.mu.Unlock()
	return nil
}

// start runs a node's sequencer, with the lead of the cluster, sweeping every sweep.
func (c *cluster) start(t *testing.T, sweep time.Duration) *node {
	t.Helper()
	n := &node{c: c, pub: newPublished()}
	n.seq = sequencer.New(n, n.pub, slog.New(slog.DiscardHandler))
	sequencer.SetSweep(n.seq, sweep)
	if err := n.seq.Lead(n, c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.seq.Run(ctx) }()
	n.stop = func() { cancel(); <-done }
	t.Cleanup(n.stop)
	return n
}

// write stores an event unnumbered, as a writer on n does, and asks n's sequencer to
// number it.
func (c *cluster) write(n *node) {
	e := inbox.Event{TenantID: c.tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(`{}`)}
	c.mu.Lock()
	c.pending = append(c.pending, e)
	c.mu.Unlock()
	n.seq.Publish(context.Background(), e)
}

// waitFor fails t unless cond holds within 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
	}
}

// TestTheLeadNumbersForEveryNode: a node that does not lead passes its writers' requests on
// to the node that does, which numbers their events (and publishes them, for every node's
// hub); the node that asked numbers none itself.
func TestTheLeadNumbersForEveryNode(t *testing.T) {
	c := &cluster{tenant: uuid.New()}
	a := c.start(t, time.Hour)
	waitFor(t, "the first node takes the lead", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.holder == a })
	b := c.start(t, time.Hour)
	for range 3 {
		c.write(b)
	}
	got := a.pub.wait(t, 3)
	for i, e := range got {
		if e.Seq != int64(i+1) {
			t.Errorf("event %d published with seq %d", i, e.Seq)
		}
	}
	if a.numbered.Load() != 3 || b.numbered.Load() != 0 || c.nudges.Load() == 0 {
		t.Errorf("the lead numbered %d, the other node %d, after %d nudges; want 3, 0 and some", a.numbered.Load(), b.numbered.Load(), c.nudges.Load())
	}
	c.write(a) // the lead's own writers' requests need no nudge
	if got := a.pub.wait(t, 1); len(got) != 4 || got[3].Seq != 4 {
		t.Errorf("the lead published %+v, want its own event as 4th", got)
	}
}

// TestTheLeadPassesOn: a lead that stops numbers what its node's writers left, gives the
// lead up, and the next node's sweep takes it.
func TestTheLeadPassesOn(t *testing.T) {
	c := &cluster{tenant: uuid.New()}
	a := c.start(t, time.Hour)
	waitFor(t, "the first node takes the lead", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.holder == a })
	b := c.start(t, 20*time.Millisecond)
	c.mu.Lock()
	c.pending = append(c.pending, inbox.Event{TenantID: c.tenant, Type: inbox.EventNewMessage}) // a write that asked nobody
	c.mu.Unlock()
	a.stop()
	waitFor(t, "the second node takes the lead", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.holder == b })
	c.write(b)
	if got := append(a.pub.wait(t, 1), b.pub.wait(t, 1)...); got[0].Seq != 1 || got[1].Seq != 2 {
		t.Errorf("published %+v, want the stopping lead's last round to number 1, the new lead 2", got)
	}
}

// TestLeadThroughPostgresAndNATS: two nodes on one PostgreSQL database and one NATS server;
// the first takes the lead, and an event the second's writer stores is numbered and
// published by the first, whose lead the second's nudge reached through NATS.
func TestLeadThroughPostgresAndNATS(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	url := natstest.Start(t, -1).ClientURL()
	ctx := context.Background()
	start := func() (*postgres.Store, *sequencer.Sequencer, *published) {
		st := storetest.OpenPostgresAt(t, dsn)
		bus, err := realtime.NewNATSBus(url, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bus.Close() })
		pub := newPublished()
		seq := sequencer.New(st, pub, slog.New(slog.DiscardHandler))
		sequencer.SetSweep(seq, time.Hour)
		if err := seq.Lead(st, bus); err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); seq.Run(runCtx) }()
		t.Cleanup(func() { cancel(); <-done })
		return st, seq, pub
	}
	first, _, firstPub := start()
	waitFor(t, "the first node takes the lead", func() bool { held, _ := first.HoldLead(ctx); return held })
	second, secondSeq, _ := start()
	tenant, _ := storetest.NewConversations(t, second, 1)
	e := inbox.Event{TenantID: tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(`{"from":"second"}`)}
	if err := second.InTx(ctx, func(q inbox.Queries) error { return q.AppendEvent(ctx, &e) }); err != nil {
		t.Fatal(err)
	}
	secondSeq.Publish(ctx, e)
	if got := firstPub.wait(t, 1); got[0].Seq != 1 || got[0].TenantID != tenant || string(got[0].Data) != `{"from":"second"}` {
		t.Errorf("the lead published %+v, want the second node's event as 1", got)
	}
}
