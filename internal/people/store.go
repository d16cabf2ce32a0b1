package people

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Invitation asks someone, by email, to join a tenant with a role and teams. Only the
// SHA-256 of its token is stored; the token itself is shown or mailed once.
type Invitation struct {
	ID         uuid.UUID   `json:"id"`
	TenantID   uuid.UUID   `json:"business_id"`
	Email      string      `json:"email"`
	Role       auth.Role   `json:"role"`
	TeamIDs    []uuid.UUID `json:"team_ids"`
	InvitedBy  *uuid.UUID  `json:"invited_by"` // nil when made from the command line
	CreatedAt  time.Time   `json:"created_at"`
	ExpiresAt  time.Time   `json:"expires_at"`
	AcceptedAt *time.Time  `json:"-"`
	RevokedAt  *time.Time  `json:"-"`
	TokenHash  string      `json:"-"`
	TenantName string      `json:"-"` // filled by InvitationByToken
}

// Reset is a password reset: single use, expiring, only the SHA-256 of its token stored.
type Reset struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	UserID    uuid.UUID
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store is what the people use cases read and write. Rows of another tenant are
// inbox.ErrNotFound; a clash on a unique key is inbox.ErrDuplicate.
type Store interface {
	CreateTenant(ctx context.Context, t inbox.Tenant) error
	GetUser(ctx context.Context, tenant, id uuid.UUID) (inbox.User, error)
	// GetUserByEmail looks the email up across tenants (emails are unique).
	GetUserByEmail(ctx context.Context, email string) (inbox.User, error)
	// TeamsExist is inbox.ErrNotFound when any of ids is not a team of the tenant.
	TeamsExist(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) error
	// UpdateUser sets the user's role and names; taking the role of the tenant's last active
	// super admin is inbox.ErrLastSuperAdmin.
	UpdateUser(ctx context.Context, u inbox.User) error
	// SetPassword stores a new password hash and bumps the token version.
	SetPassword(ctx context.Context, tenant, id uuid.UUID, hash string) error
	// BumpTokenVersion revokes every token of the user issued before.
	BumpTokenVersion(ctx context.Context, tenant, id uuid.UUID) error

	CreateInvitation(ctx context.Context, inv Invitation) error
	// PendingInvitations lists the tenant's invitations neither accepted, revoked nor expired
	// at now, newest first; with email set, only that address's.
	PendingInvitations(ctx context.Context, tenant uuid.UUID, email string, now time.Time) ([]Invitation, error)
	// RevokeInvitation revokes a pending invitation; inbox.ErrNotFound when there is none.
	RevokeInvitation(ctx context.Context, tenant, id uuid.UUID, now time.Time) error
	// RenewInvitation gives a pending invitation a new token hash and expiry, so the old
	// link stops working; inbox.ErrNotFound when the tenant has no such pending invitation.
	RenewInvitation(ctx context.Context, tenant, id uuid.UUID, hash string, expires, now time.Time) error
	// InvitationByToken finds an invitation by its token's hash, whatever its state.
	InvitationByToken(ctx context.Context, hash string) (Invitation, error)
	// AcceptInvitation, in one transaction, marks the invitation of hash accepted if it
	// is still pending at now (inbox.ErrNotFound otherwise), creates u and puts u in the
	// invitation's teams that still exist.
	AcceptInvitation(ctx context.Context, hash string, u inbox.User, now time.Time) error

	CreateReset(ctx context.Context, r Reset) error
	// PendingReset is the reset of hash if it is unused and unexpired at now
	// (inbox.ErrNotFound otherwise).
	PendingReset(ctx context.Context, hash string, now time.Time) (Reset, error)
	// ConsumeReset, in one transaction, marks the reset of hash used if it is still unused
	// and unexpired at now (inbox.ErrNotFound otherwise), stores the user's new password
	// hash and bumps their token version.
	ConsumeReset(ctx context.Context, hash, passwordHash string, now time.Time) error
}
