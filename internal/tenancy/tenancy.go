// Package tenancy holds the use cases of businesses (tenants) as a whole: their settings,
// self-service sign-up, the first-run setup of a new server, and an operator's list, disable
// and enable.
package tenancy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Store is what the use cases need of the database (sqlstore.Store).
type Store interface {
	GetTenant(ctx context.Context, id uuid.UUID) (inbox.Tenant, error)
	ListTenants(ctx context.Context) ([]inbox.Tenant, error)
	// UserCounts is how many users each tenant has.
	UserCounts(ctx context.Context) (map[uuid.UUID]int, error)
	// CreateBusiness creates the tenant and its first user in one transaction; a taken email
	// is inbox.ErrDuplicate.
	CreateBusiness(ctx context.Context, t inbox.Tenant, owner inbox.User) error
	// UpdateBusiness writes the tenant's name, time zone and default template language.
	UpdateBusiness(ctx context.Context, t inbox.Tenant) error
	// SetTenantDisabled disables the tenant from at, or enables it when at is nil.
	SetTenantDisabled(ctx context.Context, id uuid.UUID, at *time.Time) error
	HasTenants(ctx context.Context) (bool, error)
}

// Hasher hashes passwords (auth.Hasher).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// Auditor records administrative actions (audit.Log): a user's, or the command line's.
type Auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
	RecordSystem(ctx context.Context, tenant uuid.UUID, c audit.Change) error
}

// Service runs the use cases.
type Service struct {
	store   Store
	hasher  Hasher
	auditor Auditor
	log     *slog.Logger
	now     func() time.Time
	setup   setupLink
}

// New returns the use cases over st, hashing new passwords with h and recording every change
// made with a.
func New(st Store, h Hasher, a Auditor, log *slog.Logger) *Service {
	return &Service{store: st, hasher: h, auditor: a, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// audit records a change that has been made, by p or, when p is nil, by the command line. A
// failure is logged, not returned: the change is committed.
func (s *Service) audit(ctx context.Context, p *auth.Principal, c audit.Change) {
	var err error
	if p != nil {
		err = s.auditor.Record(ctx, *p, c)
	} else {
		err = s.auditor.RecordSystem(ctx, uuid.MustParse(c.ObjectID), c)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", c.Action, "object_id", c.ObjectID, "err", err)
	}
}

// change is the audit entry of an action on business t.
func change(action string, before, after any, t inbox.Tenant) audit.Change {
	return audit.Change{Action: action, ObjectType: "business", ObjectID: t.ID.String(), Before: before, After: after}
}

// owner is the principal of a new business's first user, the actor of its creation.
func owner(u inbox.User) *auth.Principal {
	return &auth.Principal{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
}

// Business returns the caller's business.
func (s *Service) Business(ctx context.Context, p auth.Principal) (inbox.Tenant, error) {
	t, err := s.store.GetTenant(ctx, p.TenantID)
	if errors.Is(err, inbox.ErrNotFound) {
		return inbox.Tenant{}, inbox.NotFound("Business")
	}
	if err != nil {
		return inbox.Tenant{}, fmt.Errorf("business: %w", err)
	}
	return t, nil
}

// Settings are the fields of a business its administrators change; nil leaves one as it is.
type Settings struct {
	Name                    *string
	TimeZone                *string
	DefaultTemplateLanguage *string
}

// UpdateBusiness changes the caller's business's settings; it returns the business before
// and after.
func (s *Service) UpdateBusiness(ctx context.Context, p auth.Principal, in Settings) (before, after inbox.Tenant, err error) {
	if !p.Can(auth.PermSettingsWrite) {
		return before, after, inbox.Forbidden("Your role may not change the business's settings")
	}
	bad := inbox.Fields{}
	if in.Name == nil && in.TimeZone == nil && in.DefaultTemplateLanguage == nil {
		bad.Add("body", "Give at least one of name, time_zone, default_template_language")
	}
	if in.Name != nil {
		in.Name = ptr(strings.TrimSpace(*in.Name))
		checkName(bad, "name", *in.Name)
	}
	if in.TimeZone != nil {
		checkTimeZone(bad, "time_zone", *in.TimeZone)
	}
	if in.DefaultTemplateLanguage != nil && !templateLanguage.MatchString(*in.DefaultTemplateLanguage) {
		bad.Add("default_template_language", "Must be a WhatsApp template language code such as en, pt_BR or zh_CN")
	}
	if err := bad.Err(); err != nil {
		return before, after, err
	}
	if before, err = s.Business(ctx, p); err != nil {
		return before, after, err
	}
	after = before
	set(&after.Name, in.Name)
	set(&after.TimeZone, in.TimeZone)
	set(&after.DefaultTemplateLanguage, in.DefaultTemplateLanguage)
	if err := s.store.UpdateBusiness(ctx, after); err != nil {
		return before, after, fmt.Errorf("update business: %w", err)
	}
	s.audit(ctx, &p, change("business.updated", before, after, after))
	return before, after, nil
}

// NewBusiness is a business to create with its first user, a super admin.
type NewBusiness struct {
	BusinessName, FirstName, LastName, Email, Password string
	TimeZone                                           string // "" for UTC
}

// Create creates a business and its super admin, after checking every field (a taken email
// is a conflict).
func (s *Service) Create(ctx context.Context, in NewBusiness) (inbox.Tenant, inbox.User, error) {
	in.BusinessName, in.FirstName, in.LastName = strings.TrimSpace(in.BusinessName), strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	in.Email = strings.TrimSpace(in.Email)
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	bad := inbox.Fields{}
	checkName(bad, "business_name", in.BusinessName)
	checkName(bad, "first_name", in.FirstName)
	checkName(bad, "last_name", in.LastName)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		bad.Add("email", "Must be an email address such as ana@example.com")
	}
	var weak *auth.WeakPasswordError
	if err := auth.CheckPassword(in.Email, in.Password); errors.As(err, &weak) {
		bad.Add("password", weak.Rule)
	}
	checkTimeZone(bad, "time_zone", in.TimeZone)
	if err := bad.Err(); err != nil {
		return inbox.Tenant{}, inbox.User{}, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return inbox.Tenant{}, inbox.User{}, fmt.Errorf("create business: %w", err)
	}
	now := s.now()
	t := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: in.BusinessName, CreatedAt: now, TimeZone: in.TimeZone, DefaultTemplateLanguage: "en"}
	u := inbox.User{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Role: auth.RoleSuperAdmin, PasswordHash: hash, CreatedAt: now}
	err = s.store.CreateBusiness(ctx, t, u)
	if errors.Is(err, inbox.ErrDuplicate) {
		return inbox.Tenant{}, inbox.User{}, inbox.Conflict(inbox.ReasonEmailTaken, "A user with this email already exists; log in instead")
	}
	if err != nil {
		return inbox.Tenant{}, inbox.User{}, fmt.Errorf("create business: %w", err)
	}
	return t, u, nil
}

// Summary is a business as an operator's list shows it.
type Summary struct {
	inbox.Tenant
	Users int
}

// List lists every business, oldest first, for the operator.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	tenants, err := s.store.ListTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("list businesses: %w", err)
	}
	counts, err := s.store.UserCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list businesses: %w", err)
	}
	out := make([]Summary, len(tenants))
	for i, t := range tenants {
		out[i] = Summary{Tenant: t, Users: counts[t.ID]}
	}
	return out, nil
}

// SetDisabled disables a business (its users' tokens and logins refused, its webhooks
// answered 404, within 5 s on every node) or enables it again. It returns the business
// before and after; disabling a disabled one keeps its first date.
func (s *Service) SetDisabled(ctx context.Context, id uuid.UUID, disabled bool) (before, after inbox.Tenant, err error) {
	before, err = s.store.GetTenant(ctx, id)
	if errors.Is(err, inbox.ErrNotFound) {
		return before, after, inbox.NotFound("Business")
	}
	if err != nil {
		return before, after, fmt.Errorf("set business disabled: %w", err)
	}
	after = before
	switch {
	case disabled && before.DisabledAt == nil:
		after.DisabledAt = ptr(s.now())
	case !disabled:
		after.DisabledAt = nil
	}
	if err := s.store.SetTenantDisabled(ctx, id, after.DisabledAt); err != nil {
		return before, after, fmt.Errorf("set business disabled: %w", err)
	}
	action := "business.enabled"
	if disabled {
		action = "business.disabled"
	}
	s.audit(ctx, nil, change(action, before, after, after))
	return before, after, nil
}

// templateLanguage matches WhatsApp's template language codes: en, pt_BR, zh_CN, fil.
var templateLanguage = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

const maxNameLength = 200

func checkName(bad inbox.Fields, field, v string) {
	switch {
	case v == "":
		bad.Add(field, "Required")
	case utf8.RuneCountInString(v) > maxNameLength:
		bad.Add(field, fmt.Sprintf("Must be at most %d characters", maxNameLength))
	}
}

// checkTimeZone accepts IANA zone names ("Europe/Berlin", "UTC"); "Local" (the server's own)
// is no name a business can mean.
func checkTimeZone(bad inbox.Fields, field, v string) {
	if _, err := time.LoadLocation(v); err != nil || v == "" || v == "Local" {
		bad.Add(field, "Must be an IANA time zone name such as Europe/Berlin or America/New_York")
	}
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func ptr[T any](v T) *T { return &v }

// Signup creates a business and its super admin for a visitor of a server with sign-up on.
func (s *Service) Signup(ctx context.Context, in NewBusiness) (inbox.Tenant, inbox.User, error) {
	t, u, err := s.Create(ctx, in)
	if err != nil {
		return t, u, err
	}
	s.audit(ctx, owner(u), change("business.signed_up", nil, t, t))
	return t, u, nil
}
