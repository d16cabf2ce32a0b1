package inbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// MaxContentLength bounds a message's text (WhatsApp's and Telegram's limit).
const MaxContentLength = 4096

// Template is a pre-approved message (WhatsApp templates), allowed outside the reply window,
// with the values of its parameters: the header's (a text, or a media link), the body's
// {{1}}, {{2}}... in order, and the buttons'.
type Template struct {
	Name     string           `json:"name"`
	Language string           `json:"language"`
	Header   *TemplateHeader  `json:"header,omitempty"`
	Body     []string         `json:"body,omitempty"`
	Buttons  []TemplateButton `json:"buttons,omitempty"`
}

// The kinds of a template's header parameter.
const (
	TemplateHeaderText     = "text"
	TemplateHeaderImage    = "image"
	TemplateHeaderVideo    = "video"
	TemplateHeaderDocument = "document"
)

// The kinds of a template's button parameter.
const (
	TemplateButtonURL        = "url"         // the variable end of a URL button's link
	TemplateButtonQuickReply = "quick_reply" // the payload a quick-reply button sends back
)

// TemplateHeader is the value of a template's header parameter: Text for a text header,
// Link to the file for a media header.
type TemplateHeader struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	Link string `json:"link,omitempty"`
}

// TemplateButton is the value of the parameter of the template's button at Index.
type TemplateButton struct {
	Index     int    `json:"index"`
	Type      string `json:"type"`
	Parameter string `json:"parameter"`
}

// DefaultTemplateLanguage is the language of a template message that names none, in a
// business that has not chosen its own (Tenant.DefaultTemplateLanguage).
const DefaultTemplateLanguage = "en"

// TemplateChecker checks a template message against the templates stored for its channel;
// an *Error it returns says what is wrong (400), and t is sent as it was checked.
type TemplateChecker interface {
	CheckTemplate(ctx context.Context, tenant, channel uuid.UUID, t Template) error
}

// SetTemplateChecker installs the check of template messages; without one (tests of the
// API alone) templates are sent unchecked.
func (s *Service) SetTemplateChecker(c TemplateChecker) { s.templates = c }

// MediaAttacher turns the uploaded files a reply names by media_id into its attachments and
// checks them against what the conversation's provider sends. Its *Errors say what is wrong:
// a 404 for a file the tenant never uploaded, a 400 naming the provider's limit.
type MediaAttacher interface {
	// ResolveUploads fills in each attachment that names an upload (a media_id, no url):
	// its link, MIME type, file name and size.
	ResolveUploads(ctx context.Context, tenant uuid.UUID, atts []Attachment) ([]Attachment, error)
	// CheckMedia checks a reply of content type ct carrying the uploads atts against the
	// limits of the channel kind's provider.
	CheckMedia(kind ChannelKind, ct ContentType, atts []Attachment) error
}

// SetMediaAttacher installs the uploads' resolution; without one, a media_id without url is
// refused.
func (s *Service) SetMediaAttacher(a MediaAttacher) { s.media = a }

// MediaContentType is the content type of a message whose file has this MIME type.
func MediaContentType(mime string) ContentType {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return ContentImage
	case strings.HasPrefix(mime, "video/"):
		return ContentVideo
	case strings.HasPrefix(mime, "audio/"):
		return ContentAudio
	}
	return ContentDocument
}

// IsUpload tells whether a reply's attachment names an uploaded file rather than a link.
func (a Attachment) IsUpload() bool { return a.MediaID != "" && a.URL == "" }

// attachUploads resolves the uploads of a reply, infers its content type from the first
// file when it names none (or text), and checks them against the conversation's provider.
func (s *Service) attachUploads(ctx context.Context, p auth.Principal, conversationID uuid.UUID, in *SendInput) error {
	if !slices.ContainsFunc(in.Attachments, Attachment.IsUpload) {
		return nil
	}
	if s.media == nil {
		return Invalid(map[string]string{"attachments": "This server does not send uploaded files"})
	}
	c, err := s.store.GetConversation(ctx, p.TenantID, conversationID)
	if err != nil {
		return notFoundAs(err, "Conversation")
	}
	resolved, err := s.media.ResolveUploads(ctx, p.TenantID, in.Attachments)
	if err != nil {
		return err
	}
	if in.ContentType == ContentText { // validate's default: the type is the file's
		in.ContentType = MediaContentType(resolved[0].MimeType)
	}
	if c.Channel.Name != ChannelWeb { // the web channel has no provider: the inbox is the delivery
		if err := s.media.CheckMedia(c.Channel.Name, in.ContentType, resolved); err != nil {
			return err
		}
	}
	in.Attachments = resolved
	return nil
}

// validate checks the form of a template's parameters.
func (t *Template) validate(bad Fields) {
	if t.Name == "" {
		bad.Add("template.name", "A template message needs template.name")
	}
	if h := t.Header; h != nil {
		switch h.Type {
		case TemplateHeaderText:
			if h.Text == "" {
				bad.Add("template.header.text", "A text header needs its text")
			}
		case TemplateHeaderImage, TemplateHeaderVideo, TemplateHeaderDocument:
			if !absoluteHTTP(h.Link) {
				bad.Add("template.header.link", "A media header needs the absolute http(s) link of its file")
			}
		default:
			bad.Add("template.header.type", "Header type must be one of: text, image, video, document")
		}
	}
	for i, b := range t.Buttons {
		if b.Type != TemplateButtonURL && b.Type != TemplateButtonQuickReply {
			bad.Add(fmt.Sprintf("template.buttons[%d].type", i), "Button type must be one of: url, quick_reply")
		}
		if b.Index < 0 {
			bad.Add(fmt.Sprintf("template.buttons[%d].index", i), "Button index must be 0 or more")
		}
	}
}

// checkTemplate fills in a template message's language and checks it against the
// conversation's channel: only WhatsApp has templates.
func (s *Service) checkTemplate(ctx context.Context, p auth.Principal, conversationID uuid.UUID, t *Template) error {
	c, err := s.store.GetConversation(ctx, p.TenantID, conversationID)
	if err != nil {
		return notFoundAs(err, "Conversation")
	}
	if c.Channel.Name != ChannelWhatsApp {
		return Invalid(map[string]string{"template": "Templates are WhatsApp's: this conversation is on " + string(c.Channel.Name)})
	}
	if t.Language == "" {
		tenant, err := s.cachedTenant(ctx, p.TenantID)
		if err != nil {
			return err
		}
		t.Language = cmp.Or(tenant.DefaultTemplateLanguage, DefaultTemplateLanguage)
	}
	if s.templates == nil {
		return nil
	}
	return s.templates.CheckTemplate(ctx, p.TenantID, c.ChannelID, *t)
}

func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// SendInput is an agent's reply (or, with IsInternal, a note).
type SendInput struct {
	Content     string
	ContentType ContentType
	IsInternal  bool
	Attachments []Attachment
	Template    *Template
	ReplyToID   *uuid.UUID
}

// sendableTypes are the content types an agent may send.
var sendableTypes = []ContentType{ContentText, ContentImage, ContentAudio, ContentVideo, ContentDocument, ContentTemplate}

func (in *SendInput) validate() error {
	bad := Fields{}
	if in.ContentType == "" {
		in.ContentType = ContentText
		if in.Template != nil {
			in.ContentType = ContentTemplate
		}
	}
	if !slices.Contains(sendableTypes, in.ContentType) {
		bad.Add("content_type", "Content type must be one of: text, image, audio, video, document, template")
	}
	switch {
	case in.ContentType == ContentTemplate:
		if in.Template == nil {
			bad.Add("template", "A template message needs its template: name, language, parameters")
		} else {
			in.Template.validate(bad)
		}
		if in.IsInternal {
			bad.Add("is_internal", "A template cannot be an internal note")
		}
	case in.Content == "" && len(in.Attachments) == 0:
		bad.Add("content", "Content is required")
	}
	if utf8.RuneCountInString(in.Content) > MaxContentLength {
		bad.Add("content", fmt.Sprintf("Content must be at most %d characters", MaxContentLength))
	}
	for i, a := range in.Attachments {
		if !a.IsUpload() && !absoluteHTTP(a.URL) {
			bad.Add(fmt.Sprintf("attachments[%d].url", i), "Attachment url must be an absolute http(s) URL, or give the media_id of an uploaded file")
		}
	}
	return bad.Err()
}

// SendMessage stores an agent's reply as queued and hands it to the outbox, in one
// transaction. A closed conversation refuses it (409 CONFLICT, reason CONVERSATION_CLOSED);
// so does a WhatsApp conversation whose 24-hour window has closed, unless it is a template
// (reason REPLY_WINDOW_CLOSED), and a channel an admin disabled (reason CHANNEL_DISABLED),
// before any provider is called.
func (s *Service) SendMessage(ctx context.Context, p auth.Principal, conversationID uuid.UUID, in SendInput) (Message, error) {
	if err := require(p, auth.PermConversationsUpdate, "send messages"); err != nil {
		return Message{}, err
	}
	dropNUL(&in)
	if err := in.validate(); err != nil {
		return Message{}, err
	}
	if in.IsInternal {
		return s.AddNote(ctx, p, conversationID, NoteInput{Content: in.Content})
	}
	if err := s.attachUploads(ctx, p, conversationID, &in); err != nil {
		return Message{}, err
	}
	if in.ContentType == ContentTemplate {
		if err := s.checkTemplate(ctx, p, conversationID, in.Template); err != nil {
			return Message{}, err
		}
	}
	var m Message
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		c, err := q.LockConversation(ctx, p.TenantID, conversationID)
		if err != nil {
			return notFoundAs(err, "Conversation")
		}
		if c.Status == StatusClosed {
			return Conflict(ReasonConversationClosed, "Cannot send message to a closed conversation")
		}
		if err := checkChannelEnabled(ctx, q, c); err != nil {
			return err
		}
		if w := c.ReplyWindowAt(em.now); w != nil && !w.Open && in.ContentType != ContentTemplate {
			return Conflict(ReasonReplyWindowClosed, "The 24-hour reply window of this WhatsApp conversation is closed: send a template message")
		}
		if in.ReplyToID != nil {
			if err := checkReplyTarget(ctx, q, c, *in.ReplyToID); err != nil {
				return err
			}
		}
		m = Message{
			ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, ConversationID: c.ID,
			SenderType: SenderBusinessUser, SenderID: ptr(p.UserID),
			Content: in.Content, ContentType: in.ContentType, Attachments: in.Attachments,
			ReplyToID: in.ReplyToID, Status: DeliveryQueued, CreatedAt: em.now,
		}
		if in.Template != nil {
			if m.Payload, err = json.Marshal(map[string]any{"template": in.Template}); err != nil {
				return fmt.Errorf("marshal template: %w", err)
			}
			if m.Content == "" {
				m.Content = "[template: " + in.Template.Name + "]"
			}
		}
		outbound := c.Channel.Name != ChannelWeb
		if !outbound {
			m.Status = DeliverySent // the web channel has no provider: the inbox is the delivery
			m.SentAt = ptr(em.now)
		}
		touch := Touch{LastMessage: m.summary(), UpdatedAt: em.now}
		if c.FirstResponseAt == nil {
			touch.FirstResponseAt = ptr(em.now)
		}
		if err := s.insert(ctx, q, em, &c, &m, touch); err != nil {
			return err
		}
		if !outbound {
			return nil
		}
		item := OutboxItem{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, MessageID: m.ID, ChannelID: c.ChannelID, ConversationID: c.ID, NextAttempt: em.now, CreatedAt: em.now}
		if err := q.EnqueueOutbound(ctx, item); err != nil {
			return fmt.Errorf("enqueue outbound: %w", err)
		}
		return nil
	})
	m.Normalize()
	return m, err
}

// checkChannelEnabled refuses a reply on a channel an admin disabled (409 CONFLICT, reason
// CHANNEL_DISABLED), before anything is queued.
func checkChannelEnabled(ctx context.Context, q Queries, c Conversation) error {
	ch, err := q.GetChannel(ctx, c.TenantID, c.ChannelID)
	if err != nil {
		return fmt.Errorf("load channel: %w", err)
	}
	if ch.DisabledAt != nil {
		return Conflict(ReasonChannelDisabled, "The channel "+ch.Name+" is disabled: an admin can enable it again in Settings → Channels")
	}
	return nil
}

// checkReplyTarget is a 404 unless id is a message of conversation c.
func checkReplyTarget(ctx context.Context, q Queries, c Conversation, id uuid.UUID) error {
	target, err := q.GetMessage(ctx, c.TenantID, id)
	if errors.Is(err, ErrNotFound) || (err == nil && target.ConversationID != c.ID) {
		return NotFound("Message of reply_to_id in this conversation")
	}
	if err != nil {
		return fmt.Errorf("load message replied to: %w", err)
	}
	return nil
}

// NoteInput is an internal note.
type NoteInput struct {
	Content        string
	MentionedUsers []uuid.UUID
}

// AddNote stores an internal note, visible to business users only and never sent to the
// contact. Mentioned users must be users of the tenant. Notes are allowed on closed
// conversations: agents document after closing.
func (s *Service) AddNote(ctx context.Context, p auth.Principal, conversationID uuid.UUID, in NoteInput) (Message, error) {
	if err := require(p, auth.PermConversationsUpdate, "add notes"); err != nil {
		return Message{}, err
	}
	dropNUL(&in)
	bad := Fields{}
	if in.Content == "" {
		bad.Add("content", "Content is required")
	}
	if utf8.RuneCountInString(in.Content) > MaxContentLength {
		bad.Add("content", fmt.Sprintf("Content must be at most %d characters", MaxContentLength))
	}
	if err := bad.Err(); err != nil {
		return Message{}, err
	}
	var m Message
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		// Every note names its author: a token whose user is gone writes none.
		c, author, err := lockWithActor(ctx, q, p, conversationID)
		if err != nil {
			return err
		}
		m = Message{
			ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, ConversationID: c.ID,
			SenderType: SenderBusinessUser, SenderID: ptr(author.ID), Content: in.Content,
			ContentType: ContentText, IsInternal: true, Status: DeliverySent, CreatedAt: em.now,
		}
		seen := map[uuid.UUID]bool{}
		for _, id := range in.MentionedUsers {
			if seen[id] {
				continue
			}
			seen[id] = true
			u, err := q.GetUser(ctx, p.TenantID, id)
			if err != nil {
				return notFoundAs(err, "Mentioned user")
			}
			m.MentionedUsers = append(m.MentionedUsers, UserRef{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName})
		}
		return s.insert(ctx, q, em, &c, &m, Touch{UpdatedAt: em.now})
	})
	m.Normalize()
	return m, err
}

// systemMessage records a status or assignment change in the thread: who did it (SenderID)
// and what changed (Payload).
func (s *Service) systemMessage(ctx context.Context, q Queries, em *emitter, c *Conversation, actor uuid.UUID, text, event string, detail any) error {
	payload, err := json.Marshal(map[string]any{"event": event, "detail": detail})
	if err != nil {
		return fmt.Errorf("marshal system message: %w", err)
	}
	m := Message{
		ID: uuid.Must(uuid.NewV7()), TenantID: c.TenantID, ConversationID: c.ID,
		SenderType: SenderSystem, SenderID: ptr(actor), Content: text, ContentType: ContentSystem,
		Payload: payload, Status: DeliverySent, CreatedAt: em.now,
	}
	return s.insert(ctx, q, em, c, &m, Touch{UpdatedAt: em.now})
}

// insert stores m with its touch and emits new_message with the conversation as it is after.
func (s *Service) insert(ctx context.Context, q Queries, em *emitter, c *Conversation, m *Message, touch Touch) error {
	after, err := q.InsertMessage(ctx, *m, touch)
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	if after == nil {
		// Its provider id is stored already: a delivery of the same message committed
		// first. Nothing was stored, so nothing may be announced; ReceiveInbound looks the
		// stored one up and answers with it.
		return fmt.Errorf("insert message: provider id %q stored already: %w", m.ProviderMessageID, ErrDuplicate)
	}
	after.ApplyTo(c)
	m.Normalize()
	em.emit(EventNewMessage, c, MessageEvent{Message: *m, Conversation: c.View(em.now)})
	return nil
}

func (m Message) summary() *MessageSummary {
	return &MessageSummary{ID: m.ID, SenderType: m.SenderType, Content: m.Content, ContentType: m.ContentType, CreatedAt: m.CreatedAt}
}

// GetMessage returns one message of the caller's tenant with its delivery history.
func (s *Service) GetMessage(ctx context.Context, p auth.Principal, id uuid.UUID) (Message, []StatusChange, error) {
	if err := require(p, auth.PermConversationsRead, "view messages"); err != nil {
		return Message{}, nil, err
	}
	m, err := s.store.GetMessage(ctx, p.TenantID, id)
	if err != nil {
		return Message{}, nil, notFoundAs(err, "Message")
	}
	h, err := s.store.MessageStatusHistory(ctx, p.TenantID, id)
	if err != nil {
		return Message{}, nil, fmt.Errorf("message history: %w", err)
	}
	m.Normalize()
	return m, h, nil
}
