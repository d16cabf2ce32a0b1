package people

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// InviteInput is who to invite, as what, into which teams.
type InviteInput struct {
	Email   string
	Role    string
	TeamIDs []uuid.UUID
}

// Invited is a new invitation and its link; Link is empty when it was mailed.
type Invited struct {
	Invitation Invitation
	Link       string
	Mailed     bool
}

// Invite invites someone to p's business. Nobody invites with a role above their own; an
// email that is a user's already, or has a pending invitation here, is a 409.
func (s *Service) Invite(ctx context.Context, p auth.Principal, in InviteInput) (Invited, error) {
	if err := requireAdmin(p, "invite people"); err != nil {
		return Invited{}, err
	}
	bad := inbox.Fields{}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		bad.Add("email", "Must be an email address")
	}
	role, err := parseRole("role", in.Role)
	if err != nil {
		return Invited{}, err
	}
	if err := bad.Err(); err != nil {
		return Invited{}, err
	}
	if rank(role) < rank(p.Role) {
		return Invited{}, inbox.Forbidden(fmt.Sprintf("You cannot invite someone as %s, a role above your own (%s)", role, p.Role))
	}
	if err := s.o.Store.TeamsExist(ctx, p.TenantID, in.TeamIDs); errors.Is(err, inbox.ErrNotFound) {
		return Invited{}, inbox.Invalid(map[string]string{"team_ids": "Every id must be a team of this business"})
	} else if err != nil {
		return Invited{}, fmt.Errorf("invite: %w", err)
	}
	inviter := p.UserID
	inv, link, err := s.invite(ctx, p.TenantID, &inviter, email, role, in.TeamIDs)
	if err != nil {
		return Invited{}, err
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: "user.invited", ObjectType: "invitation", ObjectID: inv.ID.String(), After: inv})
	return s.deliver(ctx, inv, link, true)
}

// deliver mails the invitation's link when asked to and an SMTP server is configured, and
// otherwise answers it for the admin to hand over.
func (s *Service) deliver(ctx context.Context, inv Invitation, link string, mail bool) (Invited, error) {
	if !mail || s.o.Mailer == nil {
		return Invited{Invitation: inv, Link: link}, nil
	}
	body := fmt.Sprintf("You are invited to join %s on teaminbox as %s.\n\nOpen this link to choose your password (it works once, until %s):\n\n%s\n",
		s.tenantName(ctx, inv), inv.Role, inv.ExpiresAt.Format(time.RFC1123), link)
	if err := s.send(ctx, inv.Email, "Your invitation to teaminbox", body); err != nil {
		return Invited{}, err
	}
	return Invited{Invitation: inv, Mailed: true}, nil
}

// tenantName is the invitation's business name, or "a business" when it cannot be read.
func (s *Service) tenantName(ctx context.Context, inv Invitation) string {
	full, err := s.o.Store.InvitationByToken(ctx, inv.TokenHash)
	if err != nil {
		return "a business"
	}
	return full.TenantName
}

// invite stores an invitation after checking that the email is free, and returns its link.
func (s *Service) invite(ctx context.Context, tenant uuid.UUID, by *uuid.UUID, email string, role auth.Role, teams []uuid.UUID) (Invitation, string, error) {
	_, err := s.o.Store.GetUserByEmail(ctx, email)
	if err == nil {
		return Invitation{}, "", inbox.Conflict(ReasonEmailTaken, email+" already has an account")
	}
	if !errors.Is(err, inbox.ErrNotFound) {
		return Invitation{}, "", fmt.Errorf("invite: find user: %w", err)
	}
	now := s.now()
	open, err := s.o.Store.PendingInvitations(ctx, tenant, email, now)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("invite: %w", err)
	}
	if len(open) > 0 {
		return Invitation{}, "", inbox.Conflict(ReasonEmailTaken, email+" already has a pending invitation; revoke it to invite again")
	}
	token, hash := newToken()
	if teams == nil {
		teams = []uuid.UUID{}
	}
	inv := Invitation{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, Email: email, Role: role, TeamIDs: teams, InvitedBy: by,
		CreatedAt: now, ExpiresAt: now.Add(s.o.InvitationTTL), TokenHash: hash}
	if err := s.o.Store.CreateInvitation(ctx, inv); err != nil {
		return Invitation{}, "", fmt.Errorf("invite: %w", err)
	}
	return inv, s.link("/accept", token), nil
}

// ListInvitations lists p's business's pending invitations, newest first.
func (s *Service) ListInvitations(ctx context.Context, p auth.Principal) ([]Invitation, error) {
	if err := requireAdmin(p, "view invitations"); err != nil {
		return nil, err
	}
	list, err := s.o.Store.PendingInvitations(ctx, p.TenantID, "", s.now())
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return list, nil
}

// RevokeInvitation revokes a pending invitation: its link stops working.
func (s *Service) RevokeInvitation(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	if err := requireAdmin(p, "revoke invitations"); err != nil {
		return err
	}
	err := s.o.Store.RevokeInvitation(ctx, p.TenantID, id, s.now())
	if errors.Is(err, inbox.ErrNotFound) {
		return inbox.NotFound("Pending invitation")
	}
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: "invitation.revoked", ObjectType: "invitation", ObjectID: id.String()})
	return nil
}

// ResendInvitation gives a pending invitation a new link and expiry (the old link stops
// working) and mails it like Invite does, or answers it when mail is false or no SMTP server
// is configured. Nobody renews an invitation to a role above their own: the link would hand
// that role over.
func (s *Service) ResendInvitation(ctx context.Context, p auth.Principal, id uuid.UUID, mail bool) (Invited, error) {
	if err := requireAdmin(p, "resend invitations"); err != nil {
		return Invited{}, err
	}
	now := s.now()
	open, err := s.o.Store.PendingInvitations(ctx, p.TenantID, "", now)
	if err != nil {
		return Invited{}, fmt.Errorf("resend invitation: %w", err)
	}
	i := slices.IndexFunc(open, func(inv Invitation) bool { return inv.ID == id })
	if i < 0 {
		return Invited{}, inbox.NotFound("Pending invitation")
	}
	if rank(open[i].Role) < rank(p.Role) {
		return Invited{}, inbox.Forbidden(fmt.Sprintf("You cannot resend an invitation as %s, a role above your own (%s)", open[i].Role, p.Role))
	}
	token, hash := newToken()
	err = s.o.Store.RenewInvitation(ctx, p.TenantID, id, hash, now.Add(s.o.InvitationTTL), now)
	if errors.Is(err, inbox.ErrNotFound) { // accepted or revoked meanwhile
		return Invited{}, inbox.NotFound("Pending invitation")
	}
	if err != nil {
		return Invited{}, fmt.Errorf("resend invitation: %w", err)
	}
	inv, err := s.o.Store.InvitationByToken(ctx, hash)
	if err != nil {
		return Invited{}, fmt.Errorf("resend invitation: %w", err)
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: "invitation.resent", ObjectType: "invitation", ObjectID: id.String(), Before: open[i], After: inv})
	return s.deliver(ctx, inv, s.link("/accept", token), mail)
}

// InvitationView is what the invitation's link shows before it is accepted.
type InvitationView struct {
	Email        string    `json:"email"`
	BusinessName string    `json:"business_name"`
	Role         auth.Role `json:"role"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// usable is a pending invitation of token, or a 400 on "token" saying why it is not.
func (s *Service) usable(ctx context.Context, token string) (Invitation, error) {
	if token == "" {
		return Invitation{}, inbox.Invalid(map[string]string{"token": "Token is required"})
	}
	inv, err := s.o.Store.InvitationByToken(ctx, auth.HashToken(token))
	if errors.Is(err, inbox.ErrNotFound) {
		return inv, inbox.Invalid(map[string]string{"token": "This invitation link is not valid"})
	}
	if err != nil {
		return inv, fmt.Errorf("find invitation: %w", err)
	}
	switch {
	case inv.AcceptedAt != nil:
		return inv, inbox.Invalid(map[string]string{"token": "This invitation was already used"})
	case inv.RevokedAt != nil:
		return inv, inbox.Invalid(map[string]string{"token": "This invitation was revoked"})
	case !s.now().Before(inv.ExpiresAt):
		return inv, inbox.Invalid(map[string]string{"token": "This invitation has expired; ask for a new one"})
	}
	return inv, nil
}

// LookupInvitation shows a pending invitation by its token.
func (s *Service) LookupInvitation(ctx context.Context, token string) (InvitationView, error) {
	inv, err := s.usable(ctx, token)
	if err != nil {
		return InvitationView{}, err
	}
	return InvitationView{Email: inv.Email, BusinessName: inv.TenantName, Role: inv.Role, ExpiresAt: inv.ExpiresAt}, nil
}

// AcceptInput is the new user's choice on the invitation's page.
type AcceptInput struct {
	Token, FirstName, LastName, Password string
}

// AcceptInvitation creates the invited user, in the invited teams, and uses up the invitation.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (inbox.User, error) {
	inv, err := s.usable(ctx, in.Token)
	if err != nil {
		return inbox.User{}, err
	}
	bad := inbox.Fields{}
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if first == "" || len(first) > 100 {
		bad.Add("first_name", "First name is required, at most 100 characters")
	}
	if len(last) > 100 {
		bad.Add("last_name", "Must be at most 100 characters")
	}
	if auth.CheckPassword(inv.Email, in.Password) != nil {
		bad.Add("password", PasswordRule)
	}
	if err := bad.Err(); err != nil {
		return inbox.User{}, err
	}
	hash, err := s.o.Passwords.Hash(ctx, in.Password)
	if err != nil {
		return inbox.User{}, fmt.Errorf("accept invitation: %w", err)
	}
	u := inbox.User{ID: uuid.Must(uuid.NewV7()), TenantID: inv.TenantID, FirstName: first, LastName: last, Email: inv.Email,
		Role: inv.Role, PasswordHash: hash, CreatedAt: s.now()}
	err = s.o.Store.AcceptInvitation(ctx, auth.HashToken(in.Token), u, s.now())
	switch {
	case errors.Is(err, inbox.ErrNotFound): // used or revoked meanwhile
		return inbox.User{}, inbox.Invalid(map[string]string{"token": "This invitation was already used or revoked"})
	case errors.Is(err, inbox.ErrDuplicate):
		return inbox.User{}, inbox.Conflict(ReasonEmailTaken, inv.Email+" already has an account")
	case err != nil:
		return inbox.User{}, fmt.Errorf("accept invitation: %w", err)
	}
	newcomer := u.Principal()
	s.audit(ctx, u.TenantID, &newcomer, audit.Change{Action: "invitation.accepted", ObjectType: "invitation", ObjectID: inv.ID.String(), After: u})
	return u, nil
}

// CreateBusiness creates a business and an invitation for its owner as super admin, and
// returns the business and the invitation's one-time link (for the command line).
func (s *Service) CreateBusiness(ctx context.Context, name, ownerEmail string) (inbox.Tenant, string, error) {
	name = strings.TrimSpace(name)
	email := strings.ToLower(strings.TrimSpace(ownerEmail))
	if name == "" {
		return inbox.Tenant{}, "", errors.New("a business name is required")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return inbox.Tenant{}, "", fmt.Errorf("%q is not an email address", ownerEmail)
	}
	if _, err := s.o.Store.GetUserByEmail(ctx, email); err == nil {
		return inbox.Tenant{}, "", fmt.Errorf("%s already has an account", email)
	}
	t := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: name, CreatedAt: s.now()}
	if err := s.o.Store.CreateTenant(ctx, t); err != nil {
		return inbox.Tenant{}, "", fmt.Errorf("create business: %w", err)
	}
	inv, link, err := s.invite(ctx, t.ID, nil, email, auth.RoleSuperAdmin, nil)
	if err != nil {
		return inbox.Tenant{}, "", fmt.Errorf("invite the owner: %w", err)
	}
	s.audit(ctx, t.ID, nil, audit.Change{Action: "user.invited", ObjectType: "invitation", ObjectID: inv.ID.String(), After: inv})
	return t, link, nil
}
