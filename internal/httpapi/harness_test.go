package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/docs"
	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/people"
	"github.com/teaminbox/teaminbox/internal/report"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/templates"
	"github.com/teaminbox/teaminbox/internal/tenancy"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

var cheapArgon = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// demoPassword is every demo user's password in these tests (TEAMINBOX_DEMO_PASSWORD's way).
const demoPassword = "test-demo-password"

// env is a running API over a real store: the demo tenant (A) and a second tenant (B).
type env struct {
	t      testing.TB
	srv    *httptest.Server
	st     inbox.Store
	svc    *inbox.Service
	tokens *auth.Tokens
	events *recorder
	now    time.Time

	tokenOf   map[auth.Role]string // demo tenant users
	templates *templateSource      // what the business account's template list answers
	// Tenant B's rows, for isolation tests.
	b struct {
		tenant, admin, contact, channel, conversation, tag, message uuid.UUID
		token                                                       string
	}
}

// recorder is an inbox.Publisher that keeps what was published.
// recorder keeps the events published. Where the store numbers events after commit
// (PostgreSQL), it numbers them at once, as the sequencer would a moment later.
type recorder struct {
	st     inbox.Store
	mu     sync.Mutex
	events []inbox.Event
}

func (r *recorder) Publish(ctx context.Context, evs ...inbox.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		if e.Seq != 0 || e.Type.Ephemeral() {
			r.events = append(r.events, e)
			continue
		}
		numbered, err := r.st.NumberEvents(ctx, 1000)
		if err != nil {
			panic(fmt.Sprintf("number events: %v", err))
		}
		r.events = append(r.events, numbered...)
	}
}

func (r *recorder) ofType(t inbox.EventType) []inbox.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []inbox.Event
	for _, e := range r.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

type options struct {
	open      func(testing.TB) inbox.Store
	maxBody   int64
	loginRPS  float64
	passwords func(*auth.Hasher) inbox.PasswordChecker // wraps the hasher the API checks passwords with
	checks    []httpapi.Check
	mailer    people.Mailer // nil: invitation and reset links are answered, not mailed
	log       *slog.Logger
	signup    bool                          // TEAMINBOX_SIGNUP
	deps      func(e *env, d *httpapi.Deps) // adds optional handlers
}

func newEnv(t testing.TB, opts ...func(*options)) *env {
	t.Helper()
	o := options{open: storetest.OpenSQLite, maxBody: 1 << 20, loginRPS: 100, log: slog.New(slog.DiscardHandler),
		passwords: func(h *auth.Hasher) inbox.PasswordChecker { return h }}
	for _, fn := range opts {
		fn(&o)
	}
	ctx := context.Background()
	st := o.open(t)
	e := &env{t: t, st: st, events: &recorder{st: st}, now: time.Now().UTC().Truncate(time.Second), tokenOf: map[auth.Role]string{}}
	var err error
	e.tokens, err = auth.NewTokens([]byte("test-secret-test-secret-test-secret!"))
	if err != nil {
		t.Fatal(err)
	}
	hasher := auth.NewHasher(cheapArgon, 4)
	e.svc = inbox.NewService(e.st, e.events, slog.New(slog.DiscardHandler))
	auditLog := audit.New(e.st.(audit.Store))
	e.svc.SetAuditor(auditLog)
	e.svc.SetChannelSpecs(map[inbox.ChannelKind]inbox.ChannelSpec{
		inbox.ChannelWhatsApp: {Required: []string{"phone_number_id", "access_token"}, Secret: []string{"access_token", "app_secret"}, Optional: []string{"app_secret"}},
	})
	if _, err := seed.Demo(ctx, e.st, hasher, e.now, demoPassword); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		e.tokenOf[r] = e.issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(r), Role: r}, auth.AudienceAPI, time.Hour)
	}
	e.seedTenantB(ctx)
	e.templates = &templateSource{}
	tmpl := templates.New(e.st.(templates.Store), e.templates, auditLog, slog.New(slog.DiscardHandler))
	e.svc.SetTemplateChecker(tmpl)
	creds := e.st.(interface {
		twofactor.Store
		apikeys.Store
	})
	twoFactor, err := twofactor.New(creds, e.tokens, auditLog, o.log, e.svc.Now)
	if err != nil {
		t.Fatal(err)
	}
	ppl := people.New(people.Options{Store: e.st.(people.Store), Inbox: e.svc, Passwords: hasher, Mailer: o.mailer,
		BaseURL: "https://inbox.example", InvitationTTL: 7 * 24 * time.Hour, Audit: auditLog, Log: o.log})
	deps := httpapi.Deps{
		Service: e.svc, People: ppl, Tokens: e.tokens, Passwords: o.passwords(hasher), TokenTTL: time.Hour, Ready: e.st.Ping, Checks: o.checks,
		Registry: prometheus.NewRegistry(), Log: o.log, MaxBodyBytes: o.maxBody,
		MessageLimit: 100, LoginRate: o.loginRPS, OpenAPI: docs.OpenAPI,
		ThreadPDF: report.NewThreadExporter(e.svc),
		Audit:     auditLog,
		Templates: tmpl,
		TwoFactor: twoFactor, APIKeys: apikeys.New(creds, e.svc, auditLog, o.log, e.svc.Now),
		Tenancy: tenancy.New(e.st.(tenancy.Store), hasher, auditLog, slog.New(slog.DiscardHandler)), Signup: o.signup,
	}
	if o.deps != nil {
		o.deps(e, &deps)
	}
	api := httpapi.New(deps)
	e.srv = httptest.NewServer(api)
	t.Cleanup(e.srv.Close)
	return e
}

// on is e reporting to t: for fuzz targets, which build one env and run many t.
func (e *env) on(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) issue(p auth.Principal, audience string, ttl time.Duration) string {
	tok, err := e.tokens.Issue(p, audience, ttl)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) seedTenantB(ctx context.Context) {
	b := &e.b
	id := func() uuid.UUID { return uuid.Must(uuid.NewV7()) }
	b.tenant, b.admin, b.contact, b.channel, b.conversation, b.tag, b.message = id(), id(), id(), id(), id(), id(), id()
	must := func(err error) {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	now := e.now
	must(e.st.CreateTenant(ctx, inbox.Tenant{ID: b.tenant, Name: "Other", CreatedAt: now}))
	must(e.st.CreateUser(ctx, inbox.User{ID: b.admin, TenantID: b.tenant, FirstName: "Olga", LastName: "Other", Email: "olga@other.example",
		Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: now}))
	must(e.st.CreateContact(ctx, inbox.Contact{ID: b.contact, TenantID: b.tenant, FirstName: "Secret", LastName: "Customer", Phone: "+15559990000", CreatedAt: now, UpdatedAt: now}))
	must(e.st.CreateChannel(ctx, inbox.Channel{ID: b.channel, TenantID: b.tenant, Kind: inbox.ChannelWhatsApp, Name: "B line", Config: map[string]string{}, CreatedAt: now}))
	must(e.st.CreateConversation(ctx, inbox.Conversation{ID: b.conversation, TenantID: b.tenant, ContactID: b.contact, ChannelID: b.channel,
		Type: "support", Status: inbox.StatusActive, Priority: inbox.PriorityLow, Category: "general", CreatedAt: now, UpdatedAt: now}))
	must(e.st.CreateTag(ctx, inbox.Tag{ID: b.tag, TenantID: b.tenant, Name: "b-only", Color: "#123456", CreatedAt: now}))
	_, err := e.st.InsertMessage(ctx, inbox.Message{ID: b.message, TenantID: b.tenant, ConversationID: b.conversation, SenderType: inbox.SenderEndUser,
		Content: "tenant B secret words", ContentType: inbox.ContentText, Status: inbox.DeliveryReceived, CreatedAt: now}, inbox.Touch{UnreadDelta: 1, UpdatedAt: now})
	must(err)
	b.token = e.issue(auth.Principal{TenantID: b.tenant, UserID: b.admin, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
}

// reply is a decoded response.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// data returns body.data as a map.
func (r reply) data() map[string]any {
	d, _ := r.Body["data"].(map[string]any)
	return d
}

func (r reply) errCode() string { return r.errField("code") }

func (r reply) errReason() string { return r.errField("reason") }

func (r reply) errField(name string) string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e[name].(string)
	return s
}

// codeOf is the one error code of each status.
var codeOf = map[int]string{
	400: inbox.CodeValidation, 401: inbox.CodeUnauthorized, 403: inbox.CodeForbidden, 404: inbox.CodeNotFound,
	405: inbox.CodeMethodNotAllowed, 409: inbox.CodeConflict, 413: inbox.CodePayloadTooLarge, 429: inbox.CodeRateLimited,
	500: inbox.CodeInternal, 502: inbox.CodeProviderError, 503: inbox.CodeNotReady,
}

// do sends a request; body is JSON-encoded unless it is a string (sent verbatim).
func (e *env) do(method, path, token string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{Status: res.StatusCode, Header: res.Header, Raw: raw}
	contract(e.t, req, res.StatusCode, res.Header, raw)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			e.t.Fatalf("%s %s: invalid JSON %q: %v", method, path, raw, err)
		}
	}
	return out
}

// expect fails unless the reply has the status (and, for errors, the envelope with the
// status's code).
func (e *env) expect(r reply, status int, what string) reply {
	e.t.Helper()
	if r.Status != status {
		e.t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if status >= 400 {
		if r.Body["success"] != false || r.errCode() != codeOf[status] {
			e.t.Fatalf("%s: not an error envelope with code %q: %s", what, codeOf[status], r.Raw)
		}
	} else if r.Body != nil && r.Body["success"] != true {
		e.t.Fatalf("%s: not a success envelope: %s", what, r.Raw)
	}
	return r
}

// firstConversation returns a demo conversation id matching the list query.
func (e *env) firstConversation(query string) string {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/conversations?"+query, e.tokenOf[auth.RoleAdmin], nil), 200, "list "+query)
	list, _ := r.data()["conversations"].([]any)
	if len(list) == 0 {
		e.t.Fatalf("no demo conversation matches %q: %s", query, r.Raw)
	}
	return list[0].(map[string]any)["id"].(string)
}
