package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// userCacheTTL is how long Authorize trusts its last look at a user: how long a deactivation
// made on another node can take to reach this one (one made here applies at once).
const userCacheTTL = 5 * time.Second

// Authorize checks that a verified token's user still exists, is active, belongs to the
// token's tenant and was issued under the user's current token version (no logout, password
// or role change since), and returns it; anything else is a 401. Every REST request, media
// link and WebSocket connection passes here: a signature proves only who the token was
// issued to.
func (s *Service) Authorize(ctx context.Context, p auth.Principal) (User, error) {
	u, err := s.ActiveUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return User{}, err
	}
	if u.TokenVersion != p.TokenVersion {
		return User{}, errDenied
	}
	return u, nil
}

// errDenied answers a credential whose user is unknown, deactivated or logged out.
var errDenied = Unauthorized("The token's user is unknown or deactivated")

// ActiveUser is Authorize without the token version, for credentials that are revoked on
// their own (personal API keys): the user exists, is active, in an enabled tenant. Users
// are read at most once per userCacheTTL.
func (s *Service) ActiveUser(ctx context.Context, tenant, id uuid.UUID) (User, error) {
	now := time.Now()
	if err := s.tenantEnabled(ctx, tenant); errors.Is(err, ErrNotFound) {
		return User{}, errDenied
	} else if err != nil {
		return User{}, err
	}
	if u, ok := s.users.Get(id, now); ok {
		if u.TenantID != tenant {
			return User{}, errDenied
		}
		return u, nil
	}
	u, err := s.store.GetUser(ctx, tenant, id)
	if errors.Is(err, ErrNotFound) {
		return User{}, errDenied
	}
	if err != nil {
		return User{}, fmt.Errorf("authorize: load user: %w", err)
	}
	if u.DeactivatedAt != nil {
		return User{}, errDenied
	}
	s.users.Put(u.ID, u, now)
	return u, nil
}

// ForgetUser drops what Authorize keeps of a user, so that a change made to them (a
// deactivation, a new token version) applies to their next request on this node.
func (s *Service) ForgetUser(id uuid.UUID) { s.users.Forget(id) }

// errTenantDisabled answers every request of a disabled business's users.
var errTenantDisabled = Unauthorized("This business is disabled; its administrator can ask the operator of this teaminbox server to enable it again")

// tenantEnabled is errTenantDisabled, or ErrNotFound for an unknown tenant, unless the
// tenant is enabled. Like users, a tenant is read at most once per userCacheTTL: an operator
// disabling it (teaminbox tenant disable) takes that long to apply.
func (s *Service) tenantEnabled(ctx context.Context, id uuid.UUID) error {
	t, err := s.cachedTenant(ctx, id)
	if err != nil {
		return err
	}
	if t.DisabledAt != nil {
		return errTenantDisabled
	}
	return nil
}

// cachedTenant is the tenant as read at most userCacheTTL ago.
func (s *Service) cachedTenant(ctx context.Context, id uuid.UUID) (Tenant, error) {
	now := time.Now()
	if t, ok := s.tenants.Get(id, now); ok {
		return t, nil
	}
	t, err := s.store.GetTenant(ctx, id)
	if err != nil {
		return Tenant{}, fmt.Errorf("load tenant: %w", err)
	}
	s.tenants.Put(id, t, now)
	return t, nil
}

// SetUserActive deactivates a user (no login, and every token of theirs refused from the
// next request on) or reactivates one. A deactivation appends user_deactivated to the
// tenant's events, on which every node closes the user's sockets and forgets them.
func (s *Service) SetUserActive(ctx context.Context, p auth.Principal, id uuid.UUID, active bool) (User, error) {
	if err := require(p, auth.PermSettingsWrite, "manage users"); err != nil {
		return User{}, err
	}
	var at *time.Time
	if !active {
		at = ptr(s.now())
	}
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		if err := q.SetUserDeactivated(ctx, p.TenantID, id, at); errors.Is(err, ErrLastSuperAdmin) {
			return LastSuperAdmin("deactivate")
		} else if err != nil {
			return notFoundAs(err, "User")
		}
		if !active {
			em.emit(EventUserDeactivated, nil, UserDeactivated{UserID: id})
		}
		return nil
	})
	s.users.Forget(id)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.GetUser(ctx, p.TenantID, id)
	return u, notFoundAs(err, "User")
}

// ForgetTenant drops what this node keeps of a deleted business's users and channels: its
// tokens are refused and its webhooks unknown from the next request on (other nodes follow
// within the caches' lifetimes, seconds).
func (s *Service) ForgetTenant(tenant uuid.UUID) {
	s.users.ForgetIf(func(u User) bool { return u.TenantID == tenant })
	s.channels.ForgetIf(func(ch Channel) bool { return ch.TenantID == tenant })
}

// UserDeactivated is the data of a user_deactivated event.
type UserDeactivated struct {
	UserID uuid.UUID `json:"user_id"`
}
