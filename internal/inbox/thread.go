package inbox

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// MaxThreadMessages bounds one export so a runaway thread cannot exhaust the server.
const MaxThreadMessages = 20000

// Thread is everything said with one contact, on every channel, oldest first.
type Thread struct {
	Contact       Contact
	Conversations []Conversation // newest first
	Messages      []InboxMessage // oldest first, internal notes and system messages included
	Truncated     bool           // more than MaxThreadMessages: the oldest were left out
}

// ContactThread loads a contact's thread for export.
func (s *Service) ContactThread(ctx context.Context, p auth.Principal, contactID uuid.UUID) (Thread, error) {
	if err := require(p, auth.PermConversationsRead, "export conversations"); err != nil {
		return Thread{}, err
	}
	contact, err := s.store.GetContact(ctx, p.TenantID, contactID)
	if err != nil {
		return Thread{}, notFoundAs(err, "Contact")
	}
	t := Thread{Contact: contact}
	f := InboxMessageFilter{ContactID: &contactID, IncludeInternal: true, Limit: 1000}
	for len(t.Messages) < MaxThreadMessages {
		page, err := s.store.ListInboxMessages(ctx, p.TenantID, f)
		if err != nil {
			return Thread{}, fmt.Errorf("load thread: %w", err)
		}
		t.Messages = append(t.Messages, page...)
		if len(page) < f.Limit {
			break
		}
		f.Before = &page[len(page)-1].ID
	}
	if len(t.Messages) > MaxThreadMessages {
		t.Messages, t.Truncated = t.Messages[:MaxThreadMessages], true
	}
	slices.Reverse(t.Messages)
	seen := map[uuid.UUID]bool{}
	for i := len(t.Messages) - 1; i >= 0; i-- {
		id := t.Messages[i].ConversationID
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.store.GetConversation(ctx, p.TenantID, id)
		if err != nil {
			return Thread{}, fmt.Errorf("load conversation: %w", err)
		}
		t.Conversations = append(t.Conversations, c)
	}
	return t, nil
}
