package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/teaminbox/teaminbox/docs"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/report"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store"
	"github.com/teaminbox/teaminbox/internal/tenancy"
	"github.com/teaminbox/teaminbox/web"
)

// serve runs the server until SIGINT or SIGTERM, then shuts down gracefully: stop taking
// requests, close WebSockets with "going away", let the outbox finish, close the database.
func serve(ctx context.Context, args []string) error {
	var noDemo bool
	cfg, log, err := loadConfig("serve", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&noDemo, "no-demo", false, "leave a new database empty instead of creating the demo tenant (overrides --demo)")
	})
	if err != nil {
		return err
	}
	config.TuneGC(ctx)
	started := time.Now()
	tokens, err := newTokens(cfg)
	if err != nil {
		return err
	}
	hasher := newHasher()
	st, err := openServerStore(ctx, cfg, log, wantsDemo(cfg, noDemo), hasher, tokens)
	if err != nil {
		return err
	}
	defer st.Close()

	reg := newRegistry(st)
	app, err := wire(ctx, cfg, st, tokens, reg, log)
	if err != nil {
		return err
	}
	defer app.close()
	tenants := tenancy.New(st, hasher, app.audit, log)
	if err := offerSetup(ctx, cfg, log, tenants); err != nil {
		return err
	}

	ppl, err := newPeople(cfg, st, app.svc, hasher, app.audit, log)
	if err != nil {
		return err
	}
	proxies, err := cfg.Proxies() // validated with the configuration
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Deps{
		Service: app.svc, People: ppl, Tokens: tokens, Passwords: hasher, TokenTTL: cfg.TokenTTL,
		Ready: st.Ping, Checks: app.checks, Registry: reg, Log: log,
		MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: channels.MaxUploadBytes, MessageLimit: cfg.MessageLimit, LoginRate: cfg.LoginRate, TrustedProxies: proxies,
		OpenAPI:       docs.OpenAPI,
		PublicURL:     cfg.PublicURL,
		WebSocket:     app.ws,
		WebSocketInfo: app.wsInfo,
		ThreadPDF:     report.NewThreadExporter(app.svc),
		Webhooks:      app.webhooks,
		Media:         app.media,
		Uploads:       app.media,
		SignMedia:     app.media.SignLink,
		Tenancy:       tenants,
		Signup:        cfg.Signup,
		Web:           web.Handler(),
		Templates:     app.tmpl,
		Audit:         app.audit,
		Business:      app.business,
		TwoFactor:     app.twoFactor,
		APIKeys:       app.apiKeys,
	})
	srv := &http.Server{
		Addr: cfg.Addr, Handler: api,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}

	var jobs sync.WaitGroup
	jobCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	app.start(jobCtx, &jobs)
	jobs.Go(func() { pruneEvents(jobCtx, st, cfg.EventRetention, log) })

	log.Info("teaminbox listening", "addr", ln.Addr().String(), "database", databaseKind(cfg), "nats", cfg.NATSURL != "",
		"startup_ms", time.Since(started).Milliseconds())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopJobs()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	app.shutdownSockets(shutdownCtx)
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	stopJobs()
	jobs.Wait()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// newRegistry holds the process's metrics and the store's (transaction retries, connection
// pools); wire adds the rest.
func newRegistry(st inbox.Store) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if m, ok := st.(interface{ Collectors() []prometheus.Collector }); ok {
		reg.MustRegister(m.Collectors()...)
	}
	return reg
}

func databaseKind(cfg *config.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite:" + cfg.SQLitePath()
}

// wantsDemo is the demo policy: the embedded SQLite database gets the demo tenant when it
// is new, PostgreSQL only with --demo (TEAMINBOX_DEMO=true); --no-demo wins over both.
func wantsDemo(cfg *config.Config, noDemo bool) bool {
	return !noDemo && (cfg.DatabaseURL == "" || cfg.Demo)
}

// openServerStore opens and migrates the database and, with demo, creates the demo tenant
// on a new one, under the migrations' lock: of nodes starting together, one creates it.
func openServerStore(ctx context.Context, cfg *config.Config, log *slog.Logger, demo bool, h *auth.Hasher, tokens *auth.Tokens) (store.Store, error) {
	if !demo {
		return openStore(ctx, cfg, log)
	}
	return openStore(ctx, cfg, log, func(ctx context.Context, st store.Store) error {
		return announceDemo(ctx, cfg, st, h, tokens)
	})
}

// announceDemo creates the demo tenant on a new database and prints, this once, each demo
// user's email and password (random unless TEAMINBOX_DEMO_PASSWORD sets them) and a token
// per role.
func announceDemo(ctx context.Context, cfg *config.Config, st inbox.Store, h *auth.Hasher, tokens *auth.Tokens) error {
	passwords, err := seed.Demo(ctx, st, h, time.Now().UTC(), cfg.DemoPassword)
	if err != nil || passwords == nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "\nDemo tenant created: %s (\"Demo Business\")\n", seed.DemoTenantID)
	fmt.Fprintf(os.Stdout, "Log in at http://localhost%s/ with these emails and passwords (shown this once: note them now):\n", portOf(cfg.Addr))
	for _, r := range auth.Roles {
		fmt.Fprintf(os.Stdout, "  %-36s %s\n", seed.DemoEmail(r), passwords[r])
	}
	fmt.Fprintln(os.Stdout, "or use a token:")
	for _, r := range auth.Roles {
		t, err := tokens.Issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(r), Role: r}, auth.AudienceAPI, cfg.TokenTTL)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "  %-12s %s\n", r, t)
	}
	fmt.Fprintln(os.Stdout)
	return nil
}

// offerSetup prints the setup link of a database without any business: its one-time token
// creates the first business (GET /setup?token=..., POST /v1/setup) while this process runs.
func offerSetup(ctx context.Context, cfg *config.Config, log *slog.Logger, tenants *tenancy.Service) error {
	token, err := tenants.OfferSetup(ctx)
	if err != nil || token == "" {
		return err
	}
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	if base == "" {
		base = "http://localhost" + portOf(cfg.Addr)
	}
	link := base + "/setup?token=" + token
	log.Warn("no business yet: open the setup link to create yours (good once, until this server stops)", "setup_url", link)
	fmt.Fprintf(os.Stdout, "\nNo business yet. Create yours at:\n  %s\n(good once, until this server stops)\n\n", link)
	return nil
}

func portOf(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return ":" + port
	}
	return addr
}

// pruneEvents drops events older than the retention every few minutes.
func pruneEvents(ctx context.Context, st inbox.Store, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if n, err := st.PruneEvents(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("prune events", "err", err)
		} else if n > 0 {
			log.Debug("pruned events", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
