package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// reply is an API answer read whole: status, headers, data and error.
type reply struct {
	status int
	header http.Header
	data   map[string]any
	err    struct {
		Code    string         `json:"code"`
		Reason  string         `json:"reason"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	}
}

// as calls the API with token (the stack's admin's when "").
func (s *stack) as(token, method, path string, body any) reply {
	s.t.Helper()
	if token == "" {
		token = s.token
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer res.Body.Close()
	out := reply{status: res.StatusCode, header: res.Header}
	var env struct {
		Data  map[string]any `json:"data"`
		Error *json.RawMessage
	}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &env)
	out.data = env.Data
	if env.Error != nil {
		_ = json.Unmarshal(*env.Error, &out.err)
	}
	return out
}

// member adds a user of role to tenant (created when new) and returns a token of theirs.
func (s *stack) member(tenant uuid.UUID, role auth.Role) string {
	s.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if tenant != s.tenant {
		if _, err := s.st.GetTenant(ctx, tenant); err != nil {
			must(s.t, s.st.CreateTenant(ctx, inbox.Tenant{ID: tenant, Name: "Other", CreatedAt: now}))
		}
	}
	id := uuid.New()
	must(s.t, s.st.CreateUser(ctx, inbox.User{ID: id, TenantID: tenant, FirstName: string(role), LastName: "User",
		Email: id.String() + "@e2e.test", Role: role, PasswordHash: "x", CreatedAt: now}))
	token, err := s.tokens.Issue(auth.Principal{TenantID: tenant, UserID: id, Role: role}, auth.AudienceAPI, time.Hour)
	must(s.t, err)
	return token
}

// check asks the server to check the channel's credentials and returns its verdict.
func (s *stack) check(ch inbox.Channel) map[string]any {
	s.t.Helper()
	r := s.as("", "POST", "/v1/channels/"+ch.ID.String()+"/check", nil)
	if r.status != 200 {
		s.t.Fatalf("check: %d %v", r.status, r.err)
	}
	return r.data["check"].(map[string]any)
}

// TestCheckCredentialsNow: the check makes creation's call with the stored secrets and
// answers the provider's verdict in a 200: good, refused (in its words, naming the
// setting), or out of reach. It saves nothing.
func TestCheckCredentialsNow(t *testing.T) {
	voice := fixture{kind: inbox.ChannelVoice, config: map[string]string{"account_sid": "AC1", "auth_token": "tw-token"}}
	cases := []struct {
		f       fixture
		call    string
		refusal answer
		field   string
		says    string
	}{
		{fixtures[0], "GET /PNID?fields=", answer{status: 401, body: `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190}}`},
			"access_token", "WhatsApp rejected the access token: 190 Error validating access token: Session has expired"},
		{fixtures[1], "POST /bot123:ABC/getMe ", answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
			"bot_token", "Telegram rejected the bot token: Unauthorized"},
		{fixtures[2], "GET /2010-04-01/Accounts/AC1.json ", answer{status: 401, body: `{"code":20003,"message":"Authenticate","status":401}`},
			"auth_token", "Twilio rejected the account SID and auth token: 20003 Authenticate"},
		{voice, "GET /2010-04-01/Accounts/AC1.json ", answer{status: 401, body: `{"code":20003,"message":"Authenticate","status":401}`},
			"auth_token", "Twilio rejected the account SID and auth token: 20003 Authenticate"},
	}
	for _, c := range cases {
		t.Run(string(c.f.kind), func(t *testing.T) {
			s := newStack(t)
			ch := s.channel(c.f)
			s.fake.takeAdminCalls()

			if v := s.check(ch); v["ok"] != true || v["message"] == "" || v["checked_at"] == nil {
				t.Errorf("good credentials: %v", v)
			}
			s.fake.answerAdmin(c.refusal)
			if v := s.check(ch); v["ok"] != false || v["message"] != c.says || v["field"] != c.field {
				t.Errorf("refused credentials: %v, want %s: %q", v, c.field, c.says)
			}
			calls := s.fake.takeAdminCalls()
			if len(calls) != 2 || !strings.HasPrefix(calls[0], c.call) || !strings.HasPrefix(calls[1], c.call) {
				t.Errorf("the provider got %q, want %q twice (a check registers no webhook)", calls, c.call)
			}

			gone := ch
			gone.Config = maps.Clone(ch.Config)
			gone.Config["api_base_url"] = closedURL()
			must(t, s.st.UpdateChannel(t.Context(), gone))
			if v := s.check(ch); v["ok"] != false || !strings.Contains(toString(v["message"]), "could not be reached") {
				t.Errorf("unreachable provider: %v", v)
			}
			if got, _ := s.st.GetChannel(t.Context(), s.tenant, ch.ID); !maps.Equal(got.Config, gone.Config) || got.DisabledAt != nil {
				t.Errorf("a check changed the channel: %v", got)
			}
		})
	}
}

// TestChannelAdminAccess: only admins check, read the health of, or disable a channel; a
// channel of another business is 404 to them.
func TestChannelAdminAccess(t *testing.T) {
	s := newStack(t)
	ch := s.channel(fixtures[1])
	base := "/v1/channels/" + ch.ID.String()
	if got := s.api("GET", base, nil, 200)["channel"].(map[string]any)["webhook_url"]; got != channels.WebhookURL(s.srv.URL, ch) {
		t.Errorf("webhook_url %v, want the URL the request reached + webhook_path", got)
	}
	requests := []struct{ method, path string }{{"POST", base + "/check"}, {"GET", base + "/health"}, {"PATCH", base}}
	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleExecutive} {
		token := s.member(s.tenant, role)
		for _, rq := range requests {
			if r := s.as(token, rq.method, rq.path, map[string]any{"disabled": true}); r.status != 403 || r.err.Code != "FORBIDDEN" {
				t.Errorf("%s: %s %s: %d %s, want 403", role, rq.method, rq.path, r.status, r.err.Code)
			}
		}
	}
	stranger := s.member(uuid.New(), auth.RoleAdmin)
	for _, rq := range requests {
		if r := s.as(stranger, rq.method, rq.path, map[string]any{"disabled": true}); r.status != 404 || r.err.Code != "NOT_FOUND" {
			t.Errorf("another business's admin: %s %s: %d %s, want 404", rq.method, rq.path, r.status, r.err.Code)
		}
	}
	if got, _ := s.st.GetChannel(t.Context(), s.tenant, ch.ID); got.DisabledAt != nil {
		t.Errorf("a refused request disabled the channel")
	}
	if r := s.as("", "PATCH", base, map[string]any{"disabled": "yes"}); r.status != 400 || r.err.Code != "VALIDATION_ERROR" {
		t.Errorf("disabled not a boolean: %d %s", r.status, r.err.Code)
	}
	if r := s.as("", "GET", "/v1/channels/not-an-id/health", nil); r.status != 400 {
		t.Errorf("a bad id: %d", r.status)
	}
}

// TestDisableChannel, on both databases: a disabled channel's webhooks answer 503 with
// Retry-After and store nothing; replies on it are refused with 409 before anything is
// queued, and a reply queued before fails; enabled again, the provider's retry is stored.
func TestDisableChannel(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			s := newStackOn(t, open(t))
			f := fixtures[0]
			hookURL, _, conv := s.open(f, "first")
			ch := uuid.MustParse(hookURL[strings.LastIndex(hookURL, "/")+1:])
			base := "/v1/channels/" + ch.String()
			queued := s.reply(conv, 1)[0]

			r := s.as("", "PATCH", base, map[string]any{"disabled": true})
			if r.status != 200 || r.data["channel"].(map[string]any)["disabled_at"] == nil {
				t.Fatalf("disable: %d %v", r.status, r.data)
			}
			res, err := http.DefaultClient.Do(f.inbound(hookURL, 2, "while disabled"))
			must(t, err)
			res.Body.Close()
			if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
				t.Errorf("webhook of a disabled channel: %d Retry-After %q, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
			}
			if n := s.messageCount(conv); n != 2 { // the first inbound message and the queued reply
				t.Errorf("%d messages after a webhook of the disabled channel, want 2", n)
			}
			r = s.as("", "POST", "/v1/conversations/"+conv+"/messages", map[string]any{"content": "refused"})
			if r.status != 409 || r.err.Code != "CONFLICT" || r.err.Reason != "CHANNEL_DISABLED" || !strings.Contains(r.err.Message, "disabled") {
				t.Errorf("reply on a disabled channel: %d %+v", r.status, r.err)
			}
			if h := s.health(ch); h["backlog"] != 1.0 {
				t.Errorf("backlog %v after a refused reply, want the 1 queued before", h["backlog"])
			}
			// The reply queued before the channel was disabled fails rather than going out.
			if n := s.outbox.RunOnce(t.Context()); n != 1 {
				t.Fatalf("outbox took %d items", n)
			}
			if m, err := s.st.GetMessage(t.Context(), s.tenant, queued); err != nil || m.Status != inbox.DeliveryFailed || !strings.Contains(m.Error, "disabled") {
				t.Errorf("reply queued before disabling: %v %q %v", m.Status, m.Error, err)
			}
			if n := len(s.fake.requests()); n != 0 {
				t.Errorf("the provider got %d sends from a disabled channel", n)
			}

			r = s.as("", "PATCH", base, map[string]any{"disabled": false})
			if r.status != 200 || r.data["channel"].(map[string]any)["disabled_at"] != nil {
				t.Fatalf("enable: %d %v", r.status, r.data)
			}
			if code := s.hook(f.inbound(hookURL, 2, "while disabled")); code != 200 {
				t.Errorf("the provider's retry once enabled: %d", code)
			}
			if n := s.messageCount(conv); n != 3 {
				t.Errorf("%d messages after the retry, want 3", n)
			}
			if r := s.as("", "POST", "/v1/conversations/"+conv+"/messages", map[string]any{"content": "back"}); r.status != 201 {
				t.Errorf("reply once enabled: %d %+v", r.status, r.err)
			}
		})
	}
}

// TestDisableSeenByEveryNode: a node that did not make the change sees a channel disabled,
// then enabled, within the channel cache's lifetime.
func TestDisableSeenByEveryNode(t *testing.T) {
	s := newStack(t)
	f := fixtures[1]
	ch := s.channel(f)
	other := inbox.NewService(s.st, realtime.NewPublisher(realtime.NewMemoryBus(), quiet), quiet)
	node := httptest.NewServer(channels.NewWebhooks(other, channels.Providers(), http.DefaultClient, "", quiet, nil))
	t.Cleanup(node.Close)
	hookURL := channels.WebhookURL(node.URL, ch)
	n := 0
	post := func() int { n++; return s.hook(f.inbound(hookURL, n, "hello")) }
	if code := post(); code != 200 { // the other node caches the channel, enabled
		t.Fatalf("webhook on the other node: %d", code)
	}
	until := func(want int, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for code := post(); code != want; code = post() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the other node still answers %d, want %d", what, code, want)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	s.api("PATCH", "/v1/channels/"+ch.ID.String(), map[string]any{"disabled": true}, 200)
	until(503, "disabled")
	s.api("PATCH", "/v1/channels/"+ch.ID.String(), map[string]any{"disabled": false}, 200)
	until(200, "enabled")
}

// health reads the channel's health figures.
func (s *stack) health(id uuid.UUID) map[string]any {
	s.t.Helper()
	return s.api("GET", "/v1/channels/"+id.String()+"/health", nil, 200)["health"].(map[string]any)
}

// TestChannelHealth, on both databases: the figures follow the rows: the newest inbound
// message, the backlog of queued replies, a failure of the last hour, the newest send. They
// are the channel's own, not its neighbour's.
func TestChannelHealth(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			s := newStackOn(t, open(t))
			f := fixtures[1]
			ch := s.channel(f)
			neighbour := s.channel(f)
			empty := map[string]any{"last_inbound_at": nil, "last_sent_at": nil, "failed_last_hour": 0.0, "backlog": 0.0, "oldest_queued_at": nil}
			if h := s.health(ch.ID); !maps.Equal(h, empty) {
				t.Errorf("a new channel's health: %v", h)
			}
			before := time.Now().UTC().Add(-time.Second)
			if code := s.hook(f.inbound(channels.WebhookURL(s.srv.URL, ch), 1, "hello")); code != 200 {
				t.Fatalf("inbound: %d", code)
			}
			conv := s.conversationOf(f, ch)
			h := s.health(ch.ID)
			if at, _ := time.Parse(time.RFC3339Nano, toString(h["last_inbound_at"])); !at.Equal(t0) {
				t.Errorf("last inbound %v, want the message's time %v", h["last_inbound_at"], t0)
			}
			s.reply(conv, 2)
			h = s.health(ch.ID)
			if queuedAt, _ := time.Parse(time.RFC3339Nano, toString(h["oldest_queued_at"])); h["backlog"] != 2.0 || queuedAt.Before(before) {
				t.Errorf("after two replies: backlog %v, oldest queued %v", h["backlog"], h["oldest_queued_at"])
			}
			s.fake.fail(400)
			s.outbox.RunOnce(t.Context())
			s.outbox.RunOnce(t.Context())
			h = s.health(ch.ID)
			if h["failed_last_hour"] != 1.0 || h["backlog"] != 0.0 || h["oldest_queued_at"] != nil {
				t.Errorf("one failed, one sent: %v", h)
			}
			if sent, _ := time.Parse(time.RFC3339Nano, toString(h["last_sent_at"])); sent.Before(before) {
				t.Errorf("last sent %v", h["last_sent_at"])
			}
			if h := s.health(neighbour.ID); !maps.Equal(h, empty) {
				t.Errorf("the neighbour channel's health: %v", h)
			}
		})
	}
}
