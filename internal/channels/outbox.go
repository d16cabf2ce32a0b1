package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Outbox sends queued replies through their providers. A worker claims one item just before
// sending it and renews the claim's lease while the send and its bookkeeping run, so no other
// worker (on this node or another) takes the item meanwhile, however slow the provider; a
// worker that dies leaves its item to be taken again when the lease ends.
type Outbox struct {
	svc       *inbox.Service
	queue     OutboxQueue
	providers map[inbox.ChannelKind]provider.Provider
	hc        *http.Client
	log       *slog.Logger
	publicURL string
	sends     *prometheus.CounterVec
	// Media gives the uploaded files replies send; without it they cannot be sent.
	Media *Media

	Poll        time.Duration // how often an empty queue is checked
	Lease       time.Duration // how long a claim lasts unless renewed; it is renewed every Lease/3
	MaxAttempts int
	BaseBackoff time.Duration
	// Stall is how long the worker may show no sign of life (a poll of the queue answered,
	// a send done) before Ready reports it stalled.
	Stall time.Duration

	alive atomic.Int64 // when the worker last showed a sign of life, in unix nanoseconds
}

const (
	// maxRetryAfter bounds the wait a provider may ask for.
	maxRetryAfter = 24 * time.Hour
	// recordGrace is how long a stopping worker keeps trying to record a send's outcome.
	recordGrace = 30 * time.Second
)

// OutboxQueue is the queue's mechanics a worker uses (the store): it claims an item and
// renews the claim, and the metrics read the queue's depth. The service reads what a send
// needs and settles the item (FinishSend).
type OutboxQueue interface {
	ClaimOutbound(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]inbox.OutboxItem, error)
	ExtendOutbound(ctx context.Context, id uuid.UUID, claim string, until time.Time) error
	OutboxBacklog(ctx context.Context) (inbox.OutboxBacklog, error)
}

// NewOutbox returns a worker; publicURL, when set, is where Twilio sends status callbacks.
// Its metrics are registered on reg when it is not nil.
func NewOutbox(svc *inbox.Service, queue OutboxQueue, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client, publicURL string, log *slog.Logger, reg *prometheus.Registry) *Outbox {
	o := &Outbox{svc: svc, queue: queue, providers: providers, hc: hc, log: log, publicURL: publicURL,
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "teaminbox_outbox_sends_total",
			Help: "Send attempts of queued replies by channel kind and result (sent, retried, failed)."}, []string{"kind", "result"}),
		Poll: 250 * time.Millisecond, Lease: 30 * time.Second, MaxAttempts: 8, BaseBackoff: 2 * time.Second,
		Stall: 2 * time.Minute} // a send ends within sendTimeout (90 s at most)
	o.alive.Store(time.Now().UnixNano())
	if reg != nil {
		reg.MustRegister(o.sends, backlogCollector{queue: queue, log: log})
	}
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
		if o.RunOnce(ctx) > 0 {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims one due item and sends it, and reports how many it took (0 or 1). Once ctx
// ends it claims nothing; the item in flight is sent and recorded first, so a stopped worker
// holds no claim.
func (o *Outbox) RunOnce(ctx context.Context) int {
	if ctx.Err() != nil {
		return 0
	}
	items, err := o.queue.ClaimOutbound(ctx, time.Now().UTC(), o.Lease, 1)
	if err != nil {
		o.log.Warn("claim outbox", "err", err)
		return 0
	}
	o.alive.Store(time.Now().UnixNano())
	if len(items) == 0 {
		return 0
	}
	work := context.WithoutCancel(ctx)
	stop := o.holdLease(work, items[0])
	defer stop()
	o.deliver(ctx, work, items[0])
	o.alive.Store(time.Now().UnixNano())
	return 1
}

// holdLease renews the lease of it every Lease/3 until stop is called.
func (o *Outbox) holdLease(ctx context.Context, it inbox.OutboxItem) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			err := o.queue.ExtendOutbound(ctx, it.ID, it.Claim, time.Now().UTC().Add(o.Lease))
			if errors.Is(err, inbox.ErrNotFound) {
				return // finished meanwhile, or taken over: recording the outcome tells which
			}
			if err != nil && ctx.Err() == nil {
				o.log.Warn("extend outbox lease", "outbox_id", it.ID, "err", err)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// deliver sends it and records the outcome. work outlives ctx, the worker's.
func (o *Outbox) deliver(ctx, work context.Context, it inbox.OutboxItem) {
	log := o.log.With("outbox_id", it.ID, "message_id", it.MessageID, "attempt", it.Attempts)
	kind, providerID, err := o.send(work, it)
	out, result := inbox.SendOutcome{Sent: true, ProviderID: providerID}, "sent"
	switch {
	case err == nil:
	case provider.IsPermanent(err) || it.Attempts >= o.MaxAttempts:
		out, result = inbox.SendOutcome{Error: err.Error()}, "failed"
		log.Warn("send failed for good", "err", err)
	default:
		at := o.nextAttempt(it, err)
		out, result = inbox.SendOutcome{Error: err.Error(), RetryAt: &at}, "retried"
		log.Info("send failed, will retry", "err", err, "at", at)
	}
	if kind == "" {
		kind = "unknown"
	}
	o.sends.WithLabelValues(string(kind), result).Inc()
	o.record(ctx, work, it, out, log)
}

// nextAttempt is when a failed send is tried again: when the provider asked (Retry-After,
// Telegram's retry_after), or after an exponential backoff with full jitter: 2 s, 4 s, 8 s,
// ... capped at 10 minutes.
func (o *Outbox) nextAttempt(it inbox.OutboxItem, err error) time.Time {
	now := time.Now().UTC()
	if wait := provider.RetryAfter(err); wait > 0 {
		return now.Add(min(wait, maxRetryAfter))
	}
	backoff := min(o.BaseBackoff<<min(it.Attempts-1, 20), 10*time.Minute)
	return now.Add(backoff/2 + rand.N(backoff/2+1))
}

// record stores the outcome of a send until the write holds. A failed write (a deadlock, a
// lost connection) is tried again while the lease is held, never left for the lease to end,
// which would send the message again. It stops when the item is gone or another worker took
// it over, and recordGrace after ctx ended (the node is stopping: its item is then as if the
// node had died).
func (o *Outbox) record(ctx, work context.Context, it inbox.OutboxItem, out inbox.SendOutcome, log *slog.Logger) {
	wait := 50 * time.Millisecond
	var giveUp time.Time
	for {
		err := o.svc.FinishSend(work, it, out)
		if err == nil {
			return
		}
		if errors.Is(err, inbox.ErrNotFound) {
			log.Warn("outbox item gone or taken over by another worker: its outcome is not recorded", "err", err)
			return
		}
		if ctx.Err() != nil && giveUp.IsZero() {
			giveUp = time.Now().Add(recordGrace)
		}
		if !giveUp.IsZero() && time.Now().After(giveUp) {
			log.Error("stopping without recording a send's outcome", "err", err, "sent", out.Sent, "provider_message_id", out.ProviderID)
			return
		}
		log.Error("record send outcome, will try again", "err", err, "sent", out.Sent, "provider_message_id", out.ProviderID)
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Second)
	}
}

// send loads what the item needs and calls the provider; it returns the channel's kind
// ("" when the channel is gone) and the provider's message id.
func (o *Outbox) send(ctx context.Context, it inbox.OutboxItem) (inbox.ChannelKind, string, error) {
	ch, m, err := o.svc.SendTarget(ctx, it)
	if err != nil {
		return ch.Kind, "", permanentIfUnsendable(err)
	}
	if m.ProviderMessageID != "" { // sent before a crash, just not completed
		return ch.Kind, m.ProviderMessageID, nil
	}
	p := o.providers[ch.Kind]
	if p == nil {
		return ch.Kind, "", provider.Permanent(fmt.Sprintf("no provider for %s channels", ch.Kind))
	}
	to, err := o.svc.Recipient(ctx, ch, m)
	if err != nil {
		return ch.Kind, "", permanentIfUnsendable(err)
	}
	statusURL := ""
	if o.publicURL != "" {
		statusURL = WebhookURL(o.publicURL, ch)
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout(m))
	defer cancel()
	id, err := o.sendVia(sendCtx, p, ch, to, m, statusURL)
	return ch.Kind, id, err
}

// sendTimeout is how long a send may take: 30 s, and 0.6 s more a MB of the files it
// uploads (90 s for 100 MB, within the worker's Stall).
func sendTimeout(m inbox.Message) time.Duration {
	var size int64
	for _, a := range m.Attachments {
		size += a.Size
	}
	return 30*time.Second + time.Duration(size)*600*time.Millisecond/provider.MB
}

// sendVia sends m: a reply with an uploaded file goes through the provider's upload when it
// has one, or else with public links to the files, which the provider fetches.
func (o *Outbox) sendVia(ctx context.Context, p provider.Provider, ch inbox.Channel, to string, m inbox.Message, statusURL string) (string, error) {
	if len(m.Attachments) == 0 || o.Media == nil {
		return p.Send(ctx, o.hc, ch, to, m, statusURL)
	}
	if fs, ok := p.(provider.FileSender); ok {
		f, isUpload, err := o.Media.uploaded(ctx, ch.TenantID, m.Attachments[0])
		if err != nil {
			return "", err
		}
		if isUpload {
			hc := *o.hc
			hc.Timeout = 0 // the file's upload takes what ctx gives it (sendTimeout)
			return fs.SendFile(ctx, &hc, ch, to, m, f)
		}
	}
	atts, err := o.Media.publicLinks(ch.TenantID, m.Attachments)
	if err != nil {
		return "", err
	}
	m.Attachments = atts
	return p.Send(ctx, o.hc, ch, to, m, statusURL)
}

// permanentIfUnsendable makes a reply the service says can never be sent fail for good.
func permanentIfUnsendable(err error) error {
	var u *inbox.Unsendable
	if errors.As(err, &u) {
		return provider.Permanent(u.Reason)
	}
	return err
}

// backlogCollector reports the outbox's depth and the age of its oldest item at each scrape.
type backlogCollector struct {
	queue OutboxQueue
	log   *slog.Logger
}

var (
	outboxItemsDesc = prometheus.NewDesc("teaminbox_outbox_items", "Replies waiting in the outbox: being sent or to be retried.", nil, nil)
	outboxAgeDesc   = prometheus.NewDesc("teaminbox_outbox_oldest_age_seconds", "Age of the oldest reply waiting in the outbox (0 when it is empty).", nil, nil)
)

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxItemsDesc
	ch <- outboxAgeDesc
}

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := c.queue.OutboxBacklog(ctx)
	if err != nil {
		c.log.Warn("outbox metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(outboxItemsDesc, err)
		return
	}
	age := 0.0
	if b.Oldest != nil {
		age = max(time.Since(*b.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxItemsDesc, prometheus.GaugeValue, float64(b.Items))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
