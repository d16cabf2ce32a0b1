// Package apikeys is personal API keys: a user makes a named key with a role no higher than
// their own, and a program sends it as "Authorization: Bearer tik_..." wherever a login token
// goes, acting as that user with the lower of the key's role and the user's current one.
package apikeys

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/ttlcache"
)

const (
	// Prefix starts every key, so a bearer tells a key from a login token at a glance.
	Prefix = "tik_"
	// keyLength is the length of a key: Prefix and 32 random bytes, base64url unpadded.
	keyLength = len(Prefix) + 43
	// shownLength is how much of a key is kept in clear, for telling keys apart.
	shownLength = len(Prefix) + 8
	// cacheTTL is how long a node trusts its last look at a key: how long a revocation made
	// on another node can take to reach this one (one made here applies at once).
	cacheTTL = 10 * time.Second
	// touchEvery is how often a key's last_used_at is written, at most.
	touchEvery = time.Minute
	// maxKeys is how many keys one user may hold.
	maxKeys = 25
	// maxName is the longest name of a key, in characters.
	maxName = 100
)

// Key is a personal API key as stored: never the key itself, only its hash and its start.
type Key struct {
	ID         uuid.UUID  `json:"id"`
	TenantID   uuid.UUID  `json:"-"`
	UserID     uuid.UUID  `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Hash       string     `json:"-"`
	Role       auth.Role  `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Store keeps the keys; a key missing, or of another tenant, is inbox.ErrNotFound.
type Store interface {
	CreateAPIKey(ctx context.Context, k Key) error
	// ListAPIKeys lists the tenant's keys, oldest first: the user's only unless user is uuid.Nil.
	ListAPIKeys(ctx context.Context, tenant, user uuid.UUID) ([]Key, error)
	GetAPIKey(ctx context.Context, tenant, id uuid.UUID) (Key, error)
	GetAPIKeyByHash(ctx context.Context, hash string) (Key, error)
	DeleteAPIKey(ctx context.Context, tenant, id uuid.UUID) error
	TouchAPIKey(ctx context.Context, id uuid.UUID, at time.Time) error
}

// Users tells whether a key's owner may still act, and with which role (inbox.Service).
type Users interface {
	ActiveUser(ctx context.Context, tenant, id uuid.UUID) (inbox.User, error)
}

// auditor records creations and revocations (audit.Log).
type auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
}

// Service makes, lists, revokes and resolves keys.
type Service struct {
	store Store
	users Users
	audit auditor
	log   *slog.Logger
	now   func() time.Time

	cache *ttlcache.Cache[string, Key] // key hash → the key, as last read
}

// New returns a Service over store, recording to audit.
func New(store Store, users Users, audit auditor, log *slog.Logger, now func() time.Time) *Service {
	return &Service{store: store, users: users, audit: audit, log: log, now: now, cache: ttlcache.New[string, Key](cacheTTL)}
}

// record audits a change made to a key (never the key itself: Key holds only its hash,
// which does not marshal). A failure is logged, not returned: the change is committed.
func (s *Service) record(ctx context.Context, p auth.Principal, c audit.Change) {
	if err := s.audit.Record(ctx, p, c); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", c.Action, "object_id", c.ObjectID, "err", err)
	}
}

// Create makes a key for the caller with role, which may not be above the caller's, and
// returns it with the key itself, which is shown this once.
func (s *Service) Create(ctx context.Context, p auth.Principal, name, role string) (Key, string, error) {
	name = strings.TrimSpace(strings.ReplaceAll(name, "\x00", "")) // PostgreSQL's text refuses NUL
	bad := inbox.Fields{}
	if name == "" {
		bad.Add("name", "Name is required")
	}
	if utf8.RuneCountInString(name) > maxName {
		bad.Add("name", fmt.Sprintf("Name must be at most %d characters", maxName))
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		bad.Add("role", "Role must be one of super_admin, admin, executive, viewer")
	}
	if err := bad.Err(); err != nil {
		return Key{}, "", err
	}
	if above(r, p.Role) {
		return Key{}, "", inbox.Forbidden("A key's role cannot be above your own (" + string(p.Role) + ")")
	}
	held, err := s.store.ListAPIKeys(ctx, p.TenantID, p.UserID)
	if err != nil {
		return Key{}, "", fmt.Errorf("create api key: %w", err)
	}
	if len(held) >= maxKeys {
		return Key{}, "", inbox.Conflict(ReasonTooMany, fmt.Sprintf("A user may hold at most %d keys; revoke one first", maxKeys))
	}
	secret := Prefix + auth.NewToken()
	k := Key{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, UserID: p.UserID, Name: name, Prefix: secret[:shownLength],
		Hash: auth.HashToken(secret), Role: r, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return Key{}, "", fmt.Errorf("create api key: %w", err)
	}
	s.record(ctx, p, audit.Change{Action: "api_key.created", ObjectType: "api_key", ObjectID: k.ID.String(), After: k})
	return k, secret, nil
}

// ReasonTooMany is the reason of the 409 CONFLICT of a user who holds maxKeys keys.
const ReasonTooMany = "TOO_MANY_KEYS"

// List lists the caller's keys or, with everyone, every key of the caller's tenant, which
// only users who manage settings may see.
func (s *Service) List(ctx context.Context, p auth.Principal, everyone bool) ([]Key, error) {
	user := p.UserID
	if everyone {
		if !p.Can(auth.PermSettingsWrite) {
			return nil, inbox.Forbidden("You do not have permission to see other users' keys")
		}
		user = uuid.Nil
	}
	keys, err := s.store.ListAPIKeys(ctx, p.TenantID, user)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// Revoke deletes a key of the caller's, or of any user of the tenant for those who manage
// settings; any other key is a 404. It stops working at once on this node, and within
// cacheTTL on the others.
func (s *Service) Revoke(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	k, err := s.store.GetAPIKey(ctx, p.TenantID, id)
	if errors.Is(err, inbox.ErrNotFound) || (err == nil && k.UserID != p.UserID && !p.Can(auth.PermSettingsWrite)) {
		return inbox.NotFound("API key")
	}
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	if err := s.store.DeleteAPIKey(ctx, p.TenantID, id); err != nil {
		if errors.Is(err, inbox.ErrNotFound) {
			return inbox.NotFound("API key")
		}
		return fmt.Errorf("revoke api key: %w", err)
	}
	s.cache.Forget(k.Hash)
	s.record(ctx, p, audit.Change{Action: "api_key.revoked", ObjectType: "api_key", ObjectID: k.ID.String(), Before: k})
	return nil
}

// Resolve returns the principal a key acts as: its owner, with the lower of the key's role
// and the owner's current one. A malformed or unknown key is auth.ErrInvalidToken; an owner
// deactivated or gone is the inbox.Error of Users.ActiveUser.
func (s *Service) Resolve(ctx context.Context, secret string) (auth.Principal, error) {
	if !wellFormed(secret) {
		return auth.Principal{}, fmt.Errorf("%w: malformed api key", auth.ErrInvalidToken)
	}
	h, now := auth.HashToken(secret), s.now()
	k, ok := s.cache.Get(h, now)
	if !ok {
		var err error
		k, err = s.store.GetAPIKeyByHash(ctx, h)
		if errors.Is(err, inbox.ErrNotFound) {
			return auth.Principal{}, fmt.Errorf("%w: unknown api key", auth.ErrInvalidToken)
		}
		if err != nil {
			return auth.Principal{}, fmt.Errorf("resolve api key: %w", err)
		}
		s.cache.Put(h, k, now)
	}
	u, err := s.users.ActiveUser(ctx, k.TenantID, k.UserID)
	if err != nil {
		return auth.Principal{}, err
	}
	// A key is revoked on its own, not by its owner's logging out: it carries the owner's
	// current token version, which the request's Authorize then compares.
	p := auth.Principal{TenantID: k.TenantID, UserID: k.UserID, Role: k.Role, TokenVersion: u.TokenVersion}
	if above(p.Role, u.Role) {
		p.Role = u.Role
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchEvery {
		s.touch(ctx, h, k, now)
	}
	return p, nil
}

// touch records that the key was used at now; a failure is only logged.
func (s *Service) touch(ctx context.Context, h string, k Key, now time.Time) {
	s.cache.Update(h, func(k *Key) { k.LastUsedAt = &now })
	if err := s.store.TouchAPIKey(ctx, k.ID, now); err != nil {
		s.log.WarnContext(ctx, "touch api key", "key_id", k.ID, "err", err)
	}
}

// above reports whether role a outranks role b (auth.Roles is most powerful first).
func above(a, b auth.Role) bool {
	return slices.Index(auth.Roles, a) < slices.Index(auth.Roles, b)
}

// wellFormed reports whether secret looks like a key: Prefix and 43 base64url characters.
func wellFormed(secret string) bool {
	rest, ok := strings.CutPrefix(secret, Prefix)
	if !ok || len(secret) != keyLength {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}
