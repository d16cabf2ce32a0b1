package people

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// ChangePassword sets p's user's password after checking the old one, and revokes every
// token of theirs; it returns the user as stored now, to issue a new token for.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, old, password string) (inbox.User, error) {
	u, err := s.getUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return inbox.User{}, err
	}
	bad := inbox.Fields{}
	if old == "" {
		bad.Add("old_password", "Your current password is required")
	}
	if auth.CheckPassword(u.Email, password) != nil {
		bad.Add("new_password", PasswordRule)
	}
	if err := bad.Err(); err != nil {
		return inbox.User{}, err
	}
	err = s.o.Passwords.Check(ctx, u.PasswordHash, old)
	if errors.Is(err, auth.ErrMismatch) {
		return inbox.User{}, inbox.Invalid(map[string]string{"old_password": "Your current password is not this"})
	}
	if err != nil {
		return inbox.User{}, fmt.Errorf("change password: %w", err)
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return inbox.User{}, err
	}
	return s.getUser(ctx, p.TenantID, p.UserID)
}

func (s *Service) setPassword(ctx context.Context, u inbox.User, password string) error {
	hash, err := s.o.Passwords.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	err = s.o.Store.SetPassword(ctx, u.TenantID, u.ID, hash)
	s.o.Inbox.ForgetUser(u.ID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// newReset stores a reset for u and returns its link.
func (s *Service) newReset(ctx context.Context, u inbox.User) (string, error) {
	token, hash := newToken()
	now := s.now()
	r := Reset{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, UserID: u.ID, TokenHash: hash, CreatedAt: now, ExpiresAt: now.Add(ResetTTL)}
	if err := s.o.Store.CreateReset(ctx, r); err != nil {
		return "", fmt.Errorf("password reset: %w", err)
	}
	return s.link("/reset-password", token), nil
}

// RequestReset mails a reset link to the active user of email, when mail is configured.
// It reports nothing about whether the email is a user's: the caller answers the same
// either way.
func (s *Service) RequestReset(ctx context.Context, email string) error {
	if s.o.Mailer == nil {
		return nil
	}
	u, err := s.o.Store.GetUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, inbox.ErrNotFound) || err == nil && u.DeactivatedAt != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("password reset: find user: %w", err)
	}
	link, err := s.newReset(ctx, u)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Someone asked to reset the password of your teaminbox account %s.\n\nOpen this link within an hour to choose a new one (it works once):\n\n%s\n\nIf it was not you, ignore this mail.\n", u.Email, link)
	return s.send(ctx, u.Email, "Reset your teaminbox password", body)
}

// IssueReset makes a reset link for a user of p's business, for an admin to hand over.
func (s *Service) IssueReset(ctx context.Context, p auth.Principal, id uuid.UUID) (string, error) {
	if err := requireAdmin(p, "reset passwords"); err != nil {
		return "", err
	}
	u, err := s.getUser(ctx, p.TenantID, id)
	if err != nil {
		return "", err
	}
	if err := s.mayManage(p, u.Role); err != nil {
		return "", err
	}
	if u.DeactivatedAt != nil {
		return "", inbox.Invalid(map[string]string{"userId": "That user is deactivated; reactivate them first"})
	}
	link, err := s.newReset(ctx, u)
	if err != nil {
		return "", err
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: "user.password_reset_issued", ObjectType: "user", ObjectID: u.ID.String()})
	return link, nil
}

// ConfirmReset sets a new password with a reset token, once; every token of the user is
// revoked.
func (s *Service) ConfirmReset(ctx context.Context, token, password string) error {
	invalid := inbox.Invalid(map[string]string{"token": "This reset link is not valid, was already used or has expired; ask for a new one"})
	if token == "" {
		return inbox.Invalid(map[string]string{"token": "Token is required"})
	}
	r, err := s.o.Store.PendingReset(ctx, auth.HashToken(token), s.now())
	if errors.Is(err, inbox.ErrNotFound) {
		return invalid
	}
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	u, err := s.getUser(ctx, r.TenantID, r.UserID)
	if err != nil {
		return err
	}
	if auth.CheckPassword(u.Email, password) != nil {
		return inbox.Invalid(map[string]string{"new_password": PasswordRule})
	}
	hash, err := s.o.Passwords.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	err = s.o.Store.ConsumeReset(ctx, r.TokenHash, hash, s.now())
	s.o.Inbox.ForgetUser(u.ID)
	if errors.Is(err, inbox.ErrNotFound) { // used meanwhile
		return invalid
	}
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return nil
}
