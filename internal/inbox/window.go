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
	// Announce says the agents are told: the conversation is open, on WhatsApp. The other
	// windows are swept without a word, so that no sweep reads them again.
	Announce bool
}

// CloseExpiredWindows tells the agents, with a reply_window event, about every WhatsApp
// conversation whose window has closed since the last sweep. It sweeps batches of up to
// batch windows until none is left, each batch in one transaction per tenant, in which each
// window is marked and its event appended: several nodes sweeping at once announce each
// closing once. It returns how many it announced.
func (s *Service) CloseExpiredWindows(ctx context.Context, batch int) (int, error) {
	announced := 0
	for {
		refs, err := s.store.ExpiredReplyWindows(ctx, s.now().Add(-ReplyWindowLength), batch)
		if err != nil {
			return announced, fmt.Errorf("find expired reply windows: %w", err)
		}
		swept := 0
		for _, group := range byTenant(refs) {
			m, a, err := s.closeWindows(ctx, group)
			swept, announced = swept+m, announced+a
			if err != nil {
				return announced, err
			}
		}
		// A short batch was the last; one that marked nothing was swept by another node.
		if len(refs) < batch || swept == 0 {
			return announced, nil
		}
	}
}

// closeWindows marks the windows of one tenant's conversations closed and announces those
// that are announced, in one transaction; it returns how many it marked and announced.
func (s *Service) closeWindows(ctx context.Context, refs []WindowRef) (marked, announced int, err error) {
	err = s.write(ctx, refs[0].TenantID, func(q Queries, em *emitter) error {
		marked, announced = 0, 0 // the work may run again (a transaction that lost a deadlock)
		for _, r := range refs {
			ok, err := q.MarkReplyWindowClosed(ctx, r.TenantID, r.ConversationID, r.LastInboundAt)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			marked++
			if !r.Announce {
				continue
			}
			c, err := q.GetConversation(ctx, r.TenantID, r.ConversationID)
			if err != nil {
				return fmt.Errorf("reload conversation: %w", err)
			}
			em.emit(EventReplyWindow, &c, ConversationEvent{Reason: "reply_window_closed", Conversation: c.View(em.now)})
			announced++
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return marked, announced, nil
}

// byTenant splits refs by tenant, each tenant's in their order.
func byTenant(refs []WindowRef) [][]WindowRef {
	var groups [][]WindowRef
	at := map[uuid.UUID]int{}
	for _, r := range refs {
		i, ok := at[r.TenantID]
		if !ok {
			i = len(groups)
			at[r.TenantID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}
