package realtime

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// order hands a tenant's durable events to the sockets in sequence order. Events commit in
// order, but their publishes race (goroutines of one node, nodes through NATS), so seq 11
// can reach a hub before seq 10; a client given 11 first that resumes with since=11 would
// never see 10. So 11 waits for 10, and if 10 is gapWait late (its publish was lost), 10 is
// read from the event log. A tenant is tracked from its first socket on this node on, so
// its order stays current while it has none (a few words per tenant).
type order struct {
	log     EventLog
	deliver func(tenant uuid.UUID, seq int64, frame []byte)
	logger  *slog.Logger
	gapWait time.Duration
	fromLog prometheus.Counter // events delivered from the log, not the bus

	mu      sync.Mutex
	tenants map[uuid.UUID]*tenantOrder
}

type tenantOrder struct {
	mu    sync.Mutex
	next  int64            // the seq to deliver next
	held  map[int64][]byte // frames that arrived ahead of next
	timer *time.Timer      // fills the gap from the log when it does not close by itself
}

func newOrder(log EventLog, logger *slog.Logger, gapWait time.Duration, fromLog prometheus.Counter, deliver func(uuid.UUID, int64, []byte)) *order {
	return &order{log: log, deliver: deliver, logger: logger, gapWait: gapWait, fromLog: fromLog, tenants: map[uuid.UUID]*tenantOrder{}}
}

// start tracks tenant from the seq after latest, the newest committed event when a socket
// of it registered (a socket registering later changes nothing: the order goes on).
func (o *order) start(tenant uuid.UUID, latest int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tenants[tenant] == nil {
		o.tenants[tenant] = &tenantOrder{next: latest + 1, held: map[int64][]byte{}}
	}
}

// accept takes an event frame from the bus and delivers what is now in order.
func (o *order) accept(tenant uuid.UUID, seq int64, frame []byte) {
	o.mu.Lock()
	t := o.tenants[tenant]
	o.mu.Unlock()
	if t == nil {
		return // no socket of this tenant here
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case seq < t.next: // delivered already, from the log or as a redelivery
	case seq == t.next:
		o.deliver(tenant, seq, frame)
		t.next++
		o.drain(tenant, t)
	default:
		t.held[seq] = frame
		if t.timer == nil {
			t.timer = time.AfterFunc(o.gapWait, func() { o.fill(tenant, t) })
		}
	}
}

// drain delivers the held frames that follow next without a gap.
func (o *order) drain(tenant uuid.UUID, t *tenantOrder) {
	for {
		frame, ok := t.held[t.next]
		if !ok {
			break
		}
		delete(t.held, t.next)
		o.deliver(tenant, t.next, frame)
		t.next++
	}
	if len(t.held) == 0 {
		t.stopTimer()
	}
}

// fill reads the events missing before the held ones from the log and delivers them; a seq
// the log lacks (pruned) is skipped, since the held events cannot wait for ever.
func (o *order) fill(tenant uuid.UUID, t *tenantOrder) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.timer = nil
	if len(t.held) == 0 {
		return
	}
	last := t.next
	for seq := range t.held {
		last = max(last, seq)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	events, _, err := o.log.EventsSince(ctx, tenant, t.next-1, int(last-t.next+1))
	if err != nil {
		o.logger.Warn("read missed events from the log", "tenant", tenant, "from", t.next, "err", err)
	}
	o.deliverLogged(tenant, t, events)
	for len(t.held) > 0 { // what the log could not give: skip to the next held frame
		next := last
		for seq := range t.held {
			next = min(next, seq)
		}
		t.next = next
		o.drain(tenant, t)
	}
	o.logger.Debug("filled an event gap from the log", "tenant", tenant, "next", t.next)
}

// deliverLogged delivers events read from the log (in seq order) from next on, with the
// frame that came from the bus where one is held.
func (o *order) deliverLogged(tenant uuid.UUID, t *tenantOrder, events []inbox.Event) {
	for _, e := range events {
		if e.Seq < t.next {
			continue
		}
		t.next = e.Seq + 1
		frame, held := t.held[e.Seq]
		delete(t.held, e.Seq)
		if !held {
			var err error
			if frame, err = encodeFrame(e); err != nil {
				o.logger.Error("encode frame", "type", e.Type, "err", err)
				continue
			}
			o.fromLog.Inc()
		}
		o.deliver(tenant, e.Seq, frame)
	}
}

// catchUpPage is how many events catchUp reads at a time.
const catchUpPage = 500

// catchUp delivers, for every tenant tracked here, what the log holds after the last event
// delivered: the bus loses what is published while this node is cut off from it, and a
// quiet tenant would otherwise wait for its next event (and its gap fill) to see them.
func (o *order) catchUp(ctx context.Context) {
	o.mu.Lock()
	tenants := make(map[uuid.UUID]*tenantOrder, len(o.tenants))
	maps.Copy(tenants, o.tenants)
	o.mu.Unlock()
	for tenant, t := range tenants {
		o.catchUpTenant(ctx, tenant, t)
	}
}

func (o *order) catchUpTenant(ctx context.Context, tenant uuid.UUID, t *tenantOrder) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		events, _, err := o.log.EventsSince(ctx, tenant, t.next-1, catchUpPage)
		if err != nil {
			o.logger.Warn("catch up from the event log", "tenant", tenant, "from", t.next, "err", err)
			return
		}
		o.deliverLogged(tenant, t, events)
		if len(events) < catchUpPage {
			break
		}
	}
	for seq := range t.held { // behind next now: copies of what the log gave
		if seq < t.next {
			delete(t.held, seq)
		}
	}
	o.drain(tenant, t)
}

func (t *tenantOrder) stopTimer() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}
