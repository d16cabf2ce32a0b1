// Package sequencer numbers the events a store keeps unnumbered, and publishes them.
//
// On PostgreSQL a tenant's writers run side by side, on every node; had each transaction
// taken the tenant's next event number, it would hold the counter until its commit and the
// writers would take turns. Instead each stores its events unnumbered, and after its commit
// asks the sequencer of its node to number them: the sequencer numbers every committed,
// unnumbered event in one short transaction (nodes take turns at it), in the order they
// were stored, and publishes them once that commits. A tenant's numbers stay gap-free and
// in commit order, since an event is numbered only once committed and after every event
// numbered before it, and nothing is published that did not commit.
//
// In a cluster one node leads the numbering (see Sequencer.Lead): the others pass their
// requests on to it, so that the cluster runs one numbering transaction where each node
// would have run its own, each waiting for the others' and numbering a few events.
package sequencer

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Store numbers the events stored unnumbered (inbox.Store).
type Store interface {
	NumberEvents(ctx context.Context, limit int) ([]inbox.Event, error)
}

// batch is how many events one numbering transaction takes at most.
const batch = 1000

// sweepInterval is how often the sequencer numbers without being asked: events a node
// stored and did not number (it stopped between the commit and its request) wait that long.
const sweepInterval = time.Second

// Lead is the cluster's numbering lead, which one node holds at a time (the PostgreSQL
// store).
type Lead interface {
	// HoldLead takes the lead when no node holds it, keeps it when this node does, and
	// reports whether this node holds it.
	HoldLead(ctx context.Context) (bool, error)
	// ReleaseLead gives the lead up, for another node to take.
	ReleaseLead(ctx context.Context)
}

// Nudges carry the nodes' requests to number to every node (NATS).
type Nudges interface {
	Nudge() error            // must not block
	OnNudge(fn func()) error // fn runs on each node's every nudge; it must not block
}

// Sequencer numbers and publishes events; it is the inbox.Publisher the use cases get.
type Sequencer struct {
	store Store
	pub   inbox.Publisher
	log   *slog.Logger
	wake  chan struct{} // holds one request to number; more wait behind it, as one

	lead    Lead   // nil: this node numbers for itself
	nudges  Nudges // how the requests reach the lead
	leading atomic.Bool
	sweep   time.Duration // sweepInterval; tests shorten it
}

// New returns a sequencer that publishes on pub. Run makes it work.
func New(store Store, pub inbox.Publisher, log *slog.Logger) *Sequencer {
	return &Sequencer{store: store, pub: pub, log: log, wake: make(chan struct{}, 1), sweep: sweepInterval}
}

// Lead has the sequencer number for the whole cluster while its node holds the lead, and pass
// its node's requests on through nudges otherwise; Run takes the lead when no node holds it,
// checking every sweepInterval. Every node still numbers at each sweep, so a request lost on
// the way (the lead changing hands, NATS down) waits a sweep at most. Call it before Run.
func (s *Sequencer) Lead(lead Lead, nudges Nudges) error {
	s.lead, s.nudges = lead, nudges
	return nudges.OnNudge(func() {
		if s.leading.Load() {
			s.request()
		}
	})
}

// Publish passes numbered and ephemeral events on to the publisher at once, and has
// unnumbered ones numbered, then published, by Run.
func (s *Sequencer) Publish(ctx context.Context, events ...inbox.Event) {
	ready := events[:0:0]
	for _, e := range events {
		if e.Seq == 0 && !e.Type.Ephemeral() {
			s.request()
			continue
		}
		ready = append(ready, e)
	}
	if len(ready) > 0 {
		s.pub.Publish(ctx, ready...)
	}
}

// request wakes Run; requests made while it works are answered by its next round.
func (s *Sequencer) request() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// finalTimeout bounds the last round, run once ctx has ended.
const finalTimeout = 5 * time.Second

// Run numbers and publishes events when asked, and every sweepInterval, until ctx ends;
// then it numbers what the writes that finished meanwhile stored (the server stops its jobs
// once its requests are done), and gives the lead up.
func (s *Sequencer) Run(ctx context.Context) {
	tick := time.NewTicker(s.sweep)
	defer tick.Stop()
	s.holdLead(ctx)
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalTimeout)
			defer cancel()
			s.numberAll(final)
			if s.lead != nil {
				s.lead.ReleaseLead(final)
			}
			return
		case <-s.wake:
			if s.lead != nil && !s.leading.Load() {
				if err := s.nudges.Nudge(); err != nil {
					s.log.Warn("nudge the numbering lead", "err", err) // the sweeps number them
				}
				continue
			}
		case <-tick.C:
			s.holdLead(ctx)
		}
		s.numberAll(ctx)
	}
}

// holdLead takes or keeps the lead, when the sequencer has one to take.
func (s *Sequencer) holdLead(ctx context.Context) {
	if s.lead == nil {
		return
	}
	held, err := s.lead.HoldLead(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("hold the numbering lead", "err", err)
	}
	if s.leading.Swap(held) != held {
		s.log.Info("numbering lead", "held", held)
	}
}

// numberAll numbers batches until none is full.
func (s *Sequencer) numberAll(ctx context.Context) {
	for {
		events, err := s.store.NumberEvents(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("number events", "err", err) // the next round tries again
			}
			return
		}
		if len(events) > 0 {
			s.pub.Publish(ctx, events...)
		}
		if len(events) < batch {
			return
		}
	}
}

// Start runs a new sequencer until the returned stop is called, which waits for its last
// round: for tests and tools that have no jobs of their own.
func Start(store Store, pub inbox.Publisher, log *slog.Logger) (s *Sequencer, stop func()) {
	s = New(store, pub, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	return s, func() { cancel(); <-done }
}
