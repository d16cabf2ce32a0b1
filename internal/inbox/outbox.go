package inbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SendOutcome is how one send attempt of an outbox item ended.
type SendOutcome struct {
	// Sent says the provider accepted the message, under ProviderID ("" when it gives none).
	Sent       bool
	ProviderID string
	// Error is why the attempt failed. RetryAt is when to try again; nil when the send
	// failed for good.
	Error   string
	RetryAt *time.Time
}

// FinishSend records the outcome of a send attempt of it, and on the same commit completes
// the item or schedules its next attempt, so that a send is never recorded without its
// outbox item being settled, nor the other way round.
//
// A retry or a failure changes nothing and is ErrNotFound when it no longer holds the
// item's claim: the worker that took the item over decides. A send is recorded whoever
// holds the claim: the provider has the message, and another worker that took the item over
// finds its provider id and does not send it again.
func (s *Service) FinishSend(ctx context.Context, it OutboxItem, out SendOutcome) error {
	dropNUL(&out) // the provider's error text
	return s.write(ctx, it.TenantID, func(q Queries, em *emitter) error {
		var err error
		if out.RetryAt != nil {
			err = q.RetryOutbound(ctx, it.ID, it.Claim, *out.RetryAt, out.Error)
		} else {
			err = q.CompleteOutbound(ctx, it.ID, it.Claim)
		}
		if err != nil && !(out.Sent && errors.Is(err, ErrNotFound)) {
			return err
		}
		m, err := q.GetMessage(ctx, it.TenantID, it.MessageID)
		if err != nil {
			return fmt.Errorf("load message: %w", err)
		}
		if err := q.SetSendAttempts(ctx, it.TenantID, m.ID, it.Attempts, out.Error); err != nil {
			return err
		}
		m.SendAttempts = it.Attempts
		switch {
		case out.Sent:
			return s.recordSent(ctx, q, em, m, it, out.ProviderID)
		case out.RetryAt != nil:
			// The status stays queued; the history keeps each failed attempt's error.
			queued := StatusChange{Status: DeliveryQueued, At: em.now, Error: out.Error}
			if _, err := q.ApplyMessageStatus(ctx, m.TenantID, m.ID, queued); err != nil {
				return fmt.Errorf("record failed attempt: %w", err)
			}
			return emitStatus(ctx, q, em, m, MessageStatusEvent{Status: DeliveryQueued, At: em.now, Error: out.Error, NextAttemptAt: out.RetryAt})
		default:
			return s.applyStatus(ctx, q, em, m, StatusChange{Status: DeliveryFailed, At: em.now, Error: out.Error})
		}
	})
}

// recordSent stores the provider's id of m and marks it sent, then applies any receipt that
// arrived for that id before the send's answer.
func (s *Service) recordSent(ctx context.Context, q Queries, em *emitter, m Message, it OutboxItem, providerID string) error {
	if providerID != "" {
		if err := q.SetProviderMessageID(ctx, m.TenantID, m.ID, providerID); err != nil {
			return fmt.Errorf("set provider id: %w", err)
		}
		m.ProviderMessageID = providerID
	}
	if err := s.applyStatus(ctx, q, em, m, StatusChange{Status: DeliverySent, At: em.now}); err != nil {
		return err
	}
	if providerID == "" {
		return nil
	}
	parked, err := q.TakeParkedReceipts(ctx, it.ChannelID, providerID)
	if err != nil {
		return fmt.Errorf("take parked receipts: %w", err)
	}
	for _, ch := range parked {
		if err := s.applyStatus(ctx, q, em, m, ch); err != nil {
			return err
		}
	}
	return nil
}

// Unsendable says why a queued reply can never be sent, so that trying again is pointless.
type Unsendable struct{ Reason string }

func (e *Unsendable) Error() string { return e.Reason }

// SendTarget returns the channel a queued reply leaves through and the reply. The channel is
// returned even when the message is gone. A channel or message that no longer exists, an
// internal message (which never leaves, whatever queued it), or a reply still queued when its
// channel was disabled, is *Unsendable; a failed read is an error to retry.
func (s *Service) SendTarget(ctx context.Context, it OutboxItem) (Channel, Message, error) {
	ch, err := s.store.GetChannel(ctx, it.TenantID, it.ChannelID)
	if err != nil {
		return Channel{}, Message{}, goneOr("channel", err)
	}
	m, err := s.store.GetMessage(ctx, it.TenantID, it.MessageID)
	if err != nil {
		return ch, Message{}, goneOr("message", err)
	}
	if m.IsInternal || m.SenderType == SenderSystem {
		return ch, Message{}, &Unsendable{"internal messages are not sent"}
	}
	if ch.DisabledAt != nil {
		return ch, Message{}, &Unsendable{"the channel was disabled before the reply went out"}
	}
	return ch, m, nil
}

// Recipient is the address m goes to on ch: the contact's identity on the channel, or its
// phone where the channel addresses by phone. A conversation that no longer exists, or a
// contact without an address on the channel, is *Unsendable; a failed read is an error to retry.
func (s *Service) Recipient(ctx context.Context, ch Channel, m Message) (string, error) {
	c, err := s.store.GetConversation(ctx, m.TenantID, m.ConversationID)
	if err != nil {
		return "", goneOr("conversation", err)
	}
	ids, err := s.store.ContactIdentities(ctx, m.TenantID, c.ContactID)
	if err != nil {
		return "", fmt.Errorf("contact identities: %w", err)
	}
	for _, id := range ids {
		if id.ChannelID == ch.ID {
			return id.Address, nil
		}
	}
	if phone := c.Contact.Phone; phone != "" && ch.Kind != ChannelTelegram {
		if ch.Kind == ChannelWhatsApp {
			return strings.TrimPrefix(phone, "+"), nil // wa_id is the number without +
		}
		return phone, nil
	}
	return "", &Unsendable{"the contact has no address on this channel"}
}

// goneOr is *Unsendable when what the send needs no longer exists, and the error itself,
// to be retried, when the database failed to answer.
func goneOr(what string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return &Unsendable{what + " is gone: " + err.Error()}
	}
	return fmt.Errorf("load %s: %w", what, err)
}
