// Package inbox is the domain of the team inbox: its types, enums and rules, and the use cases
// that transports call. It knows no HTTP and no SQL: it talks to a Store and publishes Events.
package inbox

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// Status is a conversation's status.
type Status string

const (
	StatusActive  Status = "active"
	StatusPending Status = "pending"
	StatusClosed  Status = "closed"
)

// Statuses lists every conversation status.
var Statuses = []Status{StatusActive, StatusPending, StatusClosed}

// Priority is a conversation's priority.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority.
var Priorities = []Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}

// ChannelKind is the provider family of a channel.
type ChannelKind string

const (
	ChannelWhatsApp ChannelKind = "whatsapp"
	ChannelTelegram ChannelKind = "telegram"
	ChannelSMS      ChannelKind = "sms"
	ChannelRCS      ChannelKind = "rcs"
	ChannelVoice    ChannelKind = "voice"
	ChannelWeb      ChannelKind = "web"
)

// ChannelKinds lists every channel kind.
var ChannelKinds = []ChannelKind{ChannelWhatsApp, ChannelTelegram, ChannelSMS, ChannelRCS, ChannelVoice, ChannelWeb}

// SenderType says who wrote a message.
type SenderType string

const (
	SenderEndUser      SenderType = "end_user"      // the customer
	SenderBusiness     SenderType = "business"      // the business itself (campaigns, broadcasts)
	SenderBusinessUser SenderType = "business_user" // an agent
	SenderBot          SenderType = "bot"
	SenderSystem       SenderType = "system" // status and assignment changes
)

// ContentType says what a message carries. Structured content lives in Message.Payload.
type ContentType string

const (
	ContentText        ContentType = "text"
	ContentImage       ContentType = "image"
	ContentAudio       ContentType = "audio"
	ContentVideo       ContentType = "video"
	ContentDocument    ContentType = "document"
	ContentSticker     ContentType = "sticker"
	ContentLocation    ContentType = "location"
	ContentContacts    ContentType = "contacts"
	ContentTemplate    ContentType = "template"
	ContentVoice       ContentType = "voice" // a call or voicemail
	ContentSystem      ContentType = "system"
	ContentUnsupported ContentType = "unsupported" // a provider type we do not understand; raw payload kept
)

// DeliveryStatus tracks an outbound message through the provider. Inbound messages are "received".
type DeliveryStatus string

const (
	DeliveryReceived  DeliveryStatus = "received"
	DeliveryQueued    DeliveryStatus = "queued"
	DeliverySent      DeliveryStatus = "sent"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryRead      DeliveryStatus = "read"
	DeliveryFailed    DeliveryStatus = "failed"
)

// Rank orders delivery statuses so that receipts apply monotonically: a late "delivered"
// never overwrites "read". Failed is terminal and outranks everything.
func (s DeliveryStatus) Rank() int {
	switch s {
	case DeliveryQueued:
		return 1
	case DeliverySent:
		return 2
	case DeliveryDelivered:
		return 3
	case DeliveryRead:
		return 4
	case DeliveryFailed:
		return 5
	}
	return 0
}

// Supersedes reports whether a receipt of status s moves a message whose status is current:
// only forward, and "failed" only before the message reached the phone. A "failed" after
// "delivered" or "read" is stale or out of order, and must not take the status back.
func (s DeliveryStatus) Supersedes(current DeliveryStatus) bool {
	if s == DeliveryFailed && current.Rank() >= DeliveryDelivered.Rank() {
		return false
	}
	return s.Rank() > current.Rank()
}

// Tenant is a business: every other row belongs to exactly one.
type Tenant struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// TimeZone is the IANA name of the zone its statistics count days in ("UTC" by default).
	TimeZone string `json:"time_zone"`
	// DefaultTemplateLanguage is the WhatsApp template language code used when a template
	// names none ("en" by default).
	DefaultTemplateLanguage string `json:"default_template_language"`
	// DisabledAt is set while an operator has disabled the business: its users can neither
	// log in nor use their tokens, and its channels' webhooks answer 404.
	DisabledAt *time.Time `json:"disabled_at"`
}

// User is a business user (an agent).
type User struct {
	ID           uuid.UUID `json:"id"`
	TenantID     uuid.UUID `json:"business_id"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	Email        string    `json:"email"`
	Role         auth.Role `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// DeactivatedAt is set while the user may not log in or use the API.
	DeactivatedAt *time.Time `json:"deactivated_at"`
	// TokenVersion is the version a token must carry to be accepted; bumping it revokes
	// every token issued before (log out everywhere, password change).
	TokenVersion int64 `json:"-"`
	// Availability is filled by the use cases that show it (the user list, me).
	Availability Availability `json:"availability,omitempty"`
}

// UserRef is the short form of a user embedded in other objects.
type UserRef struct {
	ID        uuid.UUID `json:"id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email,omitempty"`
}

// Team groups users for assignment.
type Team struct {
	ID        uuid.UUID   `json:"id"`
	TenantID  uuid.UUID   `json:"business_id"`
	Name      string      `json:"name"`
	MemberIDs []uuid.UUID `json:"member_ids"`
	CreatedAt time.Time   `json:"created_at"`
}

// TeamRef is the short form of a team.
type TeamRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// Contact is an end user: a customer who writes on some channel.
type Contact struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"business_id"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Phone       string    `json:"phone,omitempty"` // E.164
	Email       string    `json:"email,omitempty"`
	CountryCode string    `json:"country_code,omitempty"` // ISO 3166-1 alpha-2
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ContactIdentity ties a contact to its address on one channel: a WhatsApp wa_id, a Telegram
// chat id, an E.164 number for SMS, RCS and voice.
type ContactIdentity struct {
	ChannelID uuid.UUID
	Address   string
}

// Channel is a tenant's account on one provider. Config holds provider settings and secrets;
// it is never returned to clients (see ChannelView).
type Channel struct {
	ID        uuid.UUID         `json:"id"`
	TenantID  uuid.UUID         `json:"business_id"`
	Kind      ChannelKind       `json:"kind"`
	Name      string            `json:"name"`
	Config    map[string]string `json:"-"`
	CreatedAt time.Time         `json:"created_at"`
	// DisabledAt, when set, is when an admin disabled the channel: its webhooks answer 503
	// (the provider retries later) and replies on it are refused.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// ChannelRef is the short form of a channel, as the v1 document shows it.
type ChannelRef struct {
	ID   uuid.UUID   `json:"id"`
	Name ChannelKind `json:"name"`
}

// Campaign groups broadcasts.
type Campaign struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"business_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Broadcast is one send of a campaign; conversations it started link to it.
type Broadcast struct {
	ID         uuid.UUID `json:"id"`
	TenantID   uuid.UUID `json:"business_id"`
	CampaignID uuid.UUID `json:"campaign_id"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
}

// BroadcastRef is a broadcast with its campaign's name, as the detail view shows it.
type BroadcastRef struct {
	ID           uuid.UUID `json:"id"`
	Name         string    `json:"name"`
	CampaignID   uuid.UUID `json:"campaign_id"`
	CampaignName string    `json:"campaign_name"`
}

// Tag labels conversations.
type Tag struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"-"`
	Name      string    `json:"name"`
	Color     string    `json:"color"`
	CreatedAt time.Time `json:"-"`
}

// MessageSummary is the denormalized last message kept on a conversation for the list.
type MessageSummary struct {
	ID          uuid.UUID   `json:"id"`
	SenderType  SenderType  `json:"sender_type"`
	Content     string      `json:"content"`
	ContentType ContentType `json:"content_type"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Conversation is a thread between the business and one contact on one channel.
// The fields after Tags are denormalized so the list reads one row per conversation.
type Conversation struct {
	ID              uuid.UUID       `json:"id"`
	TenantID        uuid.UUID       `json:"business_id"`
	ContactID       uuid.UUID       `json:"-"`
	ChannelID       uuid.UUID       `json:"-"`
	Type            string          `json:"type"`
	Status          Status          `json:"status"`
	Priority        Priority        `json:"priority"`
	Category        string          `json:"category"`
	AssignedUserID  *uuid.UUID      `json:"-"`
	AssignedTeamID  *uuid.UUID      `json:"-"`
	BroadcastID     *uuid.UUID      `json:"-"`
	CampaignID      *uuid.UUID      `json:"-"`
	Tags            []string        `json:"tags"`
	UnreadCount     int             `json:"unread_count"`
	LastMessage     *MessageSummary `json:"last_message"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	LastMessageAt   *time.Time      `json:"last_message_at"`
	LastInboundAt   *time.Time      `json:"-"` // opens the WhatsApp 24-hour window
	FirstResponseAt *time.Time      `json:"first_response_at"`
	ResolvedAt      *time.Time      `json:"resolved_at"`
	ClosedAt        *time.Time      `json:"closed_at"`

	// Joined for reads; the store fills them.
	Contact      Contact       `json:"-"`
	Channel      ChannelRef    `json:"-"`
	AssignedUser *UserRef      `json:"-"`
	AssignedTeam *TeamRef      `json:"-"`
	Broadcast    *BroadcastRef `json:"-"`
}

// Attachment is a file on a message: a provider media id or a URL.
type Attachment struct {
	URL      string `json:"url,omitempty"`
	MediaID  string `json:"media_id,omitempty"` // the provider's id, fetched through our media proxy
	MimeType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

// MediaUpload describes a file an agent uploaded to send as an attachment; the media store
// keeps its bytes. Its id is the attachment's media_id.
type MediaUpload struct {
	ID         uuid.UUID
	TenantID   uuid.UUID
	UploadedBy *uuid.UUID
	FileName   string
	MimeType   string
	Size       int64
	CreatedAt  time.Time
}

// Message is one entry of a conversation: from the customer, an agent, the business, a bot
// or the system; an internal note when IsInternal.
type Message struct {
	ID                uuid.UUID       `json:"id"`
	TenantID          uuid.UUID       `json:"-"`
	ConversationID    uuid.UUID       `json:"conversation_id"`
	SenderType        SenderType      `json:"sender_type"`
	SenderID          *uuid.UUID      `json:"sender_id"`
	Content           string          `json:"content"`
	ContentType       ContentType     `json:"content_type"`
	IsInternal        bool            `json:"is_internal"`
	Attachments       []Attachment    `json:"attachments"`
	Payload           json.RawMessage `json:"payload,omitempty"` // structured content: media, location, template, raw provider data
	Status            DeliveryStatus  `json:"status"`
	ProviderMessageID string          `json:"provider_message_id,omitempty"`
	ReplyToID         *uuid.UUID      `json:"reply_to_id,omitempty"`
	Error             string          `json:"error,omitempty"`
	IsRead            bool            `json:"is_read"` // read by an agent (inbound only)
	CreatedAt         time.Time       `json:"created_at"`
	SentAt            *time.Time      `json:"sent_at,omitempty"`
	DeliveredAt       *time.Time      `json:"delivered_at"`
	ReadAt            *time.Time      `json:"read_at"`
	FailedAt          *time.Time      `json:"failed_at,omitempty"`
	MentionedUsers    []UserRef       `json:"mentioned_users,omitempty"`
	Reactions         []Reaction      `json:"reactions,omitempty"` // the contacts' reactions; reads leave out removed ones
	// SendAttempts counts an outbound message's send attempts; while it is queued for
	// another, Error is the last one's error.
	SendAttempts int `json:"send_attempts,omitempty"`
}

// Reaction is an emoji a contact put on a message; a contact has one at most (a new one
// replaces it). A removal is stored as the contact's entry without emoji, so that a reaction
// that arrives after its own removal (providers reorder webhooks) stays removed.
type Reaction struct {
	Emoji      string     `json:"emoji"`
	SenderType SenderType `json:"sender_type"`
	SenderID   *uuid.UUID `json:"sender_id"`
	At         time.Time  `json:"created_at"`
}

// StatusChange is one step of a message's delivery history.
type StatusChange struct {
	Status DeliveryStatus `json:"status"`
	At     time.Time      `json:"at"`
	Error  string         `json:"error,omitempty"`
}
