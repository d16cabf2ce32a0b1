package realtime_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
)

// waitFor polls cond until it holds, failing t after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCatchUpAfterNATSOutage stops NATS, writes notes on node A, starts NATS again and
// writes nothing more: the sockets of both nodes get every note, in order, once, from the
// event log, without waiting for a next event. Node A's publishes during the outage are
// lost (no reconnect buffer), as they are when the outage outlasts it.
func TestCatchUpAfterNATSOutage(t *testing.T) {
	ns := natstest.Start(t, -1)
	url, port := ns.ClientURL(), ns.Addr().(*net.TCPAddr).Port
	w := newWorld(t)
	fast := nats.ReconnectWait(50 * time.Millisecond)
	var buses [2]*realtime.NATSBus
	var nodes [2]*node
	for i := range nodes {
		opts := []nats.Option{fast}
		if i == 0 {
			opts = append(opts, nats.ReconnectBufSize(-1))
		}
		bus, err := realtime.NewNATSBus(url, quiet, opts...)
		must(t, err)
		t.Cleanup(func() { bus.Close() })
		buses[i], nodes[i] = bus, w.node(t, bus)
	}
	clients := []*client{w.connect(t, nodes[0], 0, auth.RoleViewer, ""), w.connect(t, nodes[1], 0, auth.RoleViewer, "")}
	ctx := context.Background()

	ns.Shutdown()
	for _, b := range buses {
		waitFor(t, "the nodes to see NATS go", func() bool { return b.Ready(ctx) != nil })
	}
	const notes = 20
	for i := range notes {
		_, err := nodes[0].svc.AddNote(ctx, w.principal(0, auth.RoleAdmin), w.tenants[0].conversation, inbox.NoteInput{Content: fmt.Sprint("during the outage ", i)})
		must(t, err)
	}
	natstest.Start(t, port)
	for _, b := range buses {
		waitFor(t, "the nodes to reconnect", func() bool { return b.Ready(ctx) == nil })
	}
	for n, c := range clients {
		for i := range notes {
			if f := c.until(string(inbox.EventNewMessage)); f.Seq != int64(i+1) {
				t.Fatalf("node %d: seq %d, want %d (every event once, in order)", n, f.Seq, i+1)
			}
		}
	}
}
