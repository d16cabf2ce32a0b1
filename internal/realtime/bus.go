// Package realtime pushes inbox events to agents' browsers over WebSockets: a hub of
// connections per tenant, fed by a bus that carries events between nodes (in memory on a
// single node, NATS across several).
package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Envelope is what travels on the bus: an event and who must not get it back (the
// sender of an ephemeral event such as typing).
type Envelope struct {
	Event  inbox.Event `json:"event"`
	Except uuid.UUID   `json:"except,omitempty"`
	Node   string      `json:"node"`
}

// Bus carries envelopes to every node's hub, each exactly once, its own node included.
type Bus interface {
	Publish(ctx context.Context, e Envelope) error
	// Subscribe sets the one receiver; it must not block.
	Subscribe(fn func(Envelope)) error
	Close() error
}

// MemoryBus is the bus of a single node.
type MemoryBus struct {
	mu sync.RWMutex
	fn func(Envelope)
}

// NewMemoryBus returns a bus that delivers in process.
func NewMemoryBus() *MemoryBus { return &MemoryBus{} }

func (b *MemoryBus) Publish(_ context.Context, e Envelope) error {
	b.mu.RLock()
	fn := b.fn
	b.mu.RUnlock()
	if fn != nil {
		fn(e)
	}
	return nil
}

func (b *MemoryBus) Subscribe(fn func(Envelope)) error {
	b.mu.Lock()
	b.fn = fn
	b.mu.Unlock()
	return nil
}

func (b *MemoryBus) Close() error { return nil }

// subjectPrefix is followed by the tenant id: one subject per tenant keeps a future
// per-tenant subscription possible.
const subjectPrefix = "teaminbox.events."

// NATSBus fans envelopes out through a NATS server. A node receives its own envelopes back
// from NATS (no local shortcut), so every node sees each exactly once.
type NATSBus struct {
	nc  *nats.Conn
	log *slog.Logger
	sub *nats.Subscription
}

// NewNATSBus connects to url; it reconnects on its own for as long as the process runs.
func NewNATSBus(url string, log *slog.Logger) (*NATSBus, error) {
	nc, err := nats.Connect(url, nats.Name("teaminbox"), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrl()) }))
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return &NATSBus{nc: nc, log: log}, nil
}

func (b *NATSBus) Publish(_ context.Context, e Envelope) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	if err := b.nc.Publish(subjectPrefix+e.Event.TenantID.String(), raw); err != nil {
		return fmt.Errorf("publish event: %w", err)
	}
	return nil
}

func (b *NATSBus) Subscribe(fn func(Envelope)) error {
	sub, err := b.nc.Subscribe(subjectPrefix+">", func(m *nats.Msg) {
		var e Envelope
		if err := json.Unmarshal(m.Data, &e); err != nil {
			b.log.Warn("undecodable event on the bus", "subject", m.Subject, "err", err)
			return
		}
		fn(e)
	})
	if err != nil {
		return fmt.Errorf("subscribe to events: %w", err)
	}
	// Fan-out must not stall NATS: a burst stays in the client's pending buffer.
	_ = sub.SetPendingLimits(1<<20, 512<<20)
	b.sub = sub
	return b.nc.Flush()
}

// Close drains the subscription and the connection.
func (b *NATSBus) Close() error {
	return b.nc.Drain()
}

// Publisher puts committed events on the bus for every node's hub (inbox.Publisher).
type Publisher struct {
	bus Bus
	log *slog.Logger
}

// NewPublisher returns the publisher the use cases are given.
func NewPublisher(bus Bus, log *slog.Logger) *Publisher { return &Publisher{bus: bus, log: log} }

// Publish never fails the caller: the events are already in the log, and a client that
// misses one gets it on its next resume.
func (p *Publisher) Publish(ctx context.Context, events ...inbox.Event) {
	for _, e := range events {
		if err := p.bus.Publish(ctx, Envelope{Event: e}); err != nil {
			p.log.Warn("publish event", "tenant", e.TenantID, "type", e.Type, "seq", e.Seq, "err", err)
		}
	}
}
