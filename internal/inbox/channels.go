package inbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
)

// ChannelSpec says which configuration keys a provider needs and which of them are secrets.
// The channels package supplies one per kind; secrets are write-only.
type ChannelSpec struct {
	Required []string
	Optional []string
	Secret   []string
	// Validate, when set, checks the whole configuration and returns a problem per key.
	Validate func(config map[string]string) map[string]string
}

// ChannelView is a channel as clients see it: secrets are never returned, only which are set.
type ChannelView struct {
	ID         uuid.UUID         `json:"id"`
	Kind       ChannelKind       `json:"kind"`
	Name       string            `json:"name"`
	Config     map[string]string `json:"config"`
	SecretsSet []string          `json:"secrets_set"`
	WebhookURL *string           `json:"webhook_path"` // relative to the server's public URL; null for web, which has none
	CreatedAt  time.Time         `json:"created_at"`
	DisabledAt *time.Time        `json:"disabled_at"` // null while the channel is enabled
}

// View returns the client view of ch under spec.
func (ch Channel) View(spec ChannelSpec) ChannelView {
	v := ChannelView{ID: ch.ID, Kind: ch.Kind, Name: ch.Name, Config: map[string]string{}, SecretsSet: []string{}, CreatedAt: ch.CreatedAt, DisabledAt: ch.DisabledAt}
	if ch.Kind != ChannelWeb {
		path := fmt.Sprintf("/webhooks/%s/%s", ch.Kind, ch.ID)
		v.WebhookURL = &path
	}
	for _, k := range slices.Sorted(maps.Keys(ch.Config)) {
		if slices.Contains(spec.Secret, k) {
			v.SecretsSet = append(v.SecretsSet, k)
		} else {
			v.Config[k] = ch.Config[k]
		}
	}
	return v
}

// ChannelConnector is what the channel settings need of the providers: before a channel's
// credentials are saved, a check that the provider takes them, and the registration of the
// channel's webhook where the provider takes it by API (Telegram). An *Error it returns is
// answered as is (400 naming the setting the provider refused, 502 when it did not answer).
type ChannelConnector interface {
	// Connect checks ch's credentials and registers its webhook; prev is the channel as
	// stored before an update (nil on create), baseURL the server's URL as the caller
	// reached it (the connector prefers a configured public URL).
	Connect(ctx context.Context, ch Channel, prev *Channel, baseURL string) error
	// Disconnect unregisters the webhook of a deleted channel.
	Disconnect(ctx context.Context, ch Channel) error
	// Check asks the provider whether ch's stored credentials are still good, as Connect
	// does, and says what it answered; it registers nothing.
	Check(ctx context.Context, ch Channel) ChannelCheck
}

// SetChannelConnector installs the providers' checks; without one (tests of the API alone)
// channels are saved unchecked.
func (s *Service) SetChannelConnector(c ChannelConnector) { s.connector = c }

// connect runs the connector, if any.
func (s *Service) connect(ctx context.Context, ch Channel, prev *Channel, baseURL string) error {
	if s.connector == nil {
		return nil
	}
	return s.connector.Connect(ctx, ch, prev, baseURL)
}

// SetChannelSpecs installs the providers' configuration specs; kinds without one (web)
// take no configuration.
func (s *Service) SetChannelSpecs(specs map[ChannelKind]ChannelSpec) { s.specs = specs }

// ChannelSpecFor returns the spec of a kind.
func (s *Service) ChannelSpecFor(k ChannelKind) ChannelSpec { return s.specs[k] }

// ChannelInput creates or updates a channel; on update, config keys given replace the stored
// ones (an empty string removes an optional key) and the others stay.
type ChannelInput struct {
	Kind   ChannelKind
	Name   *string
	Config map[string]string
	// Disabled, when set, disables (true) or enables (false) the channel.
	Disabled *bool
	// BaseURL is the server's URL as the caller reached it, for the webhook a provider is
	// told about when no public URL is configured.
	BaseURL string
}

func (s *Service) applyChannel(ch *Channel, in ChannelInput) error {
	dropNUL(&in)
	bad := Fields{}
	spec := s.specs[ch.Kind]
	if in.Name != nil {
		ch.Name = strings.TrimSpace(*in.Name)
	}
	if ch.Name == "" || utf8.RuneCountInString(ch.Name) > 100 {
		bad.Add("name", "Name is required, at most 100 characters")
	}
	if ch.Config == nil {
		ch.Config = map[string]string{}
	}
	for k, v := range in.Config {
		if !slices.Contains(spec.Required, k) && !slices.Contains(spec.Optional, k) {
			bad.Add("config."+k, "Unknown setting for a "+string(ch.Kind)+" channel")
			continue
		}
		if v == "" {
			delete(ch.Config, k)
		} else {
			ch.Config[k] = v
		}
	}
	for _, k := range spec.Required {
		if ch.Config[k] == "" {
			bad.Add("config."+k, "Required for a "+string(ch.Kind)+" channel")
		}
	}
	if spec.Validate != nil {
		for k, problem := range spec.Validate(ch.Config) {
			bad.Add("config."+k, problem)
		}
	}
	return bad.Err()
}

// ListChannels lists the tenant's channel accounts without their secrets.
func (s *Service) ListChannels(ctx context.Context, p auth.Principal) ([]ChannelView, error) {
	if err := require(p, auth.PermConversationsRead, "view channels"); err != nil {
		return nil, err
	}
	list, err := s.store.ListChannels(ctx, p.TenantID)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	views := make([]ChannelView, len(list))
	for i, ch := range list {
		views[i] = ch.View(s.specs[ch.Kind])
	}
	return views, nil
}

// GetChannel returns one channel account without its secrets.
func (s *Service) GetChannel(ctx context.Context, p auth.Principal, id uuid.UUID) (ChannelView, error) {
	if err := require(p, auth.PermConversationsRead, "view channels"); err != nil {
		return ChannelView{}, err
	}
	ch, err := s.store.GetChannel(ctx, p.TenantID, id)
	if err != nil {
		return ChannelView{}, notFoundAs(err, "Channel")
	}
	return ch.View(s.specs[ch.Kind]), nil
}

// CreateChannel connects a provider account with its credentials.
func (s *Service) CreateChannel(ctx context.Context, p auth.Principal, in ChannelInput) (ChannelView, error) {
	if err := require(p, auth.PermSettingsWrite, "manage channels"); err != nil {
		return ChannelView{}, err
	}
	if !slices.Contains(ChannelKinds, in.Kind) {
		return ChannelView{}, Invalid(map[string]string{"kind": "Kind must be one of: whatsapp, telegram, sms, rcs, voice, web"})
	}
	ch := Channel{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Kind: in.Kind, CreatedAt: s.now()}
	if err := s.applyChannel(&ch, in); err != nil {
		return ChannelView{}, err
	}
	if err := s.connect(ctx, ch, nil, in.BaseURL); err != nil {
		return ChannelView{}, err
	}
	if err := s.store.CreateChannel(ctx, ch); err != nil {
		s.disconnect(ctx, ch)
		return ChannelView{}, fmt.Errorf("create channel: %w", err)
	}
	v := ch.View(s.specs[ch.Kind])
	s.audit(ctx, p, audit.Change{Action: "channel.created", ObjectType: "channel", ObjectID: ch.ID.String(), After: v})
	return v, nil
}

// UpdateChannel renames a channel or changes its configuration; the kind cannot change.
func (s *Service) UpdateChannel(ctx context.Context, p auth.Principal, id uuid.UUID, in ChannelInput) (ChannelView, error) {
	if err := require(p, auth.PermSettingsWrite, "manage channels"); err != nil {
		return ChannelView{}, err
	}
	if in.Kind == "" && in.Name == nil && in.Config == nil && in.Disabled == nil {
		return ChannelView{}, nothingToChange()
	}
	prev, err := s.store.GetChannel(ctx, p.TenantID, id)
	if err != nil {
		return ChannelView{}, notFoundAs(err, "Channel")
	}
	if in.Kind != "" && in.Kind != prev.Kind {
		return ChannelView{}, Invalid(map[string]string{"kind": "The kind of a channel cannot change"})
	}
	ch := prev
	ch.Config = maps.Clone(prev.Config)
	if err := s.applyChannel(&ch, in); err != nil {
		return ChannelView{}, err
	}
	switch {
	case in.Disabled == nil:
	case !*in.Disabled:
		ch.DisabledAt = nil
	case ch.DisabledAt == nil:
		ch.DisabledAt = ptr(s.now())
	}
	// The provider is asked outside the transaction, which must not wait on the network;
	// the write then holds only if nobody changed the channel meanwhile.
	if !maps.Equal(ch.Config, prev.Config) {
		if err := s.connect(ctx, ch, &prev, in.BaseURL); err != nil {
			return ChannelView{}, err
		}
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		cur, err := q.GetChannel(ctx, p.TenantID, id)
		if err != nil {
			return notFoundAs(err, "Channel")
		}
		if cur.Name != prev.Name || !maps.Equal(cur.Config, prev.Config) {
			return Conflict(ReasonChannelChanged, "The channel was changed meanwhile: load it and try again")
		}
		return q.UpdateChannel(ctx, ch)
	})
	if err != nil {
		return ChannelView{}, err
	}
	s.channels.Forget(id)
	v := ch.View(s.specs[ch.Kind])
	s.audit(ctx, p, audit.Change{Action: "channel.updated", ObjectType: "channel", ObjectID: id.String(), Before: prev.View(s.specs[prev.Kind]), After: v})
	return v, nil
}

// DeleteChannel disconnects a channel account, and unregisters its webhook with the provider
// (a failure there is logged: the channel is gone either way).
func (s *Service) DeleteChannel(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	if err := require(p, auth.PermSettingsWrite, "manage channels"); err != nil {
		return err
	}
	ch, err := s.store.GetChannel(ctx, p.TenantID, id)
	if err != nil {
		return notFoundAs(err, "Channel")
	}
	err = s.store.DeleteChannel(ctx, p.TenantID, id)
	if errors.Is(err, ErrInUse) {
		return Conflict(ReasonChannelInUse, "The channel has conversations; it cannot be deleted")
	}
	if err != nil {
		return notFoundAs(err, "Channel")
	}
	s.channels.Forget(id)
	s.audit(ctx, p, audit.Change{Action: "channel.deleted", ObjectType: "channel", ObjectID: id.String(), Before: ch.View(s.specs[ch.Kind])})
	s.disconnect(ctx, ch)
	return nil
}

// DisconnectChannels unregisters the webhooks of every channel of a business about to be
// deleted (Telegram would go on posting updates to it), logging a failure.
func (s *Service) DisconnectChannels(ctx context.Context, tenant uuid.UUID) error {
	list, err := s.store.ListChannels(ctx, tenant)
	if err != nil {
		return fmt.Errorf("disconnect channels: %w", err)
	}
	for _, ch := range list {
		s.disconnect(ctx, ch)
	}
	return nil
}

// disconnect unregisters ch's webhook, if a connector is installed, logging a failure.
func (s *Service) disconnect(ctx context.Context, ch Channel) {
	if s.connector == nil {
		return
	}
	if err := s.connector.Disconnect(ctx, ch); err != nil {
		s.log.WarnContext(ctx, "unregister the webhook of a channel", "channel_id", ch.ID, "kind", ch.Kind, "err", err)
	}
}

// MediaChannel returns the channel, with its credentials, that the media of p's tenant are
// fetched through; only a caller who may view conversations gets it.
func (s *Service) MediaChannel(ctx context.Context, p auth.Principal, id uuid.UUID) (Channel, error) {
	if err := require(p, auth.PermConversationsRead, "view conversations"); err != nil {
		return Channel{}, err
	}
	ch, err := s.store.GetChannel(ctx, p.TenantID, id)
	if err != nil {
		return Channel{}, fmt.Errorf("load channel: %w", err)
	}
	return ch, nil
}

// ChannelCheck is the provider's verdict on a channel's stored credentials.
type ChannelCheck struct {
	OK bool `json:"ok"`
	// Message is what the provider said, in words for the admin; Field the setting it
	// refused (a config key, or "webhook"), when it named one.
	Message   string    `json:"message"`
	Field     string    `json:"field,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// CheckChannel asks the provider whether the channel's stored credentials are still good.
// A refusal or a provider out of reach is a verdict (OK false), not an error.
func (s *Service) CheckChannel(ctx context.Context, p auth.Principal, id uuid.UUID) (ChannelCheck, error) {
	if err := require(p, auth.PermSettingsWrite, "manage channels"); err != nil {
		return ChannelCheck{}, err
	}
	ch, err := s.store.GetChannel(ctx, p.TenantID, id)
	if err != nil {
		return ChannelCheck{}, notFoundAs(err, "Channel")
	}
	v := ChannelCheck{OK: true, Message: "There is nothing to check for this channel"}
	if s.connector != nil {
		v = s.connector.Check(ctx, ch)
	}
	v.CheckedAt = s.now()
	return v, nil
}

// ChannelHealth is a channel's recent traffic, for its settings page.
type ChannelHealth struct {
	LastInboundAt *time.Time `json:"last_inbound_at"` // the newest message from a contact
	LastSentAt    *time.Time `json:"last_sent_at"`    // the newest reply the provider took
	// FailedLastHour counts the replies that failed for good in the last hour.
	FailedLastHour int `json:"failed_last_hour"`
	// Backlog counts the replies waiting in the outbox (being sent or to be retried);
	// OldestQueuedAt is when the oldest of them was queued.
	Backlog        int        `json:"backlog"`
	OldestQueuedAt *time.Time `json:"oldest_queued_at"`
}

// ChannelHealth reads the traffic figures of one of the tenant's channels.
func (s *Service) ChannelHealth(ctx context.Context, p auth.Principal, id uuid.UUID) (ChannelHealth, error) {
	if err := require(p, auth.PermSettingsWrite, "manage channels"); err != nil {
		return ChannelHealth{}, err
	}
	if _, err := s.store.GetChannel(ctx, p.TenantID, id); err != nil {
		return ChannelHealth{}, notFoundAs(err, "Channel")
	}
	h, err := s.store.ChannelHealth(ctx, id, s.now().Add(-time.Hour))
	if err != nil {
		return ChannelHealth{}, fmt.Errorf("channel health: %w", err)
	}
	return h, nil
}
