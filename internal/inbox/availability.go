package inbox

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// Availability says whether an agent takes work: online, away or offline.
type Availability string

const (
	AvailabilityOnline  Availability = "online"
	AvailabilityAway    Availability = "away"
	AvailabilityOffline Availability = "offline"
)

// Availabilities lists every availability.
var Availabilities = []Availability{AvailabilityOnline, AvailabilityAway, AvailabilityOffline}

// AgentAvailability is an agent's availability and whether the agent chose it (Manual) or
// the server set it from the agent's sockets. A manual "away" or "offline" stays until the
// agent changes it; "online" is never manual: it ends a grace period after the last socket.
type AgentAvailability struct {
	UserID       uuid.UUID    `json:"user_id"`
	Availability Availability `json:"availability"`
	Manual       bool         `json:"manual"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// AvailabilityQueries are the store's reads and writes of availability and of which nodes
// hold sockets of which users. The Queries of the store and of its transactions implement
// them (see availabilityQueries).
type AvailabilityQueries interface {
	// LockAvailability returns the tenant's user's availability, its row locked until the
	// transaction ends; a user never seen is offline, not manually. ErrNotFound when the
	// tenant has no such user.
	LockAvailability(ctx context.Context, tenant, user uuid.UUID) (AgentAvailability, error)
	SaveAvailability(ctx context.Context, tenant uuid.UUID, a AgentAvailability) error
	// TenantAvailability returns the availability of the tenant's users that have one.
	TenantAvailability(ctx context.Context, tenant uuid.UUID) (map[uuid.UUID]AgentAvailability, error)
	// SetConnection records node's sockets of the user: open, with the lease that ends at
	// until, or closed, with the grace period that ends at until.
	SetConnection(ctx context.Context, tenant, user uuid.UUID, node string, open bool, until time.Time) error
	// LiveConnections deletes the user's connection rows that ended at or before now, and
	// counts the others.
	LiveConnections(ctx context.Context, tenant, user uuid.UUID, now time.Time) (int, error)
	// RenewConnections moves the end of the lease of node's open rows to until.
	RenewConnections(ctx context.Context, node string, until time.Time) error
	// EndedConnections lists up to limit users, of any tenant, with a row that ended at or
	// before now: a grace period whose node did not settle it, or the lease of a node that
	// stopped.
	EndedConnections(ctx context.Context, now time.Time, limit int) ([]UserKey, error)
}

// UserKey names a user of a tenant.
type UserKey struct{ Tenant, User uuid.UUID }

// SetAvailability records the caller's own choice and emits agent_availability when it
// changes anything. "online" hands the availability back to the sockets: it goes offline a
// grace period after the last one closes; "away" and "offline" stay until the caller changes them.
func (s *Service) SetAvailability(ctx context.Context, p auth.Principal, a Availability) (AgentAvailability, error) {
	if !slices.Contains(Availabilities, a) {
		return AgentAvailability{}, Invalid(map[string]string{"availability": "Availability must be one of: online, away, offline"})
	}
	return s.changeAvailability(ctx, p.TenantID, p.UserID, func(AvailabilityQueries, AgentAvailability) (Availability, bool, error) {
		return a, a != AvailabilityOnline, nil
	})
}

// changeAvailability locks the user's availability and sets what decide returns (ok false
// leaves it), with an agent_availability event when it changes.
func (s *Service) changeAvailability(ctx context.Context, tenant, user uuid.UUID,
	decide func(aq AvailabilityQueries, cur AgentAvailability) (next Availability, manual bool, err error)) (AgentAvailability, error) {
	var out AgentAvailability
	err := s.write(ctx, tenant, func(q Queries, em *emitter) error {
		aq := AvailabilityQueries(q)
		cur, err := aq.LockAvailability(ctx, tenant, user)
		if err != nil {
			return notFoundAs(err, "User")
		}
		next, manual, err := decide(aq, cur)
		out = cur
		if err != nil || (next == cur.Availability && manual == cur.Manual) {
			return err
		}
		out = AgentAvailability{UserID: user, Availability: next, Manual: manual, UpdatedAt: em.now}
		if err := aq.SaveAvailability(ctx, tenant, out); err != nil {
			return fmt.Errorf("save availability: %w", err)
		}
		if next != cur.Availability {
			em.emit(EventAgentAvailability, nil, out)
		}
		return nil
	})
	return out, err
}

// tenantAvailability returns the availability of every user of the tenant that has one;
// the others are offline.
func (s *Service) tenantAvailability(ctx context.Context, tenant uuid.UUID) (map[uuid.UUID]AgentAvailability, error) {
	aq := AvailabilityQueries(s.store)
	m, err := aq.TenantAvailability(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("availability: %w", err)
	}
	return m, nil
}

// availabilityOf is a's availability, offline when a user has none.
func availabilityOf(m map[uuid.UUID]AgentAvailability, user uuid.UUID) Availability {
	if a, ok := m[user]; ok {
		return a.Availability
	}
	return AvailabilityOffline
}

// inAvailabilityTx runs fn in a transaction of its own, for writes that emit no event.
func (s *Service) inAvailabilityTx(ctx context.Context, fn func(aq AvailabilityQueries) error) error {
	return s.store.InTx(ctx, func(q Queries) error {
		aq := AvailabilityQueries(q)
		return fn(aq)
	})
}
