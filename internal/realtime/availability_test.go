package realtime_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// grace is the tests' grace period: short, since every assertion waits for an event.
const grace = 20 * time.Millisecond

// trackedNode is w.node with an availability tracker.
func (w *world) trackedNode(t *testing.T, bus realtime.Bus) *node {
	var tr *inbox.AvailabilityTracker
	n := w.node(t, bus, func(c *realtime.Config) {
		tr = c.Service.NewAvailabilityTracker(inbox.TrackerConfig{Grace: grace, Log: quiet})
		c.Availability = tr
	})
	t.Cleanup(tr.Close)
	return n
}

// availabilityOf reads frames until an agent_availability frame about user.
func (c *client) availabilityOf(user uuid.UUID) inbox.Availability {
	c.t.Helper()
	for {
		f := c.next()
		if f.Type != string(inbox.EventAgentAvailability) {
			continue
		}
		var a inbox.AgentAvailability
		must(c.t, json.Unmarshal(f.Data, &a))
		if f.Seq == 0 {
			c.t.Errorf("agent_availability without seq: %s", f.Data)
		}
		if a.UserID == user {
			return a.Availability
		}
	}
}

func (w *world) availability(t *testing.T, svc *inbox.Service, user uuid.UUID) inbox.Availability {
	t.Helper()
	users, err := svc.ListUsers(context.Background(), w.principal(0, auth.RoleAdmin))
	must(t, err)
	for _, u := range users {
		if u.ID == user {
			return u.Availability
		}
	}
	t.Fatalf("no user %s", user)
	return ""
}

// TestAvailabilityFollowsSockets: an agent is online while a socket is open, offline a grace
// period after the last closes, online again on the next; a manual choice stays.
func TestAvailabilityFollowsSockets(t *testing.T) {
	w := newWorld(t)
	n := w.trackedNode(t, realtime.NewMemoryBus())
	exec := w.tenants[0].users[auth.RoleExecutive]
	ctx := context.Background()

	watcher := w.connect(t, n, 0, auth.RoleAdmin, "")
	agent := w.connect(t, n, 0, auth.RoleExecutive, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent connected: %s, want online", a)
	}
	agent.ws.Close(websocket.StatusNormalClosure, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOffline {
		t.Fatalf("after the agent's socket closed: %s, want offline", a)
	}
	agent = w.connect(t, n, 0, auth.RoleExecutive, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent came back: %s, want online", a)
	}

	// Set by hand, on another socket's screen.
	_, err := n.svc.SetAvailability(ctx, w.principal(0, auth.RoleExecutive), inbox.AvailabilityAway)
	must(t, err)
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityAway {
		t.Fatalf("after the agent set away: %s", a)
	}
	agent.ws.Close(websocket.StatusNormalClosure, "")
	w.waitConnections(t, exec, 0)
	if a := w.availability(t, n.svc, exec); a != inbox.AvailabilityAway {
		t.Fatalf("a manual away became %s when the socket closed", a)
	}
	w.connect(t, n, 0, auth.RoleExecutive, "")
	w.waitConnections(t, exec, 1)
	if a := w.availability(t, n.svc, exec); a != inbox.AvailabilityAway {
		t.Fatalf("a manual away became %s when a socket opened", a)
	}
	_, err = n.svc.SetAvailability(ctx, w.principal(0, auth.RoleExecutive), inbox.AvailabilityOnline)
	must(t, err)
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent set online: %s", a)
	}
}

// waitConnections waits until the store holds n connection rows of the user (the grace
// period's row of a closed socket goes when it is settled).
func (w *world) waitConnections(t *testing.T, user uuid.UUID, n int) {
	t.Helper()
	db := w.st.(interface{ DB() *sql.DB }).DB()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got int
		must(t, db.QueryRow(`SELECT COUNT(*) FROM agent_connections WHERE user_id = $1`, user.String()).Scan(&got))
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the user has %d connection rows, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAvailabilityAcrossNodes: an agent with sockets on two nodes stays online when one
// closes, and goes offline when the last, on the other node, does.
func TestAvailabilityAcrossNodes(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		availabilityAcrossNodes(t, newWorld(t), natstest.Start(t, -1).ClientURL())
	})
	t.Run("postgres", func(t *testing.T) {
		availabilityAcrossNodes(t, newWorldOn(t, storetest.OpenPostgres), natstest.Start(t, -1).ClientURL())
	})
	t.Run("external", func(t *testing.T) {
		url := os.Getenv("TEAMINBOX_TEST_NATS_URL")
		if url == "" {
			t.Skip("TEAMINBOX_TEST_NATS_URL is not set: skipping the external NATS variant")
		}
		availabilityAcrossNodes(t, newWorld(t), url)
	})
}

func availabilityAcrossNodes(t *testing.T, w *world, url string) {
	var nodes [2]*node
	for i := range nodes {
		bus, err := realtime.NewNATSBus(url, quiet)
		must(t, err)
		t.Cleanup(func() { bus.Close() })
		nodes[i] = w.trackedNode(t, bus)
	}
	exec := w.tenants[0].users[auth.RoleExecutive]
	watcher := w.connect(t, nodes[0], 0, auth.RoleAdmin, "")
	onA := w.connect(t, nodes[0], 0, auth.RoleExecutive, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent connected to A: %s", a)
	}
	onB := w.connect(t, nodes[1], 0, auth.RoleExecutive, "")
	w.waitConnections(t, exec, 2)

	onA.ws.Close(websocket.StatusNormalClosure, "")
	w.waitConnections(t, exec, 1) // A's grace period ended and was settled
	if a := w.availability(t, nodes[0].svc, exec); a != inbox.AvailabilityOnline {
		t.Fatalf("with a socket left on B the agent is %s", a)
	}
	onB.ws.Close(websocket.StatusNormalClosure, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOffline {
		t.Fatalf("after the last socket, on B, closed: %s", a)
	}
	w.connect(t, nodes[1], 0, auth.RoleExecutive, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent came back on B: %s", a)
	}
}

// TestAvailabilityOfAStoppedNode: a node that stops before its grace periods end leaves rows
// that another node's sweep settles once they ended.
func TestAvailabilityOfAStoppedNode(t *testing.T) {
	w := newWorld(t)
	url := natstest.Start(t, -1).ClientURL()
	newBus := func() realtime.Bus {
		bus, err := realtime.NewNATSBus(url, quiet)
		must(t, err)
		t.Cleanup(func() { bus.Close() })
		return bus
	}
	survivor := w.node(t, newBus())
	var dying *inbox.AvailabilityTracker
	gone := w.node(t, newBus(), func(c *realtime.Config) {
		dying = c.Service.NewAvailabilityTracker(inbox.TrackerConfig{Grace: time.Hour, Log: quiet})
		c.Availability = dying
	})
	exec := w.tenants[0].users[auth.RoleExecutive]
	watcher := w.connect(t, survivor, 0, auth.RoleAdmin, "")
	agent := w.connect(t, gone, 0, auth.RoleExecutive, "")
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOnline {
		t.Fatalf("after the agent connected: %s", a)
	}
	go agent.closeCode() // answers the server's close
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gone.hub.Shutdown(ctx)
	w.waitClosedRow(t, exec)
	dying.Close() // the node stops: its grace timer never fires

	// Another node's sweep, once the grace period is over (its clock says two hours later).
	seq, stop := sequencer.Start(w.st, realtime.NewPublisher(newBus(), quiet), quiet)
	defer stop()
	later := inbox.NewService(w.st, seq, quiet)
	later.SetClock(func() time.Time { return time.Now().UTC().Add(2 * time.Hour) })
	sweeper := later.NewAvailabilityTracker(inbox.TrackerConfig{Grace: grace, Log: quiet})
	defer sweeper.Close()
	must(t, sweeper.Sweep(ctx))
	if a := watcher.availabilityOf(exec); a != inbox.AvailabilityOffline {
		t.Fatalf("after the sweep: %s", a)
	}
	w.waitConnections(t, exec, 0)
}

// waitClosedRow waits until the user's only connection row is a closed one.
func (w *world) waitClosedRow(t *testing.T, user uuid.UUID) {
	t.Helper()
	db := w.st.(interface{ DB() *sql.DB }).DB()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var open, closed int
		must(t, db.QueryRow(`SELECT COUNT(*) FILTER (WHERE open), COUNT(*) FILTER (WHERE NOT open) FROM agent_connections WHERE user_id = $1`, user.String()).Scan(&open, &closed))
		if open == 0 && closed == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the user has %d open and %d closed connection rows", open, closed)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
