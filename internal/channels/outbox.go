package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Outbox sends queued replies through their providers. Items are leased in the database,
// so any number of workers on any number of nodes never take the same item at once; a
// worker that dies leaves its items to be taken again when the lease ends.
type Outbox struct {
	svc       *inbox.Service
	providers map[inbox.ChannelKind]provider.Provider
	hc        *http.Client
	log       *slog.Logger
	publicURL string

	Poll        time.Duration // how often the queue is checked
	Lease       time.Duration // how long a claimed item is ours
	Batch       int
	MaxAttempts int
	BaseBackoff time.Duration
	// Stall is how long the worker may show no sign of life (a poll of the queue answered,
	// a send done) before Ready reports it stalled.
	Stall time.Duration

	alive atomic.Int64 // when the worker last showed a sign of life, in unix nanoseconds
}

// NewOutbox returns a worker; publicURL, when set, is where Twilio sends status callbacks.
func NewOutbox(svc *inbox.Service, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client, publicURL string, log *slog.Logger) *Outbox {
	o := &Outbox{svc: svc, providers: providers, hc: hc, log: log, publicURL: publicURL,
		Poll: 250 * time.Millisecond, Lease: time.Minute, Batch: 16, MaxAttempts: 8, BaseBackoff: 2 * time.Second,
		Stall: 2 * time.Minute} // a send ends within the HTTP client's timeout
	o.alive.Store(time.Now().UnixNano())
	return o
}

// Ready says whether the worker works: it answered a poll of the queue, or finished a send,
// within Stall. A database it cannot reach, or sends that hang, stall it.
func (o *Outbox) Ready(context.Context) error {
	if quiet := time.Since(time.Unix(0, o.alive.Load())); quiet > o.Stall {
		return fmt.Errorf("stalled: no poll of the queue or send for %s", quiet.Round(time.Second))
	}
	return nil
}

// Run works the queue until ctx ends; an item being sent is finished first.
func (o *Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	for {
		// A full batch means more may be waiting: go on without sleeping.
		if o.RunOnce(ctx) == o.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims and sends one batch and reports how many items it took. Once ctx ends it
// finishes the send in flight and leaves the rest to be claimed again when their lease ends.
func (o *Outbox) RunOnce(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	items, err := o.svc.Store().ClaimOutbound(ctx, time.Now().UTC(), o.Lease, o.Batch)
	if err != nil {
		o.log.Warn("claim outbox", "err", err)
		return 0
	}
	o.alive.Store(time.Now().UnixNano())
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		o.deliver(context.WithoutCancel(ctx), it)
		o.alive.Store(time.Now().UnixNano())
	}
	return len(items)
}

func (o *Outbox) deliver(ctx context.Context, it inbox.OutboxItem) {
	log := o.log.With("outbox_id", it.ID, "message_id", it.MessageID, "attempt", it.Attempts)
	providerID, err := o.send(ctx, it)
	st := o.svc.Store()
	switch {
	case err == nil:
		if err := o.svc.MarkSent(ctx, it.TenantID, it.MessageID, it.ChannelID, providerID); err != nil {
			log.Error("mark sent", "err", err) // the lease ends and the item is retried: a rare duplicate beats a lost reply
			return
		}
		if err := st.CompleteOutbound(ctx, it.ID); err != nil {
			log.Error("complete outbox item", "err", err)
		}
	case provider.IsPermanent(err) || it.Attempts >= o.MaxAttempts:
		log.Warn("send failed for good", "err", err)
		if err := o.svc.MarkFailed(ctx, it.TenantID, it.MessageID, err.Error()); err != nil && !errors.Is(err, inbox.ErrNotFound) {
			log.Error("mark failed", "err", err)
			return
		}
		if err := st.CompleteOutbound(ctx, it.ID); err != nil {
			log.Error("complete outbox item", "err", err)
		}
	default:
		// Exponential backoff with full jitter: 2 s, 4 s, 8 s, ... capped at 10 minutes.
		backoff := min(o.BaseBackoff<<min(it.Attempts-1, 20), 10*time.Minute)
		at := time.Now().Add(backoff/2 + rand.N(backoff/2+1))
		log.Info("send failed, will retry", "err", err, "at", at)
		if err := st.RetryOutbound(ctx, it.ID, at, err.Error()); err != nil {
			log.Error("reschedule outbox item", "err", err)
		}
	}
}

// send loads what the item needs and calls the provider.
func (o *Outbox) send(ctx context.Context, it inbox.OutboxItem) (string, error) {
	st := o.svc.Store()
	m, err := st.GetMessage(ctx, it.TenantID, it.MessageID)
	if err != nil {
		return "", provider.Permanent("message is gone: " + err.Error())
	}
	if m.IsInternal || m.SenderType == inbox.SenderSystem { // never leaves, whatever queued it
		return "", provider.Permanent("internal messages are not sent")
	}
	if m.ProviderMessageID != "" { // sent before a crash, just not completed
		return m.ProviderMessageID, nil
	}
	ch, err := st.GetChannel(ctx, it.TenantID, it.ChannelID)
	if err != nil {
		return "", provider.Permanent("channel is gone: " + err.Error())
	}
	p := o.providers[ch.Kind]
	if p == nil {
		return "", provider.Permanent(fmt.Sprintf("no provider for %s channels", ch.Kind))
	}
	to, err := o.address(ctx, ch, m)
	if err != nil {
		return "", err
	}
	statusURL := ""
	if o.publicURL != "" {
		statusURL = WebhookURL(o.publicURL, ch)
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return p.Send(sendCtx, o.hc, ch, to, m, statusURL)
}

// address is the contact's identity on the channel, or its phone where the channel
// addresses by phone.
func (o *Outbox) address(ctx context.Context, ch inbox.Channel, m inbox.Message) (string, error) {
	st := o.svc.Store()
	c, err := st.GetConversation(ctx, m.TenantID, m.ConversationID)
	if err != nil {
		return "", provider.Permanent("conversation is gone: " + err.Error())
	}
	ids, err := st.ContactIdentities(ctx, m.TenantID, c.ContactID)
	if err != nil {
		return "", fmt.Errorf("contact identities: %w", err)
	}
	for _, id := range ids {
		if id.ChannelID == ch.ID {
			return id.Address, nil
		}
	}
	if phone := c.Contact.Phone; phone != "" && ch.Kind != inbox.ChannelTelegram {
		if ch.Kind == inbox.ChannelWhatsApp {
			return strings.TrimPrefix(phone, "+"), nil // wa_id is the number without +
		}
		return phone, nil
	}
	return "", provider.Permanent("the contact has no address on this channel")
}
