package inbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
)

// AvailabilityTracker turns one node's WebSockets into availability. The hub tells it when a
// user's first socket on the node opens and when the last one closes; the decision whether
// the user still has a socket on ANY node is the store's, where every node keeps one row per
// user it has sockets of (see AvailabilityQueries):
//
//   - first socket on the node: in one transaction, lock the user's availability, write the
//     node's row as open (with a lease), and turn an offline the server set into online;
//   - last socket on the node: write the node's row as closed until now+grace, and at that
//     time settle: lock the availability, delete the user's ended rows, and when none is left
//     turn online into offline.
//
// Both lock the availability row before they read or write the connection rows, so an open
// on one node and a settle on another run one after the other: the settle sees the open
// row, or the open sees the offline and turns it online again. A user's writes on one node
// run one at a time, in the order of the hub's calls. A node renews its open rows' leases
// every lease/3; when a node dies, or stops before its grace periods end, its rows end and
// any other node's sweep (every lease/3) settles their users.
type AvailabilityTracker struct {
	svc   *Service
	log   *slog.Logger
	node  string
	grace time.Duration
	lease time.Duration

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // writers and grace timers in flight

	mu     sync.Mutex
	closed bool
	users  map[UserKey]*trackedUser
	timers map[*time.Timer]struct{}
}

type trackedUser struct {
	open    bool // the node has sockets of the user
	running bool // a writer is syncing the store with open
	dirty   bool // open changed while the writer ran
}

// TrackerConfig configures an AvailabilityTracker.
type TrackerConfig struct {
	Grace time.Duration // how long after the last socket closes the user goes offline; default 30s
	Lease time.Duration // how long a node's open rows last unless renewed; default 2m
	Log   *slog.Logger
}

// NewAvailabilityTracker returns the tracker of one node; Run renews and sweeps, Close stops it.
func (s *Service) NewAvailabilityTracker(cfg TrackerConfig) *AvailabilityTracker {
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &AvailabilityTracker{svc: s, log: cfg.Log, node: uuid.NewString(), grace: cfg.Grace, lease: cfg.Lease,
		ctx: ctx, cancel: cancel, users: map[UserKey]*trackedUser{}, timers: map[*time.Timer]struct{}{}}
}

// Connected says the user's first socket on this node opened. It does not block.
func (t *AvailabilityTracker) Connected(tenant, user uuid.UUID) { t.set(UserKey{tenant, user}, true) }

// Disconnected says the user's last socket on this node closed. It does not block.
func (t *AvailabilityTracker) Disconnected(tenant, user uuid.UUID) {
	t.set(UserKey{tenant, user}, false)
}

func (t *AvailabilityTracker) set(k UserKey, open bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.users[k]
	if u == nil {
		u = &trackedUser{}
		t.users[k] = u
	}
	u.open = open
	if u.running {
		u.dirty = true
		return
	}
	if t.closed {
		return
	}
	u.running = true
	t.wg.Go(func() { t.sync(k, u) })
}

// sync writes the user's state on this node until the store has the latest.
func (t *AvailabilityTracker) sync(k UserKey, u *trackedUser) {
	for {
		t.mu.Lock()
		open := u.open
		u.dirty = false
		t.mu.Unlock()
		t.write(k, open)
		t.mu.Lock()
		if !u.dirty {
			u.running = false
			if !u.open {
				delete(t.users, k)
			}
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

func (t *AvailabilityTracker) write(k UserKey, open bool) {
	ctx := t.ctx
	if open {
		_, err := t.svc.changeAvailability(ctx, k.Tenant, k.User, func(aq AvailabilityQueries, cur AgentAvailability) (Availability, bool, error) {
			if err := aq.SetConnection(ctx, k.Tenant, k.User, t.node, true, t.svc.now().Add(t.lease)); err != nil {
				return "", false, err
			}
			if cur.Availability == AvailabilityOffline && !cur.Manual {
				return AvailabilityOnline, false, nil
			}
			return cur.Availability, cur.Manual, nil
		})
		t.logErr(err, "availability: connected", k)
		return
	}
	due := t.svc.now().Add(t.grace)
	err := t.svc.inAvailabilityTx(ctx, func(aq AvailabilityQueries) error {
		return aq.SetConnection(ctx, k.Tenant, k.User, t.node, false, due)
	})
	if err != nil {
		t.logErr(err, "availability: disconnected", k)
		return // the row stays open until its lease ends; a sweep settles it then
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return // a sweep settles it
	}
	t.wg.Add(1)
	var timer *time.Timer
	timer = time.AfterFunc(t.grace, func() {
		defer t.wg.Done()
		t.mu.Lock()
		delete(t.timers, timer)
		t.mu.Unlock()
		t.logErr(t.settle(ctx, k, due), "availability: settle", k)
	})
	t.timers[timer] = struct{}{}
}

// settle turns the user offline when no node has a socket of the user at now (or at due
// when that is later: the grace period this node's timer waited for is over either way).
func (t *AvailabilityTracker) settle(ctx context.Context, k UserKey, due time.Time) error {
	_, err := t.svc.changeAvailability(ctx, k.Tenant, k.User, func(aq AvailabilityQueries, cur AgentAvailability) (Availability, bool, error) {
		now := t.svc.now()
		if due.After(now) {
			now = due
		}
		n, err := aq.LiveConnections(ctx, k.Tenant, k.User, now)
		if err != nil || n > 0 || cur.Availability != AvailabilityOnline {
			return cur.Availability, cur.Manual, err
		}
		return AvailabilityOffline, false, nil
	})
	if e, ok := errors.AsType[*Error](err); ok && e.Kind == KindNotFound {
		return nil // the user is gone
	}
	return err
}

// Run renews this node's leases and settles the users whose rows ended, every lease/3,
// until ctx ends.
func (t *AvailabilityTracker) Run(ctx context.Context) {
	tick := time.NewTicker(t.lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := t.Sweep(ctx); err != nil && ctx.Err() == nil {
			t.log.Warn("availability sweep", "err", err)
		}
	}
}

// Sweep renews this node's leases once and settles the users whose rows ended.
func (t *AvailabilityTracker) Sweep(ctx context.Context) error {
	aq := AvailabilityQueries(t.svc.store)
	now := t.svc.now()
	err := t.svc.inAvailabilityTx(ctx, func(aq AvailabilityQueries) error {
		return aq.RenewConnections(ctx, t.node, now.Add(t.lease))
	})
	if err != nil {
		return err
	}
	for {
		ended, err := aq.EndedConnections(ctx, now, 100)
		if err != nil {
			return err
		}
		for _, k := range ended {
			if err := t.settle(ctx, k, now); err != nil {
				return err
			}
		}
		if len(ended) < 100 {
			return nil
		}
	}
}

// Close stops the grace timers, whose users another node's sweep settles instead, and waits
// for the writes in flight (call it after the hub closed its sockets, so that theirs are).
func (t *AvailabilityTracker) Close() {
	t.mu.Lock()
	t.closed = true
	for timer := range t.timers {
		if timer.Stop() {
			t.wg.Done()
		}
	}
	t.timers = map[*time.Timer]struct{}{}
	t.mu.Unlock()
	t.wg.Wait()
	t.cancel()
}

func (t *AvailabilityTracker) logErr(err error, what string, k UserKey) {
	if err != nil {
		t.log.Warn(what, "tenant", k.Tenant, "user", k.User, "err", err)
	}
}
