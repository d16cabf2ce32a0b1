// Package people holds the use cases around a business's users: invitations, roles,
// deactivation, passwords and logging out.
package people

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

// The reasons of this package's 409 CONFLICTs.
const (
	ReasonEmailTaken = "EMAIL_TAKEN" // the email is already a user's, or invited
)

// Mailer sends a plain-text mail (mail.SMTP).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Hasher hashes and checks passwords (auth.Hasher).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Check(ctx context.Context, hash, password string) error
}

// Auditor records administrative actions (audit.Log).
type Auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
	RecordSystem(ctx context.Context, tenant uuid.UUID, c audit.Change) error
}

// Options configure a Service.
type Options struct {
	Store     Store
	Inbox     *inbox.Service // deactivation, assignment, the token cache
	Passwords Hasher
	Mailer    Mailer // nil when no SMTP server is configured: links are then shown to the admin
	// BaseURL is the public base URL the links start with (TEAMINBOX_PUBLIC_URL).
	BaseURL       string
	InvitationTTL time.Duration
	Audit         Auditor // nil: nothing is recorded
	Log           *slog.Logger
}

// Service is the people use cases.
type Service struct {
	o Options
}

// New returns the use cases over o.
func New(o Options) *Service { return &Service{o: o} }

func (s *Service) now() time.Time { return s.o.Inbox.Now() }

// newToken returns a random token and the hash the store keeps of it.
func newToken() (token, hash string) {
	token = auth.NewToken()
	return token, auth.HashToken(token)
}

// link is the public URL of path with the token.
func (s *Service) link(path, token string) string {
	return strings.TrimRight(s.o.BaseURL, "/") + path + "?token=" + url.QueryEscape(token)
}

// rank is a role's place in auth.Roles: lower is more powerful.
func rank(r auth.Role) int { return slices.Index(auth.Roles, r) }

func parseRole(field, s string) (auth.Role, error) {
	r, err := auth.ParseRole(s)
	if err != nil {
		names := make([]string, len(auth.Roles))
		for i, r := range auth.Roles {
			names[i] = string(r)
		}
		return "", inbox.Invalid(map[string]string{field: "Must be one of: " + strings.Join(names, ", ")})
	}
	return r, nil
}

func requireAdmin(p auth.Principal, what string) error {
	if !p.Can(auth.PermSettingsWrite) {
		return inbox.Forbidden("You do not have permission to " + what)
	}
	return nil
}

// PasswordRule is auth.CheckPassword's whole rule, as this package's errors state it.
const PasswordRule = "Password must be at least 10 characters long, not one character repeated, and not your email address"

// getUser loads a user of p's tenant; another tenant's is a 404.
func (s *Service) getUser(ctx context.Context, tenant, id uuid.UUID) (inbox.User, error) {
	u, err := s.o.Store.GetUser(ctx, tenant, id)
	if errors.Is(err, inbox.ErrNotFound) {
		return u, inbox.NotFound("User")
	}
	if err != nil {
		return u, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// send mails body through the Mailer.
func (s *Service) send(ctx context.Context, to, subject, body string) error {
	if err := s.o.Mailer.Send(ctx, to, subject, body); err != nil {
		return fmt.Errorf("mail %s: %w", subject, err)
	}
	return nil
}

// audit records a change that was made, by p, or by the system when p is nil. A failure is
// logged, not returned: the change is committed, and an error would have it made again.
func (s *Service) audit(ctx context.Context, tenant uuid.UUID, p *auth.Principal, c audit.Change) {
	if s.o.Audit == nil {
		return
	}
	var err error
	if p == nil {
		err = s.o.Audit.RecordSystem(ctx, tenant, c)
	} else {
		err = s.o.Audit.Record(ctx, *p, c)
	}
	if err != nil {
		s.o.Log.ErrorContext(ctx, "audit entry lost", "action", c.Action, "object_id", c.ObjectID, "err", err)
	}
}
