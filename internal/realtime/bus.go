// Package realtime pushes inbox events to agents' browsers over WebSockets: a hub of
// connections per tenant, fed by a bus that carries events between nodes (in memory on a
// single node, NATS across several).
package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

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

	mu          sync.Mutex
	reconnected []func() // see OnReconnect
}

// NewNATSBus connects to url; it reconnects on its own for as long as the process runs.
// opts come after the bus's own options (tests shorten the reconnect wait).
func NewNATSBus(url string, log *slog.Logger, opts ...nats.Option) (*NATSBus, error) {
	b := &NATSBus{log: log}
	nc, err := nats.Connect(url, append([]nats.Option{nats.Name("teaminbox"), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(b.onReconnect)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.nc = nc
	return b, nil
}

// OnReconnect has fn called after each reconnect to the server, once the subscription is in
// place again: envelopes published while the connection was down are lost to this node.
func (b *NATSBus) OnReconnect(fn func()) {
	b.mu.Lock()
	b.reconnected = append(b.reconnected, fn)
	b.mu.Unlock()
}

func (b *NATSBus) onReconnect(c *nats.Conn) {
	b.log.Info("nats reconnected", "url", c.ConnectedUrl())
	b.mu.Lock()
	fns := slices.Clone(b.reconnected)
	b.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Ready says whether the bus is connected to its server.
func (b *NATSBus) Ready(context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("nats is %s", strings.ToLower(b.nc.Status().String()))
	}
	return nil
}

// Collectors are the bus's metrics: whether it is connected, and how often it reconnected.
func (b *NATSBus) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "teaminbox_nats_connected", Help: "1 while this node is connected to NATS, else 0."},
			func() float64 {
				if b.nc.IsConnected() {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "teaminbox_nats_reconnects_total", Help: "Reconnects of this node to NATS."},
			func() float64 { return float64(b.nc.Stats().Reconnects) }),
	}
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

// nudgeSubject carries the sequencers' requests to number to the node that leads them.
const nudgeSubject = "teaminbox.sequencer.nudge"

// Nudge asks the node that leads the numbering to number (sequencer.Nudges).
func (b *NATSBus) Nudge() error {
	if err := b.nc.Publish(nudgeSubject, nil); err != nil {
		return fmt.Errorf("publish nudge: %w", err)
	}
	return nil
}

// OnNudge has fn called on every node's nudge, this node's included (sequencer.Nudges).
func (b *NATSBus) OnNudge(fn func()) error {
	if _, err := b.nc.Subscribe(nudgeSubject, func(*nats.Msg) { fn() }); err != nil {
		return fmt.Errorf("subscribe to nudges: %w", err)
	}
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
