package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store"
	"github.com/teaminbox/teaminbox/internal/templates"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// app is the server's parts, wired from the configuration.
type app struct {
	svc      *inbox.Service
	hub      *realtime.Hub
	bus      realtime.Bus
	avail    *inbox.AvailabilityTracker
	ws       http.Handler
	wsInfo   func(p auth.Principal, baseURL string) (any, error)
	webhooks http.Handler
	media    *channels.Media
	tmpl     *templates.Service
	jobs     []func(ctx context.Context)
	checks   []httpapi.Check // what /readyz reports on besides the database
	log      *slog.Logger
	audit    *audit.Log
	business *tenantdata.Service

	twoFactor *twofactor.Service
	apiKeys   *apikeys.Service
}

// wire builds the use cases over st and connects the real-time hub: through NATS when
// NATS_URL is set, so several nodes share events, in memory otherwise.
func wire(ctx context.Context, cfg *config.Config, st store.Store, tokens *auth.Tokens, reg *prometheus.Registry, log *slog.Logger) (*app, error) {
	var (
		bus realtime.Bus = realtime.NewMemoryBus()
		nb  *realtime.NATSBus
	)
	if cfg.NATSURL != "" {
		var err error
		if nb, err = realtime.NewNATSBus(cfg.NATSURL, log); err != nil {
			return nil, err
		}
		bus = nb
		reg.MustRegister(nb.Collectors()...)
	}
	a := &app{bus: bus, log: log}
	if nb != nil {
		a.checks = append(a.checks, httpapi.Check{Name: "nats", Ready: nb.Ready})
	}
	seq := sequencer.New(st, realtime.NewPublisher(bus, log), log)
	if lead, ok := st.(sequencer.Lead); ok && nb != nil { // PostgreSQL, and nodes that NATS joins
		if err := seq.Lead(lead, nb); err != nil {
			bus.Close()
			return nil, err
		}
	}
	a.svc = inbox.NewService(st, seq, log)
	a.avail = a.svc.NewAvailabilityTracker(inbox.TrackerConfig{Grace: cfg.AvailabilityGrace, Log: log})
	a.audit = audit.New(st)
	a.svc.SetAuditor(a.audit)
	hub, err := realtime.New(realtime.Config{
		Availability: a.avail,
		Service:      a.svc, Tokens: tokens, Bus: bus, EventLog: st, Log: log, Registry: reg,
		AcceptAllOrigins: cfg.WebsocketAcceptAll, AllowedOrigins: cfg.AllowedOrigins,
		TokenTTL: cfg.WebsocketTokenTTL(), TypingTimeout: cfg.TypingTimeoutDuration(),
	})
	if err != nil {
		bus.Close()
		return nil, err
	}
	a.hub, a.ws, a.wsInfo = hub, hub, hub.Info
	if a.twoFactor, err = twofactor.New(st, tokens, a.audit, log, time.Now); err != nil {
		bus.Close()
		return nil, err
	}
	a.apiKeys = apikeys.New(st, a.svc, a.audit, log, time.Now)

	providers := channels.Providers()
	a.svc.SetChannelSpecs(channels.Specs(providers))
	hc := provider.NewClient(30 * time.Second)
	a.svc.SetChannelConnector(channels.NewConnector(providers, hc, cfg.PublicURL))
	a.tmpl = templates.New(st, whatsapp.Templates{Client: hc}, a.audit, log)
	a.svc.SetTemplateChecker(a.tmpl)
	files, err := mediastore.Open(ctx, cfg.MediaS3URL, cfg.DataDir)
	if err != nil {
		bus.Close()
		return nil, err
	}
	a.business = newBusiness(st, files, a.svc, a.audit, log)
	a.media = channels.NewMedia(a.svc, providers, channels.MediaOptions{
		Store: files, Client: hc, Tokens: tokens, LinkKey: tokens.DeriveKey("teaminbox media links"), LinkTTL: cfg.MediaLinkTTL,
		ExtraHosts: cfg.MediaHosts, Log: log, Registry: reg, Uploads: st, PublicURL: cfg.PublicURL,
	})
	a.svc.SetMediaAttacher(a.media)
	webhooks := channels.NewWebhooks(a.svc, providers, hc, cfg.PublicURL, log, reg)
	webhooks.Media = a.media
	a.webhooks = webhooks
	outbox := channels.NewOutbox(a.svc, st, providers, hc, cfg.PublicURL, log, reg)
	outbox.Media = a.media
	a.checks = append(a.checks, httpapi.Check{Name: "outbox", Ready: outbox.Ready})
	a.jobs = append(a.jobs, seq.Run, outbox.Run, a.sweepReplyWindows, a.media.Run, a.avail.Run)
	return a, nil
}

// start runs the background jobs until ctx ends.
func (a *app) start(ctx context.Context, wg *sync.WaitGroup) {
	for _, job := range a.jobs {
		wg.Go(func() { job(ctx) })
	}
}

// sweepReplyWindows announces closed WhatsApp reply windows every 30 seconds.
func (a *app) sweepReplyWindows(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if _, err := a.svc.CloseExpiredWindows(ctx, 500); err != nil && ctx.Err() == nil {
			a.log.Warn("sweep reply windows", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// shutdownSockets closes the WebSockets with "going away", and waits for their availability
// to be written.
func (a *app) shutdownSockets(ctx context.Context) {
	a.hub.Shutdown(ctx)
	a.avail.Close()
}

func (a *app) close() {
	if err := a.bus.Close(); err != nil {
		a.log.Warn("close event bus", "err", err)
	}
}

// newBusiness is the export, deletion and erasure of a business's data, for the server and
// the tenant commands alike.
func newBusiness(st store.Store, files tenantdata.Media, svc *inbox.Service, a *audit.Log, log *slog.Logger) *tenantdata.Service {
	return tenantdata.New(st, files, a, log, tenantdata.Options{ChannelSpec: svc.ChannelSpecFor, Forget: svc.ForgetTenant, Disconnect: svc.DisconnectChannels})
}
