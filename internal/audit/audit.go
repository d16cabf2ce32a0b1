// Package audit keeps the log of administrative actions: who changed a business's settings,
// people, channels or data, when, from which address, and the object before and after.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// Entry is one administrative action.
type Entry struct {
	ID         uuid.UUID       `json:"id"`
	TenantID   uuid.UUID       `json:"business_id"`
	ActorID    *uuid.UUID      `json:"actor_id"` // nil: the command line or the server itself
	Action     string          `json:"action"`   // <object>.<verb in the past>: user.invited
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	IP         string          `json:"ip"` // "" when the action did not come over HTTP
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	CreatedAt  time.Time       `json:"created_at"`
}

// Change is what a use case reports: the action, its object, and the object's state before
// and after (nil when there is none), marshalled to JSON. Leave secrets out of both.
type Change struct {
	Action     string
	ObjectType string
	ObjectID   string
	Before     any
	After      any
}

// Filter selects entries, newest first. Zero values do not filter.
type Filter struct {
	Action     string
	ObjectType string
	ObjectID   string
	ActorID    *uuid.UUID
	From, To   *time.Time // created in [From, To)
	// Before is a cursor: entries older than this entry (the previous page's last).
	Before *uuid.UUID
	Limit  int
}

// Store keeps the entries.
type Store interface {
	AppendAudit(ctx context.Context, e Entry) error
	// ListAudit returns up to f.Limit of the tenant's entries, newest first; a Before of
	// another tenant, or unknown, is ErrNotFound-wrapped by the store.
	ListAudit(ctx context.Context, tenant uuid.UUID, f Filter) ([]Entry, error)
}

// Log records and lists entries.
type Log struct {
	store Store
	now   func() time.Time
}

// New returns a Log over store.
func New(store Store) *Log {
	return &Log{store: store, now: func() time.Time { return time.Now().UTC() }}
}

// Record stores c as done by p, from the address WithIP put in ctx.
func (l *Log) Record(ctx context.Context, p auth.Principal, c Change) error {
	actor := p.UserID
	return l.append(ctx, p.TenantID, &actor, c)
}

// RecordSystem stores c as done by the command line or the server, on the tenant's log.
func (l *Log) RecordSystem(ctx context.Context, tenant uuid.UUID, c Change) error {
	return l.append(ctx, tenant, nil, c)
}

func (l *Log) append(ctx context.Context, tenant uuid.UUID, actor *uuid.UUID, c Change) error {
	e := Entry{ID: uuid.New(), TenantID: tenant, ActorID: actor, Action: c.Action, ObjectType: c.ObjectType,
		ObjectID: c.ObjectID, IP: IP(ctx), CreatedAt: l.now()}
	var err error
	if e.Before, err = state(c.Before); err != nil {
		return fmt.Errorf("audit %s: before: %w", c.Action, err)
	}
	if e.After, err = state(c.After); err != nil {
		return fmt.Errorf("audit %s: after: %w", c.Action, err)
	}
	if err := l.store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", c.Action, err)
	}
	return nil
}

func state(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// MaxLimit is the most entries one page holds.
const MaxLimit = 200

// List returns a page of the tenant's entries. Only those who may change settings read it:
// the route that calls it requires auth.PermSettingsWrite.
func (l *Log) List(ctx context.Context, tenant uuid.UUID, f Filter) ([]Entry, error) {
	if f.Limit < 1 || f.Limit > MaxLimit {
		f.Limit = 50
	}
	entries, err := l.store.ListAudit(ctx, tenant, f)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return entries, nil
}

type ipKey struct{}

// WithIP returns ctx carrying the address an action came from.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// IP is the address WithIP put in ctx, or "".
func IP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}
