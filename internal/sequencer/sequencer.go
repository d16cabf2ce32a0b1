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
package sequencer

import (
	"context"
	"log/slog"
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

// Sequencer numbers and publishes events; it is the inbox.Publisher the use cases get.
type Sequencer struct {
	store Store
	pub   inbox.Publisher
	log   *slog.Logger
	wake  chan struct{} // holds one request to number; more wait behind it, as one
}

// New returns a sequencer that publishes on pub. Run makes it work.
func New(store Store, pub inbox.Publisher, log *slog.Logger) *Sequencer {
	return &Sequencer{store: store, pub: pub, log: log, wake: make(chan struct{}, 1)}
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
// once its requests are done).
func (s *Sequencer) Run(ctx context.Context) {
	tick := time.NewTicker(sweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalTimeout)
			defer cancel()
			s.numberAll(final)
			return
		case <-s.wake:
		case <-tick.C:
		}
		s.numberAll(ctx)
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
