// Package templates keeps each WhatsApp channel's approved message templates: synced from
// the business account, listed with the parameters each needs, and the check a template
// message passes before it is sent.
package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Template is an approved template as the provider describes it.
type Template struct {
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Category   string          `json:"category"`
	Status     string          `json:"status"`
	Components json.RawMessage `json:"components"`
	SyncedAt   time.Time       `json:"synced_at"`
}

// Store keeps the templates of each channel.
type Store interface {
	GetChannel(ctx context.Context, tenant, id uuid.UUID) (inbox.Channel, error)
	// ReplaceTemplates replaces the channel's templates with list, in one transaction.
	ReplaceTemplates(ctx context.Context, tenant, channel uuid.UUID, list []Template) error
	// ListTemplates lists the channel's templates by name and language.
	ListTemplates(ctx context.Context, tenant, channel uuid.UUID) ([]Template, error)
	// GetTemplate is inbox.ErrNotFound (wrapped) when the channel has no such template.
	GetTemplate(ctx context.Context, tenant, channel uuid.UUID, name, language string) (Template, error)
}

// Fetcher reads the approved templates of a channel's business account from the provider.
// A refusal is a 400 on the setting the provider refused, no answer a 502 (*inbox.Error).
type Fetcher interface {
	FetchTemplates(ctx context.Context, ch inbox.Channel) ([]Template, error)
}

// auditor records administrative actions (audit.Log).
type auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
}

// Service syncs, lists and checks templates.
type Service struct {
	store Store
	fetch Fetcher
	audit auditor
	log   *slog.Logger
	now   func() time.Time
}

// New returns the service; each sync is recorded on the audit log.
func New(store Store, fetch Fetcher, audit auditor, log *slog.Logger) *Service {
	return &Service{store: store, fetch: fetch, audit: audit, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Synced is what the audit log keeps of a sync: the templates now stored.
type Synced struct {
	Templates []string `json:"templates"` // name/language
}

// View is a template with the parameters a message of it gives.
type View struct {
	Template
	Parameters Parameters `json:"parameters"`
}

// Parameters are what a template message must give: a header parameter (a text for a text
// header with {{1}}, a link for a media header), Body values for {{1}}..{{n}}, and a
// parameter per button listed.
type Parameters struct {
	Header  *HeaderParameter  `json:"header"`
	Body    int               `json:"body"`
	Buttons []ButtonParameter `json:"buttons"`
}

// HeaderParameter is the header's: Type is inbox.TemplateHeader*; Format the provider's.
type HeaderParameter struct {
	Type   string `json:"type"`
	Format string `json:"format"`
}

// ButtonParameter is a button that takes a parameter: a URL button whose link ends in
// {{1}} (required), or a quick-reply button's payload (optional).
type ButtonParameter struct {
	Index    int    `json:"index"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
}

// placeholder is a positional parameter in a template's text.
var placeholder = regexp.MustCompile(`\{\{\s*([0-9]+)\s*\}\}`)

// count is the number of positional parameters text has: its highest {{n}}.
func count(text string) int {
	n := 0
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if v, err := strconv.Atoi(m[1]); err == nil {
			n = max(n, v)
		}
	}
	return n
}

// ParametersOf derives the parameters from the template's components.
func ParametersOf(components json.RawMessage) Parameters {
	var comps []struct {
		Type    string `json:"type"`
		Format  string `json:"format"`
		Text    string `json:"text"`
		Buttons []struct {
			Type string `json:"type"`
			Text string `json:"text"`
			URL  string `json:"url"`
		} `json:"buttons"`
	}
	p := Parameters{Buttons: []ButtonParameter{}}
	_ = json.Unmarshal(components, &comps) // a template we cannot read takes no parameters
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			switch f := strings.ToUpper(c.Format); f {
			case "TEXT":
				if count(c.Text) > 0 {
					p.Header = &HeaderParameter{Type: inbox.TemplateHeaderText, Format: f}
				}
			case "IMAGE", "VIDEO", "DOCUMENT":
				p.Header = &HeaderParameter{Type: strings.ToLower(f), Format: f}
			}
		case "BODY":
			p.Body = count(c.Text)
		case "BUTTONS":
			for i, b := range c.Buttons {
				switch strings.ToUpper(b.Type) {
				case "URL":
					if count(b.URL) > 0 {
						p.Buttons = append(p.Buttons, ButtonParameter{Index: i, Type: inbox.TemplateButtonURL, Text: b.Text, Required: true})
					}
				case "QUICK_REPLY":
					p.Buttons = append(p.Buttons, ButtonParameter{Index: i, Type: inbox.TemplateButtonQuickReply, Text: b.Text})
				}
			}
		}
	}
	return p
}

func views(list []Template) []View {
	out := make([]View, len(list))
	for i, t := range list {
		out[i] = View{Template: t, Parameters: ParametersOf(t.Components)}
	}
	return out
}

// whatsappChannel loads the tenant's channel, which must be a WhatsApp channel.
func (s *Service) whatsappChannel(ctx context.Context, tenant, id uuid.UUID) (inbox.Channel, error) {
	ch, err := s.store.GetChannel(ctx, tenant, id)
	if err != nil {
		if errors.Is(err, inbox.ErrNotFound) {
			return inbox.Channel{}, inbox.NotFound("Channel")
		}
		return inbox.Channel{}, fmt.Errorf("load channel: %w", err)
	}
	if ch.Kind != inbox.ChannelWhatsApp {
		return inbox.Channel{}, inbox.Invalid(map[string]string{"channelId": "Only WhatsApp channels have message templates; this one is " + string(ch.Kind)})
	}
	return ch, nil
}

// Sync replaces the channel's templates with the approved ones of its business account.
func (s *Service) Sync(ctx context.Context, p auth.Principal, channelID uuid.UUID) ([]View, error) {
	if !p.Can(auth.PermSettingsWrite) {
		return nil, inbox.Forbidden("You do not have permission to manage channels")
	}
	ch, err := s.whatsappChannel(ctx, p.TenantID, channelID)
	if err != nil {
		return nil, err
	}
	fetched, err := s.fetch.FetchTemplates(ctx, ch)
	if err != nil {
		return nil, err
	}
	now := s.now().Truncate(time.Microsecond)
	list := make([]Template, 0, len(fetched))
	seen := map[[2]string]bool{}
	for _, t := range fetched {
		key := [2]string{t.Name, t.Language}
		if !strings.EqualFold(t.Status, "APPROVED") || seen[key] {
			continue
		}
		seen[key] = true
		t.SyncedAt = now
		list = append(list, t)
	}
	if err := s.store.ReplaceTemplates(ctx, p.TenantID, ch.ID, list); err != nil {
		return nil, fmt.Errorf("sync templates: %w", err)
	}
	after := Synced{Templates: make([]string, len(list))}
	for i, t := range list {
		after.Templates[i] = t.Name + "/" + t.Language
	}
	// A lost entry is logged, not returned: the sync is done, and an error would have the
	// admin run it again.
	if err := s.audit.Record(ctx, p, audit.Change{Action: "channel.templates_synced", ObjectType: "channel", ObjectID: ch.ID.String(), After: after}); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", "channel.templates_synced", "object_id", ch.ID, "err", err)
	}
	return s.List(ctx, p, channelID)
}

// List lists the channel's templates with their parameters.
func (s *Service) List(ctx context.Context, p auth.Principal, channelID uuid.UUID) ([]View, error) {
	if !p.Can(auth.PermConversationsRead) {
		return nil, inbox.Forbidden("You do not have permission to view channels")
	}
	if _, err := s.whatsappChannel(ctx, p.TenantID, channelID); err != nil {
		return nil, err
	}
	list, err := s.store.ListTemplates(ctx, p.TenantID, channelID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return views(list), nil
}

// CheckTemplate checks a template message against the channel's stored template: it must
// exist in its language, and its parameters match the template's.
func (s *Service) CheckTemplate(ctx context.Context, tenant, channel uuid.UUID, t inbox.Template) error {
	stored, err := s.store.GetTemplate(ctx, tenant, channel, t.Name, t.Language)
	if errors.Is(err, inbox.ErrNotFound) {
		return inbox.Invalid(map[string]string{"template": fmt.Sprintf("The channel has no approved template %q in language %q (sync the templates after approving one)", t.Name, t.Language)})
	}
	if err != nil {
		return fmt.Errorf("load template: %w", err)
	}
	return check(t, ParametersOf(stored.Components))
}

// check compares a message's parameters with the template's.
func check(t inbox.Template, want Parameters) error {
	bad := inbox.Fields{}
	switch h := t.Header; {
	case want.Header == nil && h != nil:
		bad.Add("template.header", "The template's header takes no parameter")
	case want.Header != nil && h == nil:
		bad.Add("template.header", "The template's header needs a "+want.Header.Type+" parameter")
	case want.Header != nil && h.Type != want.Header.Type:
		bad.Add("template.header.type", "The template's header is "+want.Header.Type+", not "+h.Type)
	}
	if len(t.Body) != want.Body {
		bad.Add("template.body", fmt.Sprintf("body needs %d parameters, got %d", want.Body, len(t.Body)))
	}
	given := map[int]bool{}
	for i, b := range t.Buttons {
		field := fmt.Sprintf("template.buttons[%d]", i)
		j := buttonAt(want.Buttons, b.Index)
		switch {
		case given[b.Index]:
			bad.Add(field, fmt.Sprintf("Button %d is given twice", b.Index))
		case j < 0:
			bad.Add(field, fmt.Sprintf("The template has no button at index %d that takes a parameter", b.Index))
		case want.Buttons[j].Type != b.Type:
			bad.Add(field+".type", fmt.Sprintf("Button %d is a %s button, not %s", b.Index, want.Buttons[j].Type, b.Type))
		case b.Parameter == "":
			bad.Add(field+".parameter", "Give the button's parameter")
		}
		given[b.Index] = true
	}
	for _, w := range want.Buttons {
		if w.Required && !given[w.Index] {
			bad.Add("template.buttons", fmt.Sprintf("Button %d (%s) needs its parameter", w.Index, w.Type))
		}
	}
	return bad.Err()
}

func buttonAt(list []ButtonParameter, index int) int {
	for i, b := range list {
		if b.Index == index {
			return i
		}
	}
	return -1
}
