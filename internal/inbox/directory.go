package inbox

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
)

// PasswordChecker checks a password against a stored hash (auth.Hasher).
type PasswordChecker interface {
	Check(ctx context.Context, hash, password string) error
	// DummyHash is a hash no password matches, that costs what a stored one does to check.
	DummyHash() string
}

// Authenticate returns the active user whose email and password match. Every failure is the
// same 401 after the same work: an unknown email's password is checked against a dummy hash,
// so neither the answer nor its time tells which emails exist.
func (s *Service) Authenticate(ctx context.Context, pw PasswordChecker, email, password string) (User, error) {
	dropNUL(&email)
	u, err := s.store.GetUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	known := err == nil
	if !known && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	hash := u.PasswordHash
	if !known {
		hash = pw.DummyHash()
	}
	err = pw.Check(ctx, hash, password)
	if err != nil && !errors.Is(err, auth.ErrMismatch) {
		return User{}, fmt.Errorf("check password: %w", err)
	}
	if err != nil || !known || u.DeactivatedAt != nil {
		return User{}, Unauthorized("Invalid email or password")
	}
	if err := s.tenantEnabled(ctx, u.TenantID); err != nil {
		return User{}, err
	}
	return u, nil
}

// Me returns the calling user.
func (s *Service) Me(ctx context.Context, p auth.Principal) (User, error) {
	u, err := s.store.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return User{}, notFoundAs(err, "User")
	}
	avail, err := s.tenantAvailability(ctx, p.TenantID)
	u.Availability = availabilityOf(avail, u.ID)
	return u, err
}

// ListUsers lists the tenant's business users, for assignment and mentions.
func (s *Service) ListUsers(ctx context.Context, p auth.Principal) ([]User, error) {
	if err := require(p, auth.PermConversationsRead, "view users"); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	avail, err := s.tenantAvailability(ctx, p.TenantID)
	for i := range users {
		users[i].Availability = availabilityOf(avail, users[i].ID)
	}
	return users, err
}

// ListTeams lists the tenant's teams with their members.
func (s *Service) ListTeams(ctx context.Context, p auth.Principal) ([]Team, error) {
	if err := require(p, auth.PermConversationsRead, "view teams"); err != nil {
		return nil, err
	}
	return s.store.ListTeams(ctx, p.TenantID)
}

// ContactInput is a contact's editable fields; nil leaves a field unchanged on update.
type ContactInput struct {
	FirstName, LastName, Phone, Email, CountryCode *string
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

func (in ContactInput) apply(c *Contact) error {
	dropNUL(&in)
	bad := Fields{}
	set := func(dst *string, src *string, field string, max int) {
		if src == nil {
			return
		}
		if utf8.RuneCountInString(*src) > max {
			bad.Add(field, fmt.Sprintf("Must be at most %d characters", max))
		}
		*dst = strings.TrimSpace(*src)
	}
	set(&c.FirstName, in.FirstName, "first_name", 100)
	set(&c.LastName, in.LastName, "last_name", 100)
	set(&c.Phone, in.Phone, "phone", 16)
	set(&c.Email, in.Email, "email", 254)
	set(&c.CountryCode, in.CountryCode, "country_code", 2)
	if c.Phone != "" && !ValidPhone(c.Phone) {
		bad.Add("phone", "Phone must be in E.164 format, e.g. +919876543210")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			bad.Add("email", "Email must be a valid address")
		}
	}
	if c.CountryCode == "" {
		c.CountryCode = CountryOfPhone(c.Phone)
	} else if c.CountryCode = strings.ToUpper(c.CountryCode); !countryCode.MatchString(c.CountryCode) {
		bad.Add("country_code", "Country code must be two letters (ISO 3166-1 alpha-2)")
	}
	if c.FirstName == "" && c.LastName == "" && c.Phone == "" && c.Email == "" {
		bad.Add("first_name", "A contact needs a name, a phone or an email")
	}
	return bad.Err()
}

// ListContacts lists the tenant's contacts.
func (s *Service) ListContacts(ctx context.Context, p auth.Principal, f ContactFilter) ([]Contact, int, error) {
	if err := require(p, auth.PermConversationsRead, "view contacts"); err != nil {
		return nil, 0, err
	}
	dropNUL(&f)
	return s.store.ListContacts(ctx, p.TenantID, f)
}

// GetContact returns one contact with its channel identities.
func (s *Service) GetContact(ctx context.Context, p auth.Principal, id uuid.UUID) (ContactDetail, error) {
	if err := require(p, auth.PermConversationsRead, "view contacts"); err != nil {
		return ContactDetail{}, err
	}
	c, err := s.store.GetContact(ctx, p.TenantID, id)
	if err != nil {
		return ContactDetail{}, notFoundAs(err, "Contact")
	}
	ids, err := s.store.ContactIdentities(ctx, p.TenantID, id)
	if err != nil {
		return ContactDetail{}, fmt.Errorf("contact identities: %w", err)
	}
	channels, err := s.store.ListChannels(ctx, p.TenantID)
	if err != nil {
		return ContactDetail{}, fmt.Errorf("contact identities: %w", err)
	}
	byID := make(map[uuid.UUID]Channel, len(channels))
	for _, ch := range channels {
		byID[ch.ID] = ch
	}
	d := ContactDetail{Contact: c, Identities: make([]IdentityView, 0, len(ids))}
	for _, i := range ids {
		ch := byID[i.ChannelID]
		d.Identities = append(d.Identities, IdentityView{ChannelID: i.ChannelID, ChannelKind: ch.Kind, ChannelName: ch.Name, Address: i.Address})
	}
	return d, nil
}

// ContactDetail is a contact with its addresses on the tenant's channels.
type ContactDetail struct {
	Contact
	Identities []IdentityView `json:"identities"`
}

// IdentityView is a contact's address on one channel, with the channel's kind and name.
type IdentityView struct {
	ChannelID   uuid.UUID   `json:"channel_id"`
	ChannelKind ChannelKind `json:"channel_kind"`
	ChannelName string      `json:"channel_name"`
	Address     string      `json:"address"`
}

// CreateContact adds a contact; with a phone it is also reachable on SMS, voice and RCS
// channels of the tenant when a conversation is started there.
func (s *Service) CreateContact(ctx context.Context, p auth.Principal, in ContactInput) (Contact, error) {
	if err := require(p, auth.PermContactsWrite, "create contacts"); err != nil {
		return Contact{}, err
	}
	now := s.now()
	c := Contact{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&c); err != nil {
		return Contact{}, err
	}
	if err := s.store.CreateContact(ctx, c); err != nil {
		return Contact{}, fmt.Errorf("create contact: %w", err)
	}
	return c, nil
}

// UpdateContact changes the given fields of a contact.
func (s *Service) UpdateContact(ctx context.Context, p auth.Principal, id uuid.UUID, in ContactInput) (Contact, error) {
	if err := require(p, auth.PermContactsWrite, "update contacts"); err != nil {
		return Contact{}, err
	}
	if in == (ContactInput{}) {
		return Contact{}, nothingToChange()
	}
	var c Contact
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		var err error
		if c, err = q.GetContact(ctx, p.TenantID, id); err != nil {
			return notFoundAs(err, "Contact")
		}
		if err := in.apply(&c); err != nil {
			return err
		}
		by, err := actorRef(ctx, q, p)
		if err != nil {
			return err
		}
		c.UpdatedAt = em.now
		if err := q.UpdateContact(ctx, c); err != nil {
			return err
		}
		em.emit(EventContactUpdate, nil, ContactUpdate{ID: c.ID, UpdatedAt: c.UpdatedAt, UpdatedBy: by})
		return nil
	})
	return c, err
}

// ContactUpdate is the data of a contact_update event: which contact to read again. It
// carries none of the contact's fields: an event without a conversation outlives the
// erasure of its contact in the event log.
type ContactUpdate struct {
	ID        uuid.UUID `json:"id"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy UserRef   `json:"updated_by"`
}

// TagInput is a tag's editable fields; nil leaves a field unchanged on update.
type TagInput struct {
	Name, Color *string
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

func (in TagInput) apply(t *Tag) error {
	dropNUL(&in)
	bad := Fields{}
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if in.Color != nil {
		t.Color = strings.ToUpper(*in.Color)
	}
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 50 {
		bad.Add("name", "Name is required, at most 50 characters")
	}
	if t.Color == "" {
		t.Color = "#6B7280"
	} else if !hexColor.MatchString(t.Color) {
		bad.Add("color", "Color must be #RRGGBB")
	}
	return bad.Err()
}

func tagConflict(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return Conflict(ReasonNameTaken, "A tag with this name already exists")
	}
	return err
}

// ListTags lists the tenant's tags.
func (s *Service) ListTags(ctx context.Context, p auth.Principal) ([]Tag, error) {
	if err := require(p, auth.PermConversationsRead, "view tags"); err != nil {
		return nil, err
	}
	return s.store.ListTags(ctx, p.TenantID)
}

// CreateTag defines a tag; names are unique per tenant (409).
func (s *Service) CreateTag(ctx context.Context, p auth.Principal, in TagInput) (Tag, error) {
	if err := require(p, auth.PermSettingsWrite, "manage tags"); err != nil {
		return Tag{}, err
	}
	t := Tag{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, CreatedAt: s.now()}
	if err := in.apply(&t); err != nil {
		return Tag{}, err
	}
	if err := tagConflict(s.store.CreateTag(ctx, t)); err != nil {
		return Tag{}, err
	}
	s.audit(ctx, p, audit.Change{Action: "tag.created", ObjectType: "tag", ObjectID: t.ID.String(), After: t})
	return t, nil
}

// UpdateTag renames or recolours a tag.
func (s *Service) UpdateTag(ctx context.Context, p auth.Principal, id uuid.UUID, in TagInput) (Tag, error) {
	if err := require(p, auth.PermSettingsWrite, "manage tags"); err != nil {
		return Tag{}, err
	}
	if in == (TagInput{}) {
		return Tag{}, nothingToChange()
	}
	var t, before Tag
	err := s.store.InTx(ctx, func(q Queries) error {
		var err error
		if t, err = q.GetTag(ctx, p.TenantID, id); err != nil {
			return notFoundAs(err, "Tag")
		}
		before = t
		if err := in.apply(&t); err != nil {
			return err
		}
		return tagConflict(q.UpdateTag(ctx, t))
	})
	if err != nil {
		return Tag{}, err
	}
	s.audit(ctx, p, audit.Change{Action: "tag.updated", ObjectType: "tag", ObjectID: id.String(), Before: before, After: t})
	return t, nil
}

// DeleteTag removes a tag from the tenant and from every conversation.
func (s *Service) DeleteTag(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	if err := require(p, auth.PermSettingsWrite, "manage tags"); err != nil {
		return err
	}
	t, err := s.store.GetTag(ctx, p.TenantID, id)
	if err != nil {
		return notFoundAs(err, "Tag")
	}
	if err := s.store.DeleteTag(ctx, p.TenantID, id); err != nil {
		return notFoundAs(err, "Tag")
	}
	s.audit(ctx, p, audit.Change{Action: "tag.deleted", ObjectType: "tag", ObjectID: id.String(), Before: t})
	return nil
}
