package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// InboundReaction is a contact's reaction to a message, as a verified webhook brought it.
type InboundReaction struct {
	ProviderMessageID string // the message reacted to
	From              Sender
	Emoji             string    // empty: the contact took its reaction back
	At                time.Time // when the provider says it happened; zero means now
}

// ReactionEvent is the data of a message_reaction event.
type ReactionEvent struct {
	ConversationID uuid.UUID  `json:"conversation_id"`
	MessageID      uuid.UUID  `json:"message_id"`
	Action         string     `json:"action"`    // added | removed
	Reaction       Reaction   `json:"reaction"`  // the one added, or the one removed
	Reactions      []Reaction `json:"reactions"` // the message's reactions after the change
}

// ReceiveReaction puts a contact's reaction on the message it names (or takes it off), and
// emits message_reaction when what agents see changed. A reaction is never a message: one
// naming a message we do not have, or from a sender we do not know, changes nothing.
// Redeliveries and reactions older than the contact's last change are ignored.
func (s *Service) ReceiveReaction(ctx context.Context, ch Channel, r InboundReaction) (bool, error) {
	dropNUL(&r)
	changed := false
	err := s.write(ctx, ch.TenantID, func(q Queries, em *emitter) error {
		changed = false // a retried transaction starts over
		target, err := q.FindMessageByProviderID(ctx, ch.ID, r.ProviderMessageID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find reacted message: %w", err)
		}
		contact, err := q.FindContactByIdentity(ctx, ch.TenantID, ContactIdentity{ChannelID: ch.ID, Address: r.From.Address})
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find reacting contact: %w", err)
		}
		// The conversation's lock orders concurrent reactions on its messages; the message
		// is read again under it.
		c, err := q.LockConversation(ctx, ch.TenantID, target.ConversationID)
		if err != nil {
			return fmt.Errorf("lock conversation: %w", err)
		}
		if target, err = q.GetMessage(ctx, ch.TenantID, target.ID); err != nil {
			return fmt.Errorf("reload reacted message: %w", err)
		}
		at := r.At
		if at.IsZero() || at.After(em.now) {
			at = em.now
		}
		next := Reaction{Emoji: r.Emoji, SenderType: SenderEndUser, SenderID: &contact.ID, At: at}
		list, shown, action := applyReaction(target.Reactions, next)
		if list == nil {
			return nil
		}
		if err := q.SetMessageReactions(ctx, ch.TenantID, target.ID, list); err != nil {
			return err
		}
		if action != "" {
			em.emit(EventMessageReaction, &c, ReactionEvent{ConversationID: c.ID, MessageID: target.ID, Action: action,
				Reaction: shown, Reactions: append([]Reaction{}, activeReactions(list)...)})
			changed = true
		}
		return nil
	})
	return changed, err
}

// applyReaction returns the reactions after next (nil when nothing is to be stored), the
// reaction to show in the event, and the event's action ("" when agents see no change).
func applyReaction(list []Reaction, next Reaction) ([]Reaction, Reaction, string) {
	i := slices.IndexFunc(list, func(r Reaction) bool { return sameSender(r, next) })
	if i < 0 {
		out := append(slices.Clone(list), next)
		if next.Emoji == "" { // a removal of nothing we saw: kept against a late reaction
			return out, next, ""
		}
		return out, next, "added"
	}
	prev := list[i]
	if prev.At.After(next.At) || prev.Emoji == next.Emoji { // stale, or a redelivery
		return nil, prev, ""
	}
	out := slices.Clone(list)
	out[i] = next
	if next.Emoji == "" {
		return out, prev, "removed"
	}
	return out, next, "added"
}

func sameSender(a, b Reaction) bool {
	return a.SenderType == b.SenderType && a.SenderID != nil && b.SenderID != nil && *a.SenderID == *b.SenderID
}

// activeReactions leaves out removed reactions; nil when none is left.
func activeReactions(list []Reaction) []Reaction {
	var out []Reaction
	for _, r := range list {
		if r.Emoji != "" {
			out = append(out, r)
		}
	}
	return out
}
