package channels

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// maxWebhookBody bounds a webhook body (Meta's largest batches are about 3 MB).
const maxWebhookBody = 4 << 20

// disabledRetryAfter is the Retry-After of a disabled channel's webhook, in seconds.
const disabledRetryAfter = "600"

// followUpTimeout bounds a webhook's follow-up calls to the provider.
const followUpTimeout = 10 * time.Second

// Webhooks serves /webhooks/{kind}/{channel_id}: verify, make durable, then answer 2xx.
type Webhooks struct {
	svc       *inbox.Service
	providers map[inbox.ChannelKind]provider.Provider
	hc        *http.Client // for the webhooks' follow-up calls to the provider
	publicURL string
	log       *slog.Logger
	counter   *prometheus.CounterVec

	// Media, when set, copies the files of inbound messages into its store after they commit.
	Media *Media
}

// NewWebhooks returns the webhook endpoint. publicURL (TEAMINBOX_PUBLIC_URL) is the base URL
// providers call; when empty it is rebuilt from the request and its X-Forwarded-* headers.
func NewWebhooks(svc *inbox.Service, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client, publicURL string, log *slog.Logger, reg *prometheus.Registry) *Webhooks {
	h := &Webhooks{svc: svc, providers: providers, hc: hc, publicURL: strings.TrimRight(publicURL, "/"), log: log,
		counter: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "teaminbox_webhooks_total", Help: "Provider webhooks by kind and result."}, []string{"kind", "result"})}
	if reg != nil {
		reg.MustRegister(h.counter)
	}
	return h
}

func (h *Webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind, id, ok := parsePath(r.URL.Path)
	result := "rejected"
	defer func() { h.counter.WithLabelValues(string(kind), result).Inc() }()
	if !ok {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "No such webhook")
		return
	}
	p := h.providers[kind]
	ch, err := h.svc.WebhookChannel(r.Context(), id)
	if p == nil || errors.Is(err, inbox.ErrNotFound) || (err == nil && ch.Kind != kind) {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "No such webhook")
		return
	}
	if err != nil {
		h.fail(w, r, kind, "look up channel", err)
		result = "error"
		return
	}
	if ch.DisabledAt != nil {
		// Not a 4xx: the provider keeps the update and retries, so it arrives once the
		// channel is enabled again (WhatsApp for days, Telegram about a day; Twilio never).
		result = "disabled"
		w.Header().Set("Retry-After", disabledRetryAfter)
		writeFailure(w, http.StatusServiceUnavailable, inbox.CodeNotReady, "This channel is disabled; retry later")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		writeFailure(w, http.StatusRequestEntityTooLarge, inbox.CodePayloadTooLarge, "Webhook body is too large")
		return
	}
	batch, err := p.Webhook(r, body, ch, h.callURL(r))
	var bad provider.Malformed
	switch {
	case errors.Is(err, provider.ErrSignature):
		h.log.Warn("webhook signature rejected", "kind", kind, "channel", ch.ID)
		writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "The webhook signature is missing or wrong")
		return
	case errors.Is(err, provider.ErrForbidden):
		writeFailure(w, http.StatusForbidden, inbox.CodeForbidden, "Verification token does not match")
		return
	case errors.As(err, &bad):
		h.log.Warn("malformed webhook", "kind", kind, "channel", ch.ID, "err", err)
		writeFailure(w, http.StatusBadRequest, inbox.CodeValidation, bad.Error())
		return
	case err != nil:
		h.fail(w, r, kind, "parse webhook", err)
		result = "error"
		return
	}
	created := 0
	for _, in := range batch.Messages {
		for i, a := range in.Attachments {
			if a.MediaID != "" && a.URL == "" { // agents open provider media through our proxy
				in.Attachments[i].URL = MediaPath(ch.ID, a.MediaID)
			}
		}
		_, isNew, err := h.svc.ReceiveInbound(r.Context(), ch, in)
		if err != nil {
			h.fail(w, r, kind, "store inbound message", err) // non-2xx: the provider retries
			result = "error"
			return
		}
		for _, a := range in.Attachments {
			if h.Media != nil && a.MediaID != "" { // also on a redelivery: an earlier copy may have been lost
				h.Media.Enqueue(ch, a.MediaID)
			}
		}
		if isNew {
			created++
		}
	}
	for _, rc := range batch.Receipts {
		if err := h.svc.ApplyReceipt(r.Context(), ch, rc); err != nil {
			h.fail(w, r, kind, "apply receipt", err)
			result = "error"
			return
		}
	}
	for _, re := range batch.Reactions {
		if _, err := h.svc.ReceiveReaction(r.Context(), ch, re); err != nil {
			h.fail(w, r, kind, "store reaction", err)
			result = "error"
			return
		}
	}
	for _, who := range batch.Typing { // ephemeral: a lost indicator is not worth a redelivery
		if err := h.svc.ContactTyping(r.Context(), ch, who); err != nil {
			h.log.WarnContext(r.Context(), "contact typing", "kind", kind, "channel", ch.ID, "err", err)
		}
	}
	for _, cu := range batch.Calls {
		if err := h.svc.UpdateCall(r.Context(), ch, cu); err != nil {
			h.fail(w, r, kind, "update call", err)
			result = "error"
			return
		}
	}
	result = "ok"
	h.log.Debug("webhook", "kind", kind, "channel", ch.ID, "messages", len(batch.Messages), "new", created, "receipts", len(batch.Receipts),
		"reactions", len(batch.Reactions))
	if rep := batch.Reply; rep != nil {
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Body)
	} else {
		writeJSON(w, map[string]int{"messages": len(batch.Messages), "created": created, "receipts": len(batch.Receipts)})
	}
	h.followUp(w, r, kind, ch, batch.FollowUps)
}

// followUp answers the provider first (its retry clock is running), then makes the calls
// the webhook asked for. A failed call is logged: what the webhook brought is stored.
func (h *Webhooks) followUp(w http.ResponseWriter, r *http.Request, kind inbox.ChannelKind, ch inbox.Channel, calls []provider.FollowUp) {
	if len(calls) == 0 {
		return
	}
	_ = http.NewResponseController(w).Flush()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), followUpTimeout)
	defer cancel()
	for _, call := range calls {
		if err := call(ctx, h.hc); err != nil {
			h.log.WarnContext(ctx, "webhook follow-up failed", "kind", kind, "channel", ch.ID, "err", err)
		}
	}
}

func (h *Webhooks) fail(w http.ResponseWriter, r *http.Request, kind inbox.ChannelKind, what string, err error) {
	h.log.ErrorContext(r.Context(), "webhook failed", "kind", kind, "step", what, "err", err)
	writeFailure(w, http.StatusInternalServerError, inbox.CodeInternal, "The webhook could not be stored; retry later")
}

// parsePath reads /webhooks/{kind}/{channel_id}.
func parsePath(path string) (inbox.ChannelKind, uuid.UUID, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "webhooks" {
		return "", uuid.Nil, false
	}
	id, err := uuid.Parse(parts[2])
	return inbox.ChannelKind(parts[1]), id, err == nil
}

// callURL is the URL the provider called, as it sees it.
func (h *Webhooks) callURL(r *http.Request) string {
	if h.publicURL != "" {
		return h.publicURL + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	host := r.Host
	if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
		host = fh
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// WebhookURL is the URL of a channel's webhook under base.
func WebhookURL(base string, ch inbox.Channel) string {
	return strings.TrimRight(base, "/") + "/webhooks/" + string(ch.Kind) + "/" + ch.ID.String()
}
