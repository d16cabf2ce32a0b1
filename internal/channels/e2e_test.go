package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/templates"
)

var quiet = slog.New(slog.DiscardHandler)

// fakeProvider answers the send APIs of every provider and records what it was sent.
type fakeProvider struct {
	srv       *httptest.Server
	mu        sync.Mutex
	sent      []string // request bodies
	next      []answer // answers to give, in order; then 200
	n         int
	onRequest func(body string) // when set, runs before each answer (to answer slowly, or hold one)
	// The channel settings' calls (credential checks, webhook registration, template lists)
	// are kept apart from the sends: method, path and body of each.
	admin     []string
	adminNext []answer          // answers to give the settings' calls, in order; then 200
	pages     map[string]string // the template list's pages by their "after" cursor ("" first)
}

// adminCall tells the channel settings' calls to a provider apart from the rest.
func adminCall(r *http.Request) bool {
	switch {
	case r.Method == http.MethodPost:
		for _, m := range []string{"/getMe", "/setWebhook", "/deleteWebhook"} {
			if strings.HasSuffix(r.URL.Path, m) {
				return true
			}
		}
		return false
	case strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") && strings.Count(r.URL.Path, "/") == 3: // Twilio's account
		return true
	}
	return r.URL.Query().Has("fields") // WhatsApp's phone number lookup and template list
}

// answerAdmin answers a settings' call as the provider does when all is well.
func answerAdmin(w http.ResponseWriter, r *http.Request, pages map[string]string) {
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/getMe"):
		io.WriteString(w, `{"ok":true,"result":{"id":123,"is_bot":true,"first_name":"Inbox bot","username":"inbox_bot"}}`)
	case strings.HasSuffix(p, "/setWebhook"):
		io.WriteString(w, `{"ok":true,"result":true,"description":"Webhook was set"}`)
	case strings.HasSuffix(p, "/deleteWebhook"):
		io.WriteString(w, `{"ok":true,"result":true,"description":"Webhook was deleted"}`)
	case strings.HasSuffix(p, "/message_templates"):
		page, ok := pages[r.URL.Query().Get("after")]
		if !ok {
			page = `{"data":[]}`
		}
		io.WriteString(w, page)
	case strings.HasPrefix(p, "/2010-04-01/"):
		io.WriteString(w, `{"sid":"AC1","friendly_name":"Test account","status":"active"}`)
	default:
		io.WriteString(w, `{"display_phone_number":"15550000000","verified_name":"Test","id":"PNID"}`)
	}
}

// answerAdmin sets the answers to the next settings' calls.
func (f *fakeProvider) answerAdmin(as ...answer) {
	f.mu.Lock()
	f.adminNext = append(f.adminNext, as...)
	f.mu.Unlock()
}

// takeAdminCalls returns the settings' calls the fake got and forgets them.
func (f *fakeProvider) takeAdminCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := f.admin
	f.admin = nil
	return calls
}

// adminCalls returns the settings' calls the fake got.
func (f *fakeProvider) adminCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.admin...)
}

// answer is a failure the fake gives instead of a 200.
type answer struct {
	status int
	header http.Header
	body   string // "" for a body every provider's error parser reads
}

func newFakeProvider(t testing.TB) *fakeProvider {
	f := &fakeProvider{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if adminCall(r) {
			f.mu.Lock()
			f.admin = append(f.admin, r.Method+" "+r.URL.RequestURI()+" "+string(body))
			a, pages := answer{status: 200}, f.pages
			if len(f.adminNext) > 0 {
				a, f.adminNext = f.adminNext[0], f.adminNext[1:]
			}
			f.mu.Unlock()
			if a.status != 200 {
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
				return
			}
			answerAdmin(w, r, pages)
			return
		}
		f.mu.Lock()
		hook := f.onRequest
		f.mu.Unlock()
		if hook != nil {
			hook(string(body))
		}
		f.mu.Lock()
		a := answer{status: 200}
		if len(f.next) > 0 {
			a, f.next = f.next[0], f.next[1:]
		}
		status := a.status
		if status == 200 {
			f.n++
			if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
				if d, err := url.QueryUnescape(string(body)); err == nil {
					body = []byte(d) // record forms readably
				}
			}
			f.sent = append(f.sent, r.URL.Path+" "+string(body))
		}
		n := f.n
		f.mu.Unlock()
		if status != 200 {
			maps.Copy(w.Header(), a.header)
			w.WriteHeader(status)
			if a.body == "" {
				a.body = `{"error":{"message":"provider says no","code":131026},"ok":false,"description":"provider says no","code":21211,"message":"provider says no"}`
			}
			io.WriteString(w, a.body)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/messages"): // WhatsApp
			fmt.Fprintf(w, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.out-%d"}]}`, n)
		case strings.HasSuffix(r.URL.Path, "/media"): // WhatsApp's upload
			fmt.Fprintf(w, `{"id":"%d"}`, 4490709327384000+n)
		case strings.Contains(r.URL.Path, "/send"): // Telegram: sendMessage, sendPhoto...
			fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"chat":{"id":555},"date":1}}`, 1000+n)
		case strings.HasSuffix(r.URL.Path, "/answerCallbackQuery"):
			io.WriteString(w, `{"ok":true,"result":true}`)
		case r.URL.Path == "/token": // Google's OAuth token endpoint
			io.WriteString(w, `{"access_token":"ya29.e2e","expires_in":3600,"token_type":"Bearer"}`)
		case strings.HasSuffix(r.URL.Path, "/Messages.json"): // Twilio
			w.WriteHeader(201)
			fmt.Fprintf(w, `{"sid":"SMout%d","status":"queued"}`, n)
		default: // RCS
			io.WriteString(w, `{"name":"phones/x/agentMessages/y"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProvider) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

func (f *fakeProvider) fail(statuses ...int) {
	for _, s := range statuses {
		f.answer(answer{status: s})
	}
}

func (f *fakeProvider) answer(a answer) {
	f.mu.Lock()
	f.next = append(f.next, a)
	f.mu.Unlock()
}

// hook sets onRequest.
func (f *fakeProvider) hook(fn func(body string)) {
	f.mu.Lock()
	f.onRequest = fn
	f.mu.Unlock()
}

// fixture is how one provider's webhooks are built and signed.
type fixture struct {
	kind    inbox.ChannelKind
	config  map[string]string
	inbound func(webhookURL string, n int, text string) *http.Request
	receipt func(webhookURL, providerID, status string) *http.Request // nil: the provider has none
	address string                                                    // where replies go
}

func signedPost(u string, body []byte, header, value, contentType string) *http.Request {
	r, _ := http.NewRequest("POST", u, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	if header != "" {
		r.Header.Set(header, value)
	}
	return r
}

func twilioPost(u string, form url.Values) *http.Request {
	return signedPost(u, []byte(form.Encode()), "X-Twilio-Signature", twilio.Sign("tw-token", u, form), "application/x-www-form-urlencoded")
}

var t0 = time.Now().UTC().Add(-time.Minute).Truncate(time.Second)

var fixtures = []fixture{
	{
		kind:   inbox.ChannelWhatsApp,
		config: map[string]string{"phone_number_id": "PNID", "waba_id": "WABA1", "access_token": "wa-token", "app_secret": "wa-secret", "verify_token": "vt"},
		inbound: func(u string, n int, text string) *http.Request {
			b := whatsapp.TextWebhook("PNID", "4915112345678", "Lena Klein", fmt.Sprint("wamid.in-", n), text, t0)
			return signedPost(u, b, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", b), "application/json")
		},
		receipt: func(u, id, status string) *http.Request {
			b := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"WABA-PNID","changes":[{"field":"messages","value":`+
				`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"PNID"},`+
				`"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"4915112345678"}]}}]}]}`, id, status, t0.Add(time.Second).Unix()))
			return signedPost(u, b, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", b), "application/json")
		},
		address: `"to":"4915112345678"`,
	},
	{
		kind:   inbox.ChannelTelegram,
		config: map[string]string{"bot_token": "123:ABC", "webhook_secret": "tg_secret"},
		inbound: func(u string, n int, text string) *http.Request {
			return signedPost(u, telegram.TextUpdate(int64(n), 555, int64(n), "Lena", text, t0), "X-Telegram-Bot-Api-Secret-Token", "tg_secret", "application/json")
		},
		address: `"chat_id":555`,
	},
	{
		kind:   inbox.ChannelSMS,
		config: map[string]string{"account_sid": "AC1", "auth_token": "tw-token", "from_number": "+15559870000"},
		inbound: func(u string, n int, text string) *http.Request {
			return twilioPost(u, twilio.InboundSMS("AC1", fmt.Sprint("SMin", n), "+15551230000", "+15559870000", text))
		},
		receipt: func(u, id, status string) *http.Request {
			return twilioPost(u, url.Values{"AccountSid": {"AC1"}, "MessageSid": {id}, "MessageStatus": {status}, "SmsStatus": {status}, "ApiVersion": {"2010-04-01"}})
		},
		address: "To=+15551230000",
	},
	{
		kind:   inbox.ChannelRCS,
		config: map[string]string{"agent_id": "agent", "client_token": "rcs-token", "access_token": "ya29"},
		inbound: func(u string, n int, text string) *http.Request {
			b, sig := rcs.Push("rcs-token", rcs.TextEvent("agent", "+15551230000", fmt.Sprint("rcs-in-", n), text, t0))
			return signedPost(u, b, "X-Goog-Signature", sig, "application/json")
		},
		receipt: func(u, id, status string) *http.Request {
			event := strings.ToUpper(status) // DELIVERED or READ
			b, sig := rcs.Push("rcs-token", rcs.Event{SenderPhoneNumber: "+15551230000", MessageID: id, EventType: event, EventID: event + "-" + id,
				SendTime: t0.Add(time.Second).Format(time.RFC3339Nano), AgentID: "agent"})
			return signedPost(u, b, "X-Goog-Signature", sig, "application/json")
		},
		address: "/v1/phones/+15551230000/agentMessages",
	},
}

// stack is a server with the API, the webhooks, the WebSocket and an outbox, over SQLite.
type stack struct {
	t      testing.TB
	st     inbox.Store
	svc    *inbox.Service
	srv    *httptest.Server
	outbox *channels.Outbox
	tenant uuid.UUID
	token  string
	fake   *fakeProvider
	queued int // replies queued through reply, which numbers them
	tokens *auth.Tokens
	media  *channels.Media
	files  *mediastore.FS
	clock  *testClock
}

func newStack(t testing.TB) *stack { return newStackOn(t, storetest.OpenSQLite(t)) }

// newStackOn is newStack over the given store.
func newStackOn(t testing.TB, st inbox.Store) *stack {
	ctx := context.Background()
	s := &stack{t: t, st: st, tenant: uuid.New(), fake: newFakeProvider(t)}
	tokens, _ := auth.NewTokens([]byte("e2e-secret-e2e-secret-e2e-secret!"))
	s.tokens = tokens
	bus := realtime.NewMemoryBus()
	seq, stop := sequencer.Start(s.st, realtime.NewPublisher(bus, quiet), quiet)
	t.Cleanup(stop)
	s.svc = inbox.NewService(s.st, seq, quiet)
	providers := channels.Providers()
	s.svc.SetChannelSpecs(channels.Specs(providers))
	s.svc.SetChannelConnector(channels.NewConnector(providers, http.DefaultClient, ""))
	var tmpl *templates.Service
	if ts, ok := st.(store.Store); ok { // not a test's wrapper of the store
		log := audit.New(ts)
		s.svc.SetAuditor(log)
		tmpl = templates.New(ts, whatsapp.Templates{Client: http.DefaultClient}, log, quiet)
		s.svc.SetTemplateChecker(tmpl)
	}
	hub, err := realtime.New(realtime.Config{Service: s.svc, Tokens: tokens, Bus: bus, EventLog: s.st, Log: quiet, AcceptAllOrigins: true, TokenTTL: time.Minute,
		TypingTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	admin := uuid.New()
	now := time.Now().UTC()
	must(t, s.st.CreateTenant(ctx, inbox.Tenant{ID: s.tenant, Name: "E2E", CreatedAt: now}))
	must(t, s.st.CreateUser(ctx, inbox.User{ID: admin, TenantID: s.tenant, FirstName: "Ada", LastName: "Admin", Email: "ada@e2e.test", Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: now}))
	s.token, _ = tokens.Issue(auth.Principal{TenantID: s.tenant, UserID: admin, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	reg := prometheus.NewRegistry()
	s.srv = httptest.NewUnstartedServer(nil) // its URL is the media links' public URL
	s.newMedia(providers, "http://"+s.srv.Listener.Addr().String())
	s.svc.SetMediaAttacher(s.media)
	webhooks := channels.NewWebhooks(s.svc, providers, http.DefaultClient, "", quiet, nil)
	webhooks.Media = s.media
	s.srv.Config.Handler = httpapi.New(httpapi.Deps{Service: s.svc, Tokens: tokens, Passwords: auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1),
		TokenTTL: time.Hour, Ready: s.st.Ping, Registry: reg, Log: quiet, MaxBodyBytes: 1 << 20, MaxUploadBytes: channels.MaxUploadBytes, MessageLimit: 100, LoginRate: 10,
		WebSocket: hub, WebSocketInfo: hub.Info,
		Webhooks: webhooks, Media: s.media, Uploads: s.media, SignMedia: s.media.SignLink, Templates: tmpl})
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	s.outbox = channels.NewOutbox(s.svc, s.st, providers, http.DefaultClient, "", quiet, reg)
	s.outbox.BaseBackoff = time.Millisecond
	s.outbox.Media = s.media
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (s *stack) channel(f fixture) inbox.Channel { return s.channelAt(f, s.fake.srv.URL) }

// channelAt creates a channel whose provider API is at base.
func (s *stack) channelAt(f fixture, base string) inbox.Channel {
	cfg := map[string]string{"api_base_url": base}
	for k, v := range f.config {
		cfg[k] = v
	}
	r := s.api("POST", "/v1/channels", map[string]any{"kind": f.kind, "name": string(f.kind), "config": cfg}, 201)
	id := uuid.MustParse(r["channel"].(map[string]any)["id"].(string))
	ch, err := s.st.GetChannel(context.Background(), s.tenant, id)
	must(s.t, err)
	return ch
}

// api calls the REST API and returns data, failing unless the status is want.
func (s *stack) api(method, path string, body any, want int) map[string]any {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	var env struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal(raw, &env)
	return env.Data
}

// hook posts a provider request to the server and returns its status.
func (s *stack) hook(r *http.Request) int {
	s.t.Helper()
	res, err := http.DefaultClient.Do(r)
	must(s.t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

type socket struct {
	t  testing.TB
	ws *websocket.Conn
}

func (s *stack) socket() *socket {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(s.srv.URL, "http", "ws", 1)+"/ws/team-inbox/"+s.tenant.String()+"/?token="+s.token, nil)
	must(s.t, err)
	ws.SetReadLimit(1 << 20)
	s.t.Cleanup(func() { ws.CloseNow() })
	w := &socket{t: s.t, ws: ws}
	w.until("hello") // sent once the hub has registered the connection
	return w
}

// until returns the data of the next frame of type typ.
func (w *socket) until(typ string) map[string]any {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, raw, err := w.ws.Read(ctx)
		if err != nil {
			w.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var f struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		must(w.t, json.Unmarshal(raw, &f))
		if f.Type == typ {
			return f.Data
		}
	}
}

// TestEndToEnd: for each provider, a signed webhook reaches the agents' socket, a redelivery
// changes nothing, a REST reply goes out through the provider's API, and its receipts come
// back as message_status frames, in order whatever order they arrive in.
func TestEndToEnd(t *testing.T) {
	for _, f := range fixtures {
		t.Run(string(f.kind), func(t *testing.T) {
			s := newStack(t)
			ch := s.channel(f)
			hookURL := channels.WebhookURL(s.srv.URL, ch)
			ws := s.socket()

			if code := s.hook(f.inbound(hookURL, 1, "Where is my order?")); code/100 != 2 {
				t.Fatalf("inbound webhook: %d", code)
			}
			frame := ws.until("new_message")
			msg, conv := frame["message"].(map[string]any), frame["conversation"].(map[string]any)
			if msg["content"] != "Where is my order?" || msg["sender_type"] != "end_user" {
				t.Fatalf("new_message: %v", frame)
			}
			convID := conv["id"].(string)
			if code := s.hook(f.inbound(hookURL, 1, "Where is my order?")); code/100 != 2 {
				t.Fatalf("redelivered webhook: %d", code)
			}
			bad := f.inbound(hookURL, 2, "forged")
			for _, h := range []string{"X-Hub-Signature-256", "X-Telegram-Bot-Api-Secret-Token", "X-Twilio-Signature", "X-Goog-Signature"} {
				if bad.Header.Get(h) != "" {
					bad.Header.Set(h, "sha256=00")
				}
			}
			if code := s.hook(bad); code != 401 {
				t.Errorf("forged webhook: %d, want 401", code)
			}
			detail := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)
			if n := len(detail["messages"].([]any)); n != 1 {
				t.Fatalf("%d messages after a redelivery and a forgery, want 1", n)
			}

			reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "It ships today"}, 201)["message"].(map[string]any)
			if reply["status"] != "queued" {
				t.Errorf("reply status %v, want queued", reply["status"])
			}
			s.api("POST", "/v1/conversations/"+convID+"/notes", map[string]any{"content": "internal only"}, 201)
			s.outbox.RunOnce(context.Background())
			sent := s.fake.requests()
			if len(sent) != 1 || !strings.Contains(sent[0], "It ships today") || !strings.Contains(sent[0], f.address) {
				t.Fatalf("the provider received %q", sent)
			}
			if st := ws.until("message_status"); st["status"] != "sent" || st["message_id"] != reply["id"] {
				t.Errorf("message_status: %v", st)
			}
			if f.receipt == nil {
				return
			}
			m, err := s.st.GetMessage(context.Background(), s.tenant, uuid.MustParse(reply["id"].(string)))
			must(t, err)
			for _, status := range []string{"read", "delivered"} { // out of order
				if code := s.hook(f.receipt(hookURL, m.ProviderMessageID, status)); code/100 != 2 {
					t.Fatalf("%s receipt: %d", status, code)
				}
			}
			if st := ws.until("message_status"); st["status"] != "read" {
				t.Errorf("message_status after receipts: %v", st)
			}
			m, _ = s.st.GetMessage(context.Background(), s.tenant, m.ID)
			if m.Status != inbox.DeliveryRead || m.DeliveredAt == nil {
				t.Errorf("stored status %s delivered_at %v, want read", m.Status, m.DeliveredAt)
			}
		})
	}
}

// open connects an agent's socket to a new channel of f, posts its first inbound message, and
// returns the webhook URL, the socket and the new conversation's id.
func (s *stack) open(f fixture, text string) (string, *socket, string) {
	s.t.Helper()
	hookURL := channels.WebhookURL(s.srv.URL, s.channel(f))
	ws := s.socket()
	if code := s.hook(f.inbound(hookURL, 1, text)); code != 200 {
		s.t.Fatalf("first inbound webhook: %d", code)
	}
	return hookURL, ws, ws.until("new_message")["conversation"].(map[string]any)["id"].(string)
}

// TestOutboxRetriesAndFails: 5xx and 429 are retried; a 4xx fails the message with the reason.
// While a reply is retried, the agents see its attempts and last error, on the socket and in
// the REST reads.
func TestOutboxRetriesAndFails(t *testing.T) {
	s := newStack(t)
	_, ws, convID := s.open(fixtures[0], "hi")

	s.fake.fail(500, 429)
	reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "retry me"}, 201)["message"].(map[string]any)
	stored := func() map[string]any {
		for _, m := range s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["messages"].([]any) {
			if m := m.(map[string]any); m["id"] == reply["id"] {
				return m
			}
		}
		t.Fatal("the reply is not in the conversation")
		return nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for i, code := range []string{"500", "429"} {
		for s.outbox.RunOnce(context.Background()) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		st := ws.until("message_status")
		errText, _ := st["error"].(string)
		if st["status"] != "queued" || st["message_id"] != reply["id"] || st["send_attempts"] != float64(i+1) ||
			!strings.Contains(errText, "provider answered "+code) || st["next_attempt_at"] == nil {
			t.Errorf("failed attempt %d: %v", i+1, st)
		}
		m := stored()
		if m["status"] != "queued" || m["send_attempts"] != float64(i+1) || m["error"] != errText {
			t.Errorf("the reply after failed attempt %d: %v", i+1, m)
		}
	}
	for len(s.fake.requests()) == 0 && time.Now().Before(deadline) {
		s.outbox.RunOnce(context.Background())
		time.Sleep(5 * time.Millisecond)
	}
	if sent := s.fake.requests(); len(sent) != 1 || !strings.Contains(sent[0], "retry me") {
		t.Fatalf("after two failures the provider has %q", sent)
	}
	if st := ws.until("message_status"); st["status"] != "sent" || st["message_id"] != reply["id"] || st["send_attempts"] != float64(3) || st["error"] != nil {
		t.Errorf("status %v", st)
	}
	if m := stored(); m["status"] != "sent" || m["send_attempts"] != float64(3) || m["error"] != nil {
		t.Errorf("the reply once sent: %v", m)
	}
	var steps []string
	for _, h := range s.api("GET", "/team-inbox/api/messages/"+reply["id"].(string)+"/", nil, 200)["message"].(map[string]any)["delivery_history"].([]any) {
		h := h.(map[string]any)
		errText, _ := h["error"].(string)
		steps = append(steps, fmt.Sprint(h["status"], " ", strings.Contains(errText, "provider answered")))
	}
	if got := strings.Join(steps, ", "); got != "queued false, queued true, queued true, sent false" {
		t.Errorf("delivery history: %s", got)
	}

	s.fake.fail(400)
	failed := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "doomed"}, 201)["message"].(map[string]any)
	s.outbox.RunOnce(context.Background())
	st := ws.until("message_status")
	if st["status"] != "failed" || st["message_id"] != failed["id"] || !strings.Contains(st["error"].(string), "provider says no") {
		t.Errorf("permanent failure: %v", st)
	}
	if n := s.outbox.RunOnce(context.Background()); n != 0 {
		t.Errorf("%d items left after a permanent failure", n)
	}
}

// TestOutboxWorkersNeverDoubleSend runs two workers on one queue.
func TestOutboxWorkersNeverDoubleSend(t *testing.T) {
	s := newStack(t)
	_, _, convID := s.open(fixtures[1], "hi")
	const n = 30
	for i := range n {
		s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": fmt.Sprintf("reply %02d", i)}, 201)
	}
	second := channels.NewOutbox(s.svc, s.st, channels.Providers(), http.DefaultClient, "", quiet, nil)
	var wg sync.WaitGroup
	for _, o := range []*channels.Outbox{s.outbox, second} {
		wg.Go(func() {
			for o.RunOnce(context.Background()) > 0 {
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, r := range s.fake.requests() {
		for i := range n {
			if strings.Contains(r, fmt.Sprintf("reply %02d", i)) {
				seen[fmt.Sprint(i)]++
			}
		}
	}
	if len(seen) != n {
		t.Errorf("%d of %d replies sent", len(seen), n)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("reply %s sent %d times", k, v)
		}
	}
}

// TestWebhookRouting: unknown channels and kinds are 404, and nothing is stored.
func TestWebhookRouting(t *testing.T) {
	s := newStack(t)
	wa := s.channel(fixtures[0])
	for _, path := range []string{"/webhooks/whatsapp/" + uuid.NewString(), "/webhooks/telegram/" + wa.ID.String(), "/webhooks/whatsapp/nope", "/webhooks/whatsapp"} {
		r, _ := http.NewRequest("POST", s.srv.URL+path, strings.NewReader("{}"))
		if code := s.hook(r); code != 404 {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	get, _ := http.NewRequest("GET", channels.WebhookURL(s.srv.URL, wa)+"?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42", nil)
	res, err := http.DefaultClient.Do(get)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "42" {
		t.Errorf("handshake through the server: %d %q", res.StatusCode, body)
	}
}

// TestWebhookSeesChannelChanges: the webhook's channel is cached, but a new secret set
// through the API applies to the very next webhook, and a deleted channel's URL answers 404.
func TestWebhookSeesChannelChanges(t *testing.T) {
	s := newStack(t)
	wa := s.channel(fixtures[0])
	spare := s.channel(fixtures[0])
	post := func(ch inbox.Channel, secret string, n int) int {
		body := whatsapp.TextWebhook("PNID", "4915100000001", "Lena Klein", fmt.Sprint("wamid.rotate-", n), "hello", time.Now())
		return s.hook(signedPost(channels.WebhookURL(s.srv.URL, ch), body, "X-Hub-Signature-256", whatsapp.Sign(secret, body), "application/json"))
	}
	if code := post(wa, "wa-secret", 1); code != 200 {
		t.Fatalf("first webhook: %d", code)
	}
	s.api("PATCH", "/v1/channels/"+wa.ID.String(), map[string]any{"config": map[string]string{"app_secret": "rotated"}}, 200)
	if code := post(wa, "wa-secret", 2); code != 401 {
		t.Errorf("signed with the old secret after the rotation: %d, want 401", code)
	}
	if code := post(wa, "rotated", 3); code != 200 {
		t.Errorf("signed with the new secret: %d, want 200", code)
	}
	// A channel with conversations cannot be deleted: a refused webhook looks the spare up.
	if code := post(spare, "wrong", 4); code != 401 {
		t.Fatalf("spare channel, wrong secret: %d", code)
	}
	s.api("DELETE", "/v1/channels/"+spare.ID.String(), nil, 200)
	if code := post(spare, "wa-secret", 5); code != 404 {
		t.Errorf("webhook of a deleted channel: %d, want 404", code)
	}
}
