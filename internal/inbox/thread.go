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
	t.Messages, t.Truncated, err = s.threadMessages(ctx, p.TenantID, InboxMessageFilter{ContactID: &contactID})
	if err != nil {
		return Thread{}, err
	}
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

// ConversationThread loads one conversation for export: its contact and its messages alone.
func (s *Service) ConversationThread(ctx context.Context, p auth.Principal, conversationID uuid.UUID) (Thread, error) {
	if err := require(p, auth.PermConversationsRead, "export conversations"); err != nil {
		return Thread{}, err
	}
	c, err := s.store.GetConversation(ctx, p.TenantID, conversationID)
	if err != nil {
		return Thread{}, notFoundAs(err, "Conversation")
	}
	contact, err := s.store.GetContact(ctx, p.TenantID, c.ContactID)
	if err != nil {
		return Thread{}, fmt.Errorf("load contact: %w", err)
	}
	t := Thread{Contact: contact, Conversations: []Conversation{c}}
	t.Messages, t.Truncated, err = s.threadMessages(ctx, p.TenantID, InboxMessageFilter{ConversationID: &conversationID})
	if err != nil {
		return Thread{}, err
	}
	return t, nil
}

// threadMessages loads the messages f selects, internal ones included, oldest first, up to
// MaxThreadMessages (the newest ones; truncated says some were left out).
func (s *Service) threadMessages(ctx context.Context, tenant uuid.UUID, f InboxMessageFilter) (msgs []InboxMessage, truncated bool, err error) {
	f.IncludeInternal, f.Limit = true, 1000
	for len(msgs) < MaxThreadMessages {
		page, err := s.store.ListInboxMessages(ctx, tenant, f)
		if err != nil {
			return nil, false, fmt.Errorf("load thread: %w", err)
		}
		msgs = append(msgs, page...)
		if len(page) < f.Limit {
			break
		}
		f.Before = &page[len(page)-1].ID
	}
	if len(msgs) > MaxThreadMessages {
		msgs, truncated = msgs[:MaxThreadMessages], true
	}
	slices.Reverse(msgs)
	return msgs, truncated, nil
}
