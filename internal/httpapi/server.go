package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/people"
	"github.com/teaminbox/teaminbox/internal/templates"
	"github.com/teaminbox/teaminbox/internal/tenancy"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// Deps is what the REST API needs; the optional handlers are mounted when set.
type Deps struct {
	Service      *inbox.Service
	People       *people.Service // invitations, roles, deactivation, passwords, logout
	Tokens       *auth.Tokens
	Passwords    inbox.PasswordChecker
	TokenTTL     time.Duration // lifetime of login tokens
	Ready        func(ctx context.Context) error
	Checks       []Check // what /readyz reports on besides the database (Ready)
	Registry     *prometheus.Registry
	Log          *slog.Logger
	MaxBodyBytes int64
	// MaxUploadBytes is the largest file POST /v1/media takes (its body may be 1 MB more,
	// for the multipart framing); 0 holds uploads to MaxBodyBytes.
	MaxUploadBytes int64
	MessageLimit   int // TEAM_INBOX_MESSAGE_LIMIT: the most messages one team-inbox query returns
	LoginRate      float64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	OpenAPI        []byte // served at /v1/openapi.yaml
	// PublicURL (TEAMINBOX_PUBLIC_URL) is the base of the channels' webhook URLs; when empty,
	// the URL a request reached.
	PublicURL string

	WebSocket     http.Handler                                        // /ws/team-inbox/{tenantId}/
	WebSocketInfo func(p auth.Principal, baseURL string) (any, error) // /team-inbox/websocket/info/
	ThreadPDF     ThreadPDF
	Webhooks      http.Handler // /webhooks/...
	Media         http.Handler // /v1/media/...
	Uploads       Uploader     // POST /v1/media
	Web           http.Handler // the agents' page at /
	Audit         AuditLog     // /v1/audit-log
	// Tenancy runs the business routes (/v1/business, /v1/signup, /v1/setup, /setup).
	Tenancy   *tenancy.Service
	Signup    bool               // TEAMINBOX_SIGNUP: POST /v1/signup creates businesses; 404 otherwise
	Templates *templates.Service // /v1/channels/{channelId}/templates...
	// Business exports and deletes the business, and erases contacts.
	Business *tenantdata.Service
	// SignMedia turns a media path on an attachment into a signed link for the tenant.
	SignMedia func(tenant uuid.UUID, link string) string
	TwoFactor *twofactor.Service // /v1/auth/2fa..., and the second step of login
	APIKeys   *apikeys.Service   // /v1/api-keys, and "Bearer tik_..." wherever a token goes
}

// Check is a part of the server that readiness reports on by name (nats, outbox); Ready
// says why it is down, in words fit for the public /readyz body.
type Check struct {
	Name  string
	Ready func(ctx context.Context) error
}

// Server is the HTTP front of the inbox.
type Server struct {
	Deps
	tokens   TokenVerifier
	limiter  *ipLimiter
	accounts *accountGuard
	handler  http.Handler
}

// New builds the server and its route table.
func New(d Deps) *Server {
	if d.MaxUploadBytes == 0 {
		d.MaxUploadBytes = d.MaxBodyBytes
	}
	s := &Server{Deps: d, tokens: d.Tokens, limiter: newIPLimiter(d.LoginRate, 5), accounts: newAccountGuard()}
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "teaminbox_http_request_duration_seconds",
		Help:    "HTTP request latency by method, route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	}, []string{"method", "route", "status"})
	d.Registry.MustRegister(latency)
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = observe(withClientAddress(d.TrustedProxies, limitBody(envelopeMuxErrors(mux), d.MaxBodyBytes, d.MaxUploadBytes+multipartSlack)), d.Log, latency)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
