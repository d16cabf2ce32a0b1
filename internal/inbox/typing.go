package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// ContactTypingEvent is the data of a typing_indicator event about a contact (an agent's
// carries "user" instead of "contact").
type ContactTypingEvent struct {
	ConversationID uuid.UUID   `json:"conversation_id"`
	Contact        EndUserView `json:"contact"`
	IsTyping       bool        `json:"is_typing"`
}

// ContactTyping tells the agents that a contact is typing in its open conversation on the
// channel, as the provider reported (RBM's IS_TYPING). The event is ephemeral: providers
// report only the start, so each node's hub ends the indicator when the typing timeout
// passes without a new report. A contact or conversation we do not have shows nothing.
func (s *Service) ContactTyping(ctx context.Context, ch Channel, from Sender) error {
	dropNUL(&from)
	contact, err := s.store.FindContactByIdentity(ctx, ch.TenantID, ContactIdentity{ChannelID: ch.ID, Address: from.Address})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find typing contact: %w", err)
	}
	conv, err := s.store.FindOpenConversation(ctx, ch.TenantID, contact.ID, ch.ID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find typing contact's conversation: %w", err)
	}
	data, err := json.Marshal(ContactTypingEvent{ConversationID: conv, Contact: contact.endUser(), IsTyping: true})
	if err != nil {
		return fmt.Errorf("encode typing event: %w", err)
	}
	s.pub.Publish(ctx, Event{TenantID: ch.TenantID, Type: EventTypingIndicator, ConversationID: &conv, Data: data, CreatedAt: s.now()})
	return nil
}
