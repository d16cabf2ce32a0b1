package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Sender is the customer behind an inbound message, as the provider names them.
type Sender struct {
	Address   string // the channel identity: WhatsApp wa_id, Telegram chat id, E.164 for SMS/RCS/voice
	Phone     string // E.164, when known
	FirstName string
	LastName  string
}

// Inbound is a message a verified webhook brought in, already parsed from the provider format.
type Inbound struct {
	ProviderMessageID string // unique per channel: the idempotency key
	From              Sender
	ContentType       ContentType
	Content           string
	Attachments       []Attachment
	Payload           json.RawMessage // structured content and the raw provider data for unsupported types
	ReplyToProviderID string          // the quoted message, if any
	At                time.Time       // when the provider says it was sent; zero means now
	// CallSID ties a voice message to its call: the first message of a call remembers the
	// caller (From), the later ones (whose callbacks do not say who called) are from them.
	CallSID string
}

// ReceiveInbound makes an inbound message durable: it finds or creates the contact (by its
// address on the channel) and the open conversation (a new one when the last is closed),
// stores the message, and emits new_message. A redelivered message (same provider id on the
// same channel) changes nothing and returns the stored one with created=false.
func (s *Service) ReceiveInbound(ctx context.Context, ch Channel, in Inbound) (Message, bool, error) {
	dropNUL(&in)
	// Two webhooks of a new contact may race to create it, or to open its conversation (a
	// contact has one open conversation per channel: a unique index, migration 0013), or a
	// redelivery to store the same message; the loser's transaction fails on the unique key
	// and is run again, when it finds what the winner stored and joins it.
	var (
		m       Message
		created bool
		err     error
	)
	for attempt := 0; attempt < 3; attempt++ {
		if m, created, err = s.receiveOnce(ctx, ch, in); !errors.Is(err, ErrDuplicate) {
			break
		}
	}
	m.Normalize()
	return m, created, err
}

// receiveOnce stores one inbound message in one transaction.
func (s *Service) receiveOnce(ctx context.Context, ch Channel, in Inbound) (Message, bool, error) {
	var (
		m       Message
		created bool
	)
	err := s.write(ctx, ch.TenantID, func(q Queries, em *emitter) error {
		if in.ProviderMessageID != "" {
			dup, err := q.FindMessageByProviderID(ctx, ch.ID, in.ProviderMessageID)
			if err == nil {
				m = dup
				return nil
			}
			if !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("look up provider id: %w", err)
			}
		}
		if in.CallSID != "" {
			var err error
			if in.From, err = s.callerOf(ctx, q, ch, in, em.now); err != nil {
				return err
			}
		}
		contact, err := s.findOrCreateContact(ctx, q, ch, in.From, em.now)
		if err != nil {
			return err
		}
		c, opened, err := s.findOrOpenConversation(ctx, q, ch, contact.ID, em.now)
		if err != nil {
			return err
		}
		windowWasOpen := c.ReplyWindowAt(em.now) != nil && c.ReplyWindowAt(em.now).Open
		at := in.At
		if at.IsZero() || at.After(em.now) {
			at = em.now
		}
		m = Message{
			ID: uuid.Must(uuid.NewV7()), TenantID: ch.TenantID, ConversationID: c.ID,
			SenderType: SenderEndUser, SenderID: ptr(contact.ID), Content: in.Content,
			ContentType: in.ContentType, Attachments: in.Attachments, Payload: in.Payload,
			Status: DeliveryReceived, ProviderMessageID: in.ProviderMessageID, CreatedAt: at,
		}
		if in.ReplyToProviderID != "" {
			if quoted, err := q.FindMessageByProviderID(ctx, ch.ID, in.ReplyToProviderID); err == nil {
				m.ReplyToID = &quoted.ID
			}
		}
		// The window runs from when the customer sent the message, not from when a late
		// redelivery brought it: a message sent over 24 h ago opens none.
		touch := Touch{LastMessage: m.summary(), UnreadDelta: 1, InboundAt: ptr(at), UpdatedAt: em.now}
		if opened {
			if err := s.emitConversation(ctx, q, em, c.ID, "created"); err != nil {
				return err
			}
		}
		if err := s.insert(ctx, q, em, &c, &m, touch); err != nil {
			return err
		}
		created = true
		if w := c.ReplyWindowAt(em.now); w != nil && w.Open && !windowWasOpen && !opened {
			em.emit(EventReplyWindow, &c, ConversationEvent{Reason: "reply_window_opened", Conversation: c.View(em.now)})
		}
		return nil
	})
	return m, created, err
}

func (s *Service) findOrCreateContact(ctx context.Context, q Queries, ch Channel, from Sender, now time.Time) (Contact, error) {
	ident := ContactIdentity{ChannelID: ch.ID, Address: from.Address}
	c, err := q.FindContactByIdentity(ctx, ch.TenantID, ident)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Contact{}, fmt.Errorf("find contact: %w", err)
	}
	c = Contact{
		ID: uuid.Must(uuid.NewV7()), TenantID: ch.TenantID, FirstName: from.FirstName, LastName: from.LastName,
		Phone: from.Phone, CountryCode: CountryOfPhone(from.Phone), CreatedAt: now, UpdatedAt: now,
	}
	if err := q.CreateContact(ctx, c); err != nil {
		return Contact{}, fmt.Errorf("create contact: %w", err)
	}
	if err := q.AddContactIdentity(ctx, ch.TenantID, c.ID, ident); err != nil {
		return Contact{}, fmt.Errorf("add contact identity: %w", err)
	}
	return c, nil
}

// findOrOpenConversation returns the contact's open conversation on the channel, or opens a
// new active one: a closed conversation stays closed, and its history stays where it was.
func (s *Service) findOrOpenConversation(ctx context.Context, q Queries, ch Channel, contactID uuid.UUID, now time.Time) (Conversation, bool, error) {
	c, err := q.LockOpenConversation(ctx, ch.TenantID, contactID, ch.ID)
	if err == nil {
		return c, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Conversation{}, false, fmt.Errorf("find open conversation: %w", err)
	}
	c = Conversation{
		ID: uuid.Must(uuid.NewV7()), TenantID: ch.TenantID, ContactID: contactID, ChannelID: ch.ID,
		Type: "support", Status: StatusActive, Priority: PriorityMedium, CreatedAt: now, UpdatedAt: now,
	}
	if err := q.CreateConversation(ctx, c); err != nil {
		return Conversation{}, false, fmt.Errorf("create conversation: %w", err)
	}
	c, err = q.GetConversation(ctx, ch.TenantID, c.ID)
	return c, true, err
}

// Receipt is a provider's delivery status for one of our outbound messages.
type Receipt struct {
	ProviderMessageID string
	Status            DeliveryStatus
	At                time.Time
	Error             string
}

// ApplyReceipt moves the message the receipt names forward (never backward) and emits
// message_status. A receipt for a provider id not known yet is parked and applied when the
// send's response records the id.
func (s *Service) ApplyReceipt(ctx context.Context, ch Channel, r Receipt) error {
	dropNUL(&r)
	if r.At.IsZero() {
		r.At = s.now()
	}
	change := StatusChange{Status: r.Status, At: r.At, Error: r.Error}
	return s.write(ctx, ch.TenantID, func(q Queries, em *emitter) error {
		m, err := q.FindMessageByProviderID(ctx, ch.ID, r.ProviderMessageID)
		if errors.Is(err, ErrNotFound) {
			return q.ParkReceipt(ctx, ch.ID, r.ProviderMessageID, change)
		}
		if err != nil {
			return fmt.Errorf("find message by provider id: %w", err)
		}
		return s.applyStatus(ctx, q, em, m, change)
	})
}

func (s *Service) applyStatus(ctx context.Context, q Queries, em *emitter, m Message, ch StatusChange) error {
	moved, err := q.ApplyMessageStatus(ctx, m.TenantID, m.ID, ch)
	if err != nil {
		return fmt.Errorf("apply message status: %w", err)
	}
	if !moved {
		return nil
	}
	return emitStatus(ctx, q, em, m, MessageStatusEvent{Status: ch.Status, At: ch.At, Error: ch.Error})
}

// emitStatus emits ev, a message_status event about m.
func emitStatus(ctx context.Context, q Queries, em *emitter, m Message, ev MessageStatusEvent) error {
	c, err := q.GetConversation(ctx, m.TenantID, m.ConversationID)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	ev.MessageID, ev.ConversationID, ev.ProviderMessageID, ev.SendAttempts = m.ID, m.ConversationID, m.ProviderMessageID, m.SendAttempts
	em.emit(EventMessageStatus, &c, ev)
	return nil
}
