package inbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// EventType names a real-time event; the names are the WebSocket frame types.
type EventType string

const (
	EventNewMessage         EventType = "new_message"         // a message or note was added
	EventMessageStatus      EventType = "message_status"      // delivery status changed
	EventAssignmentUpdate   EventType = "assignment_update"   // assignee or team changed
	EventTicketUpdate       EventType = "ticket_update"       // status opened/pending/closed
	EventTagUpdate          EventType = "tag_update"          // a tag added to or removed from a conversation
	EventConversationUpdate EventType = "conversation_update" // a conversation was created, read, or its fields changed
	EventReplyWindow        EventType = "reply_window"        // the WhatsApp 24-hour window opened or closed
	EventMessageReaction    EventType = "message_reaction"    // a contact reacted to a message or took the reaction back
	EventUserDeactivated    EventType = "user_deactivated"    // a user was deactivated: every node closes their sockets
	EventAgentAvailability  EventType = "agent_availability"  // an agent went online, away or offline
	EventContactUpdate      EventType = "contact_update"      // a contact's fields were edited
	// Ephemeral events: not logged, no sequence number.
	EventTypingIndicator EventType = "typing_indicator"
	EventPresence        EventType = "presence"
)

// Ephemeral says whether events of type t are neither logged nor numbered.
func (t EventType) Ephemeral() bool { return t == EventTypingIndicator || t == EventPresence }

// Event is one change in a tenant's inbox. Durable events are logged in the transaction of
// the change they describe and get a per-tenant sequence number, there or (where the store
// numbers them after commit) from the sequencer, so a client that reconnects can ask for
// what it missed. Ephemeral ones (typing, presence) have Seq 0.
type Event struct {
	Seq            int64           `json:"seq"`
	TenantID       uuid.UUID       `json:"tenant_id"`
	Type           EventType       `json:"type"`
	ConversationID *uuid.UUID      `json:"conversation_id,omitempty"`
	AssignedUserID *uuid.UUID      `json:"assigned_user_id,omitempty"` // for "assigned to me" subscriptions
	Data           json.RawMessage `json:"data"`
	CreatedAt      time.Time       `json:"ts"`
}

// Publisher delivers committed events to every node's connections. The use cases call it
// after the transaction that wrote the events has committed.
type Publisher interface {
	Publish(ctx context.Context, events ...Event)
}
