package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ReplyWindowLength is WhatsApp's customer service window: free-form replies are allowed
// for 24 hours after the customer's last message; after that only templates.
const ReplyWindowLength = 24 * time.Hour

// ReplyWindow is the state of a conversation's reply window, on channels that have one.
type ReplyWindow struct {
	Open      bool       `json:"open"`
	ExpiresAt *time.Time `json:"expires_at"` // last inbound message + 24 h; null before any
}

// HasReplyWindow reports whether the channel restricts free-form replies to a window.
func (k ChannelKind) HasReplyWindow() bool { return k == ChannelWhatsApp }

// ReplyWindowAt returns the window of c at now, or nil when c's channel has none.
func (c Conversation) ReplyWindowAt(now time.Time) *ReplyWindow {
	if !c.Channel.Name.HasReplyWindow() {
		return nil
	}
	if c.LastInboundAt == nil {
		return &ReplyWindow{}
	}
	exp := c.LastInboundAt.Add(ReplyWindowLength)
	return &ReplyWindow{Open: now.Before(exp), ExpiresAt: &exp}
}

// WindowRef names a conversation whose reply window has run out.
type WindowRef struct {
	TenantID       uuid.UUID
	ConversationID uuid.UUID
	LastInboundAt  time.Time
}

// CloseExpiredWindows tells the agents, with a reply_window event, about every WhatsApp
// conversation whose window has closed since the last sweep. Each conversation is marked in
// the transaction that emits its event, so several nodes sweeping at once announce each
// closing once. It returns how many it announced.
func (s *Service) CloseExpiredWindows(ctx context.Context, limit int) (int, error) {
	now := s.now()
	refs, err := s.store.ExpiredReplyWindows(ctx, now.Add(-ReplyWindowLength), limit)
	if err != nil {
		return 0, fmt.Errorf("find expired reply windows: %w", err)
	}
	n := 0
	for _, r := range refs {
		err := s.write(ctx, r.TenantID, func(q Queries, em *emitter) error {
			marked, err := q.MarkReplyWindowClosed(ctx, r.TenantID, r.ConversationID, r.LastInboundAt)
			if err != nil || !marked {
				return err
			}
			c, err := q.GetConversation(ctx, r.TenantID, r.ConversationID)
			if err != nil {
				return fmt.Errorf("reload conversation: %w", err)
			}
			em.emit(EventReplyWindow, &c, ConversationEvent{Reason: "reply_window_closed", Conversation: c.View(em.now)})
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
