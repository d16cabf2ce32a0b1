package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/ttlcache"
)

// Service holds the use cases. Each write runs in one store transaction that also appends
// the events describing it; the events are published only after the commit.
type Service struct {
	store Store
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	specs map[ChannelKind]ChannelSpec
	// connector checks channels' credentials with their providers (see ChannelConnector).
	connector ChannelConnector
	// templates checks template messages against the channel's stored templates.
	templates TemplateChecker
	// media resolves and checks the uploaded files replies send (see MediaAttacher).
	media MediaAttacher
	// channels are the webhooks' channels, kept for channelCacheTTL: reading one takes a pooled
	// connection and a share of a webhook's CPU, for a row that changes once in months.
	channels *ttlcache.Cache[uuid.UUID, Channel]
	// users are the callers Authorize has checked, kept for userCacheTTL.
	users   *ttlcache.Cache[uuid.UUID, User]
	auditor Auditor // nil: settings changes are not recorded
	// tenants are the businesses of those callers and webhooks, kept for userCacheTTL: whether
	// an operator disabled one (see tenantEnabled).
	tenants *ttlcache.Cache[uuid.UUID, Tenant]
}

// NewService wires the use cases to a store and a publisher.
func NewService(store Store, pub Publisher, log *slog.Logger) *Service {
	return &Service{store: store, pub: pub, log: log, now: func() time.Time { return time.Now().UTC() },
		channels: ttlcache.New[uuid.UUID, Channel](channelCacheTTL), users: ttlcache.New[uuid.UUID, User](userCacheTTL),
		tenants: ttlcache.New[uuid.UUID, Tenant](userCacheTTL)}
}

// SetClock replaces the clock, for tests and the seeder that back-dates data.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// emitter collects the events of one transaction.
type emitter struct {
	tenant uuid.UUID
	now    time.Time
	events []Event
	err    error
}

// emit records an event of type t about conversation c with data marshalled to JSON.
func (e *emitter) emit(t EventType, c *Conversation, data any) {
	raw, err := json.Marshal(data)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("marshal %s event: %w", t, err)
	}
	ev := Event{TenantID: e.tenant, Type: t, Data: raw, CreatedAt: e.now}
	if c != nil {
		id := c.ID
		ev.ConversationID = &id
		ev.AssignedUserID = c.AssignedUserID
	}
	e.events = append(e.events, ev)
}

// write runs fn in a transaction, appends the events fn emitted in the same transaction, and
// publishes them once committed.
func (s *Service) write(ctx context.Context, tenant uuid.UUID, fn func(q Queries, em *emitter) error) error {
	var em *emitter
	err := s.store.InTx(ctx, func(q Queries) error {
		em = &emitter{tenant: tenant, now: s.now()}
		if err := fn(q, em); err != nil {
			return err
		}
		if em.err != nil {
			return em.err
		}
		for i := range em.events {
			if err := q.AppendEvent(ctx, &em.events[i]); err != nil {
				return fmt.Errorf("append event: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(em.events) > 0 {
		s.pub.Publish(ctx, em.events...)
	}
	return nil
}

// require returns a 403 error when p lacks perm.
func require(p auth.Principal, perm auth.Permission, what string) error {
	if !p.Can(perm) {
		return Forbidden("You do not have permission to " + what)
	}
	return nil
}

// actorRef loads the acting user's short form for "updated_by" and system messages.
func actorRef(ctx context.Context, q Queries, p auth.Principal) (UserRef, error) {
	u, err := q.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return UserRef{}, fmt.Errorf("load acting user: %w", notFoundAs(err, "User"))
	}
	return u.Ref(), nil
}

// Principal is the user as the caller of a token issued now.
func (u User) Principal() auth.Principal {
	return auth.Principal{TenantID: u.TenantID, UserID: u.ID, Role: u.Role, TokenVersion: u.TokenVersion}
}

// Ref is the user's short form.
func (u User) Ref() UserRef {
	return UserRef{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
}

// Name is the user's display name.
func (u UserRef) Name() string { return joinName(u.FirstName, u.LastName) }

// Name is the contact's display name, or its phone when it has none.
func (c Contact) Name() string {
	if n := joinName(c.FirstName, c.LastName); n != "" {
		return n
	}
	return c.Phone
}

func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

func ptr[T any](v T) *T { return &v }
