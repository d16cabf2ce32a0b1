package inbox

import (
	"time"

	"github.com/google/uuid"
)

// The shapes below are the JSON of the v1 document, shared by REST responses and
// WebSocket event data so both transports show a conversation the same way.

// EndUserView is the contact as a conversation shows it.
type EndUserView struct {
	ID          uuid.UUID `json:"id"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Phone       string    `json:"phone"`
	Email       string    `json:"email"`
	CountryCode string    `json:"country_code,omitempty"`
}

func (c Contact) endUser() EndUserView {
	return EndUserView{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, Email: c.Email, CountryCode: c.CountryCode}
}

// ConversationView is a conversation in the list and detail responses.
type ConversationView struct {
	ID              uuid.UUID       `json:"id"`
	BusinessID      uuid.UUID       `json:"business_id"`
	EndUser         EndUserView     `json:"end_user"`
	Channel         ChannelRef      `json:"channel"`
	Type            string          `json:"type"`
	Status          Status          `json:"status"`
	Priority        Priority        `json:"priority"`
	Category        string          `json:"category"`
	AssignedUser    *UserRef        `json:"assigned_user"`
	AssignedTeam    *TeamRef        `json:"assigned_team"`
	Broadcast       *BroadcastRef   `json:"broadcast"` // null when no broadcast started it, as the document shows the key
	Tags            []string        `json:"tags"`
	LastMessage     *MessageSummary `json:"last_message"`
	UnreadCount     int             `json:"unread_count"`
	ReplyWindow     *ReplyWindow    `json:"reply_window,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	LastMessageAt   *time.Time      `json:"last_message_at"`
	FirstResponseAt *time.Time      `json:"first_response_at"`
	ResolvedAt      *time.Time      `json:"resolved_at"`
	ClosedAt        *time.Time      `json:"closed_at"`
}

// View returns the v1 shape of c at now (now decides whether the reply window is open).
func (c Conversation) View(now time.Time) ConversationView {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return ConversationView{
		ID:              c.ID,
		BusinessID:      c.TenantID,
		EndUser:         c.Contact.endUser(),
		Channel:         c.Channel,
		Type:            c.Type,
		Status:          c.Status,
		Priority:        c.Priority,
		Category:        c.Category,
		AssignedUser:    c.AssignedUser,
		AssignedTeam:    c.AssignedTeam,
		Broadcast:       c.Broadcast,
		Tags:            tags,
		LastMessage:     c.LastMessage,
		UnreadCount:     c.UnreadCount,
		ReplyWindow:     c.ReplyWindowAt(now),
		CreatedAt:       c.CreatedAt,
		UpdatedAt:       c.UpdatedAt,
		LastMessageAt:   c.LastMessageAt,
		FirstResponseAt: c.FirstResponseAt,
		ResolvedAt:      c.ResolvedAt,
		ClosedAt:        c.ClosedAt,
	}
}

// Normalize makes empty lists encode as [] rather than null, as the document shows them,
// and leaves out removed reactions.
func (m *Message) Normalize() {
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	m.Reactions = activeReactions(m.Reactions)
}

// StatusUpdate is the data of a ticket_update event and the status response.
type StatusUpdate struct {
	ID             uuid.UUID `json:"id"`
	Status         Status    `json:"status"`
	PreviousStatus Status    `json:"previous_status"`
	Note           string    `json:"note,omitempty"`
	UpdatedAt      time.Time `json:"updated_at"`
	UpdatedBy      UserRef   `json:"updated_by"`
}

// PriorityUpdate is the priority response.
type PriorityUpdate struct {
	ID               uuid.UUID `json:"id"`
	Priority         Priority  `json:"priority"`
	PreviousPriority Priority  `json:"previous_priority"`
	UpdatedAt        time.Time `json:"updated_at"`
	UpdatedBy        UserRef   `json:"updated_by"`
}

// AssignmentUpdate is the data of an assignment_update event and the assign response.
type AssignmentUpdate struct {
	ID           uuid.UUID `json:"id"`
	AssignedUser *UserRef  `json:"assigned_user"`
	AssignedTeam *TeamRef  `json:"assigned_team"`
	Note         string    `json:"note,omitempty"`
	UpdatedAt    time.Time `json:"updated_at"`
	UpdatedBy    UserRef   `json:"updated_by"`
}

// MessageEvent is the data of a new_message event.
type MessageEvent struct {
	Message      Message          `json:"message"`
	Conversation ConversationView `json:"conversation"`
}

// MessageStatusEvent is the data of a message_status event.
type MessageStatusEvent struct {
	MessageID         uuid.UUID      `json:"message_id"`
	ConversationID    uuid.UUID      `json:"conversation_id"`
	ProviderMessageID string         `json:"provider_message_id,omitempty"`
	Status            DeliveryStatus `json:"status"`
	At                time.Time      `json:"at"`
	Error             string         `json:"error,omitempty"`
	// SendAttempts and NextAttemptAt tell how a queued reply's sending goes: the tries so
	// far (Error is the last one's) and when the next one is due.
	SendAttempts  int        `json:"send_attempts,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
}

// TagEvent is the data of a tag_update event.
type TagEvent struct {
	ConversationID uuid.UUID `json:"conversation_id"`
	Action         string    `json:"action"` // added | removed
	Tag            Tag       `json:"tag"`
	Tags           []string  `json:"tags"` // the conversation's tags after the change
	UpdatedBy      UserRef   `json:"updated_by"`
}

// ConversationEvent is the data of a conversation_update and reply_window event.
type ConversationEvent struct {
	Reason       string           `json:"reason"` // created | read | reply_window_opened | reply_window_closed
	Conversation ConversationView `json:"conversation"`
}
