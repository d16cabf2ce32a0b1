package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// EventLog is the durable event history a reconnecting client resumes from (the store).
type EventLog interface {
	EventsSince(ctx context.Context, tenant uuid.UUID, after int64, limit int) ([]inbox.Event, int64, error)
	LatestSeq(ctx context.Context, tenant uuid.UUID) (int64, error)
}

// Config configures a Hub.
type Config struct {
	Service          *inbox.Service
	Tokens           *auth.Tokens
	Bus              Bus
	EventLog         EventLog
	Log              *slog.Logger
	Registry         *prometheus.Registry // optional
	AcceptAllOrigins bool                 // WEBSOCKET_ACCEPT_ALL
	AllowedOrigins   []string             // host patterns when not accepting all
	TokenTTL         time.Duration        // WEBSOCKET_TOKEN_EXPIRY
	TypingTimeout    time.Duration        // TEAM_INBOX_TYPING_TIMEOUT
	QueueSize        int                  // frames a connection may fall behind before it is dropped; default 256
	PingInterval     time.Duration        // default 30s
	ReplayLimit      int                  // the most events a resume replays; more means reload; default 1000
	GapWait          time.Duration        // how long an event waits for an earlier one before it is read from the log; default 200ms
}

// Hub keeps every WebSocket of this node, by tenant, and delivers events to them.
type Hub struct {
	cfg  Config
	log  *slog.Logger
	node string

	mu      sync.RWMutex
	tenants map[uuid.UUID]map[*conn]struct{}
	users   map[userKey]map[*conn]struct{} // the same connections by user, for presence
	closing bool

	presence *presence
	typing   *typing
	order    *order

	connections   prometheus.Gauge
	sent, dropped prometheus.Counter // teaminbox_websocket_frames_total by outcome
}

// New returns a hub subscribed to cfg.Bus.
func New(cfg Config) (*Hub, error) {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 30 * time.Second
	}
	if cfg.ReplayLimit <= 0 {
		cfg.ReplayLimit = 1000
	}
	if cfg.GapWait <= 0 {
		cfg.GapWait = 200 * time.Millisecond
	}
	if cfg.TypingTimeout <= 0 {
		cfg.TypingTimeout = 5 * time.Second
	}
	if cfg.Log == nil {
		return nil, errors.New("realtime: Config.Log is required")
	}
	h := &Hub{cfg: cfg, log: cfg.Log, node: uuid.NewString(), tenants: map[uuid.UUID]map[*conn]struct{}{},
		users: map[userKey]map[*conn]struct{}{}, presence: newPresence()}
	h.typing = newTyping(cfg.TypingTimeout, h.publishEphemeral)
	fromLog := prometheus.NewCounter(prometheus.CounterOpts{Name: "teaminbox_realtime_events_from_log_total",
		Help: "Events delivered to this node's sockets from the event log, not the bus: gaps filled, and catch-ups after a NATS reconnect."})
	h.order = newOrder(cfg.EventLog, cfg.Log, cfg.GapWait, fromLog, func(tenant uuid.UUID, seq int64, frame []byte) {
		h.fanOut(tenant, uuid.Nil, seq, frame)
	})
	h.connections = prometheus.NewGauge(prometheus.GaugeOpts{Name: "teaminbox_websocket_connections", Help: "Open WebSocket connections on this node."})
	frames := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "teaminbox_websocket_frames_total", Help: "Event frames by outcome (sent, dropped)."}, []string{"outcome"})
	h.sent, h.dropped = frames.WithLabelValues("sent"), frames.WithLabelValues("dropped")
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(h.connections, frames, fromLog)
	}
	if err := cfg.Bus.Subscribe(h.receive); err != nil {
		return nil, err
	}
	if r, ok := cfg.Bus.(reconnecting); ok {
		r.OnReconnect(h.catchUp)
	}
	return h, nil
}

// reconnecting is a bus that loses what is published while it is cut off from its server,
// and says when it is back.
type reconnecting interface {
	OnReconnect(fn func())
}

// catchUp delivers what this node's sockets missed while the bus was down, from the log.
func (h *Hub) catchUp() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h.order.catchUp(ctx)
}

// publishEphemeral sends an event that is not logged (typing, presence).
func (h *Hub) publishEphemeral(tenant uuid.UUID, t inbox.EventType, conversation *uuid.UUID, except uuid.UUID, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		h.log.Error("encode ephemeral event", "type", t, "err", err)
		return
	}
	e := inbox.Event{TenantID: tenant, Type: t, ConversationID: conversation, Data: raw, CreatedAt: time.Now().UTC()}
	if err := h.cfg.Bus.Publish(context.Background(), Envelope{Event: e, Except: except, Node: h.node}); err != nil {
		h.log.Warn("publish ephemeral event", "type", t, "err", err)
	}
}

// receive delivers an envelope from the bus to this node's connections of its tenant.
func (h *Hub) receive(env Envelope) {
	e := env.Event
	if e.Type == inbox.EventPresence {
		var ev presenceEvent
		if err := json.Unmarshal(e.Data, &ev); err != nil {
			return
		}
		e.Data = h.presence.apply(e.TenantID, env.Node, ev, e.ConversationID)
	}
	if e.Type == inbox.EventTypingIndicator {
		h.contactTyping(e)
	}
	if e.Type == inbox.EventUserDeactivated {
		var ev inbox.UserDeactivated
		if json.Unmarshal(e.Data, &ev) == nil {
			h.cfg.Service.ForgetUser(ev.UserID) // the deactivation may come from another node
			h.Disconnect(e.TenantID, ev.UserID, "deactivated")
		}
	}
	frame, err := encodeFrame(e)
	if err != nil {
		h.log.Error("encode frame", "type", e.Type, "err", err)
		return
	}
	if e.Seq == 0 { // ephemeral: no order to keep
		h.fanOut(e.TenantID, env.Except, 0, frame)
		return
	}
	h.order.accept(e.TenantID, e.Seq, frame)
}

// contactTyping arms the end of a contact's typing indicator (agents' indicators carry a
// user, and their ends come from the agent's node).
func (h *Hub) contactTyping(e inbox.Event) {
	var ev inbox.ContactTypingEvent
	if json.Unmarshal(e.Data, &ev) != nil || ev.Contact.ID == uuid.Nil || !ev.IsTyping {
		return
	}
	h.typing.contact(e.TenantID, ev.ConversationID, ev.Contact.ID, func() {
		ev.IsTyping = false
		data, err := json.Marshal(ev)
		if err != nil {
			h.log.Error("encode typing end", "err", err)
			return
		}
		frame, err := encodeFrame(inbox.Event{TenantID: e.TenantID, Type: e.Type, ConversationID: e.ConversationID, Data: data, CreatedAt: time.Now().UTC()})
		if err != nil {
			h.log.Error("encode frame", "type", e.Type, "err", err)
			return
		}
		h.fanOut(e.TenantID, uuid.Nil, 0, frame)
	})
}

// fanOut hands a frame to every connection of the tenant on this node, but except's. The
// sockets are shared out among this goroutine and one helper per other core, a chunk at a
// time, so that the writes of a large tenant use every core; it returns when every socket
// has the frame, so that a socket's frames keep the order of the calls.
func (h *Hub) fanOut(tenant, except uuid.UUID, seq int64, payload []byte) {
	h.mu.RLock()
	set := h.tenants[tenant]
	conns := make([]*conn, 0, len(set))
	for c := range set {
		if except == uuid.Nil || c.p.UserID != except {
			conns = append(conns, c)
		}
	}
	h.mu.RUnlock()
	if len(conns) == 0 {
		return
	}
	// The frame is built once and shared by all the sockets.
	j := &fanJob{seq: seq, frame: appendTextFrame(nil, payload), conns: conns, done: make(chan struct{})}
	j.left.Store(int64(len(conns)))
	for range min(runtime.GOMAXPROCS(0), len(conns)/fanChunk) - 1 {
		go j.work()
	}
	j.work()
	<-j.done
}

// fanChunk is how many sockets a fan-out worker takes at a time: few enough that a thousand
// share out evenly, enough that taking them costs nothing beside their writes.
const fanChunk = 32

type fanJob struct {
	seq   int64
	frame []byte
	conns []*conn
	next  atomic.Int64 // the first socket of the next chunk
	left  atomic.Int64 // sockets not yet handed the frame
	done  chan struct{}
}

// work delivers chunks of the job until none is left.
func (j *fanJob) work() {
	for {
		end := int(j.next.Add(fanChunk))
		start := end - fanChunk
		if start >= len(j.conns) {
			return
		}
		end = min(end, len(j.conns))
		for _, c := range j.conns[start:end] {
			c.deliver(j.seq, j.frame)
		}
		if j.left.Add(int64(start-end)) == 0 {
			close(j.done)
		}
	}
}

type userKey struct{ tenant, user uuid.UUID }

// add registers c; first says it is its user's first connection on this node.
func (h *Hub) add(c *conn) (ok, first bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false, false
	}
	addTo(h.tenants, c.p.TenantID, c)
	key := userKey{c.p.TenantID, c.p.UserID}
	first = len(h.users[key]) == 0
	addTo(h.users, key, c)
	h.connections.Inc()
	return true, first
}

// remove unregisters c; last says no connection of its user is left on this node.
func (h *Hub) remove(c *conn) (last bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if removeFrom(h.tenants, c.p.TenantID, c) {
		h.connections.Dec()
	}
	key := userKey{c.p.TenantID, c.p.UserID}
	removeFrom(h.users, key, c)
	return len(h.users[key]) == 0
}

func addTo[K comparable](sets map[K]map[*conn]struct{}, k K, c *conn) {
	set := sets[k]
	if set == nil {
		set = map[*conn]struct{}{}
		sets[k] = set
	}
	set[c] = struct{}{}
}

func removeFrom[K comparable](sets map[K]map[*conn]struct{}, k K, c *conn) bool {
	set := sets[k]
	if _, ok := set[c]; !ok {
		return false
	}
	delete(set, c)
	if len(set) == 0 {
		delete(sets, k)
	}
	return true
}

// userState is what this node knows of a user's connections: how many, and what they view.
func (h *Hub) userState(tenant, user uuid.UUID) presenceEvent {
	h.mu.RLock()
	defer h.mu.RUnlock()
	ev := presenceEvent{UserID: user, Viewing: []uuid.UUID{}}
	for c := range h.users[userKey{tenant, user}] {
		ev.Connections++
		if v := c.viewing(); v != uuid.Nil {
			ev.Viewing = append(ev.Viewing, v)
		}
	}
	return ev
}

// announce publishes a user's presence on this node after it changed: online or not, and
// what the user views. A second tab of an online user changes neither, so it is not announced
// (with every connection announcing to every other, a tenant's connections cost N² frames).
func (h *Hub) announce(tenant, user uuid.UUID, conversation *uuid.UUID) {
	h.publishEphemeral(tenant, inbox.EventPresence, conversation, uuid.Nil, h.userState(tenant, user))
}

// Disconnect closes every socket of the user on this node with 4001 and reason.
func (h *Hub) Disconnect(tenant, user uuid.UUID, reason string) {
	h.mu.RLock()
	var conns []*conn
	for c := range h.users[userKey{tenant, user}] {
		conns = append(conns, c)
	}
	h.mu.RUnlock()
	for _, c := range conns {
		go c.close(statusUnauthorized, reason) // the close handshake waits for the socket's reader
	}
}

// Shutdown closes every connection with "going away", so clients reconnect to another node.
func (h *Hub) Shutdown(ctx context.Context) {
	h.mu.Lock()
	h.closing = true
	var all []*conn
	for _, set := range h.tenants {
		for c := range set {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	h.typing.stop()
	var wg sync.WaitGroup
	for _, c := range all {
		wg.Go(func() { c.close(statusGoingAway, "server shutting down") })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
