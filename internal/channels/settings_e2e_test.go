package channels_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store"
)

// outcome is an API answer: its status and error envelope.
type outcome struct {
	status  int
	code    string
	message string
	details map[string]any
	data    map[string]any
}

// call calls the REST API and returns the answer whatever its status.
func (s *stack) call(method, path string, body any) outcome {
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
	var env struct {
		Data  map[string]any `json:"data"`
		Error struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &env)
	return outcome{status: res.StatusCode, code: env.Error.Code, message: env.Error.Message, details: env.Error.Details, data: env.Data}
}

// channelCount is how many channels the tenant has.
func (s *stack) channelCount() int {
	return len(s.api("GET", "/v1/channels", nil, 200)["channels"].([]any))
}

// closedURL is the URL of a server that no longer listens.
func closedURL() string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// TestCredentialCheck: creating a channel asks its provider whether the credentials are
// good, on the provider's own API (the fake's). A refusal is a 400 naming the setting with
// what the provider said, no answer a 502; neither saves anything.
func TestCredentialCheck(t *testing.T) {
	cases := []struct {
		kind    inbox.ChannelKind
		config  map[string]string
		check   string // the start of the settings' call the fake gets
		refusal answer
		field   string
		says    string
	}{
		{inbox.ChannelWhatsApp, fixtures[0].config, "GET /PNID?fields=",
			answer{status: 401, body: `{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"A1"}}`},
			"config.access_token", "WhatsApp rejected the access token: 190 Invalid OAuth access token - Cannot parse access token"},
		{inbox.ChannelWhatsApp, fixtures[0].config, "GET /PNID?fields=",
			answer{status: 400, body: `{"error":{"message":"Unsupported get request. Object with ID 'PNID' does not exist","type":"GraphMethodException","code":100,"error_subcode":33}}`},
			"config.phone_number_id", "WhatsApp did not find the phone number id with this access token: 100 Unsupported get request. Object with ID 'PNID' does not exist"},
		{inbox.ChannelTelegram, fixtures[1].config, "POST /bot123:ABC/getMe ",
			answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
			"config.bot_token", "Telegram rejected the bot token: Unauthorized"},
		{inbox.ChannelSMS, fixtures[2].config, "GET /2010-04-01/Accounts/AC1.json ",
			answer{status: 401, body: `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`},
			"config.auth_token", "Twilio rejected the account SID and auth token: 20003 Authenticate"},
		{inbox.ChannelVoice, map[string]string{"account_sid": "AC1", "auth_token": "tw-token"}, "GET /2010-04-01/Accounts/AC1.json ",
			answer{status: 404, body: `{"code":20404,"message":"The requested resource /2010-04-01/Accounts/AC1.json was not found","status":404}`},
			"config.auth_token", "Twilio rejected the account SID and auth token: 20404 The requested resource /2010-04-01/Accounts/AC1.json was not found"},
	}
	for _, c := range cases {
		t.Run(string(c.kind)+" "+c.field, func(t *testing.T) {
			s := newStack(t)
			create := func(base string) outcome {
				cfg := maps.Clone(c.config)
				cfg["api_base_url"] = base
				return s.call("POST", "/v1/channels", map[string]any{"kind": c.kind, "name": "Checked", "config": cfg})
			}
			s.fake.answerAdmin(c.refusal)
			if o := create(s.fake.srv.URL); o.status != 400 || o.code != "VALIDATION_ERROR" || o.details[c.field] != c.says {
				t.Errorf("refused credentials: %d %s %v, want 400 with %s: %q", o.status, o.code, o.details, c.field, c.says)
			}
			if o := create(closedURL()); o.status != 502 || o.code != "PROVIDER_ERROR" || !strings.Contains(o.message, "could not be reached") {
				t.Errorf("unreachable provider: %d %s %q, want 502 PROVIDER_ERROR", o.status, o.code, o.message)
			}
			if n := s.channelCount(); n != 0 {
				t.Fatalf("%d channels saved by refused creations", n)
			}
			if o := create(s.fake.srv.URL); o.status != 201 {
				t.Fatalf("good credentials: %d %v", o.status, o.details)
			}
			// The refused check, then the good one (Telegram's setWebhook may follow).
			if calls := s.fake.adminCalls(); len(calls) < 2 || !strings.HasPrefix(calls[0], c.check) || !strings.HasPrefix(calls[1], c.check) {
				t.Errorf("the provider got %q, want %q twice", calls, c.check)
			}
		})
	}
}

// TestRCSCredentialCheck: an RCS channel's service account must get a token from its token
// endpoint before the channel is saved; that token serves the sends that follow.
func TestRCSCredentialCheck(t *testing.T) {
	s := newStack(t)
	create := func(tokenURI string) outcome {
		key, _, err := rcs.ServiceAccountKey(tokenURI)
		must(t, err)
		return s.call("POST", "/v1/channels", map[string]any{"kind": "rcs", "name": "RBM", "config": map[string]string{
			"agent_id": "agent", "client_token": "rcs-token", "api_base_url": s.fake.srv.URL, "service_account_key": key}})
	}
	s.fake.answer(answer{status: 400, body: `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`})
	if o := create(s.fake.srv.URL + "/token"); o.status != 400 || !strings.HasPrefix(toString(o.details["config.service_account_key"]), "Google: the token endpoint refused the service account") {
		t.Errorf("refused key: %d %v", o.status, o.details)
	}
	if o := create(closedURL() + "/token"); o.status != 502 || o.code != "PROVIDER_ERROR" {
		t.Errorf("unreachable token endpoint: %d %s %q", o.status, o.code, o.message)
	}
	if n := s.channelCount(); n != 0 {
		t.Fatalf("%d channels saved by refused creations", n)
	}
	if o := create(s.fake.srv.URL + "/token"); o.status != 201 {
		t.Fatalf("good key: %d %v", o.status, o.details)
	}
}

func toString(v any) string { s, _ := v.(string); return s }

// TestTelegramWebhookRegistration: a Telegram channel's webhook is registered with
// setWebhook, with the channel's secret as secret_token, when it is created; a new bot token
// registers it on the new bot and deletes it on the old; a rename asks Telegram nothing;
// deleting the channel deletes the webhook. A refused setWebhook saves nothing.
func TestTelegramWebhookRegistration(t *testing.T) {
	s := newStack(t)
	s.fake.answerAdmin(answer{status: 200}, answer{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: bad webhook: An HTTPS URL must be provided for webhook"}`})
	o := s.call("POST", "/v1/channels", map[string]any{"kind": "telegram", "name": "Bot", "config": map[string]string{
		"bot_token": "123:ABC", "webhook_secret": "tg_secret", "api_base_url": s.fake.srv.URL}})
	if d := toString(o.details["webhook"]); o.status != 400 || !strings.HasSuffix(d, ": Bad Request: bad webhook: An HTTPS URL must be provided for webhook") ||
		!strings.HasPrefix(d, "Telegram refused the webhook "+s.srv.URL+"/webhooks/telegram/") {
		t.Errorf("refused setWebhook: %d %v", o.status, o.details)
	}
	if n := s.channelCount(); n != 0 {
		t.Fatalf("%d channels after a refused setWebhook", n)
	}
	if o := s.call("POST", "/v1/channels", map[string]any{"kind": "telegram", "name": "Bot", "config": map[string]string{
		"bot_token": "123:ABC", "webhook_secret": "not a secret!"}}); o.status != 400 || o.details["config.webhook_secret"] == nil {
		t.Errorf("a secret Telegram cannot take: %d %v", o.status, o.details)
	}
	s.fake.takeAdminCalls()

	ch := s.channel(fixtures[1])
	hookURL := s.srv.URL + "/webhooks/telegram/" + ch.ID.String()
	wantCalls := func(what string, want ...string) {
		t.Helper()
		if got := s.fake.takeAdminCalls(); !slices.Equal(got, want) {
			t.Errorf("%s: the provider got\n%q\nwant\n%q", what, got, want)
		}
	}
	setWebhook := func(token string) string {
		return "POST /bot" + token + `/setWebhook {"allowed_updates":["message","edited_message","channel_post","callback_query"],"secret_token":"tg_secret","url":"` + hookURL + `"}`
	}
	wantCalls("create", "POST /bot123:ABC/getMe {}", setWebhook("123:ABC"))

	s.api("PATCH", "/v1/channels/"+ch.ID.String(), map[string]any{"name": "Renamed"}, 200)
	wantCalls("rename")

	s.api("PATCH", "/v1/channels/"+ch.ID.String(), map[string]any{"config": map[string]string{"bot_token": "456:DEF"}}, 200)
	wantCalls("new token", "POST /bot456:DEF/getMe {}", setWebhook("456:DEF"), "POST /bot123:ABC/deleteWebhook {}")

	s.fake.answerAdmin(answer{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`})
	if o := s.call("PATCH", "/v1/channels/"+ch.ID.String(), map[string]any{"config": map[string]string{"bot_token": "789:BAD"}}); o.status != 400 ||
		o.details["config.bot_token"] != "Telegram rejected the bot token: Unauthorized" {
		t.Errorf("a refused token on update: %d %v", o.status, o.details)
	}
	wantCalls("refused token", "POST /bot789:BAD/getMe {}")
	if got, _ := s.st.GetChannel(t.Context(), s.tenant, ch.ID); got.Config["bot_token"] != "456:DEF" {
		t.Errorf("a refused token was saved: %v", got.Config["bot_token"])
	}

	s.api("DELETE", "/v1/channels/"+ch.ID.String(), nil, 200)
	wantCalls("delete", "POST /bot456:DEF/deleteWebhook {}")

	// The audit log has each change once, with no secret in it.
	entries, err := s.st.(store.Store).ListAudit(t.Context(), s.tenant, audit.Filter{ObjectID: ch.ID.String(), Limit: 50})
	must(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		for _, secret := range []string{"123:ABC", "456:DEF", "tg_secret"} {
			if strings.Contains(string(e.Before)+string(e.After), secret) {
				t.Errorf("%s keeps the secret %q: %s %s", e.Action, secret, e.Before, e.After)
			}
		}
	}
	if want := []string{"channel.deleted", "channel.updated", "channel.updated", "channel.created"}; !slices.Equal(actions, want) {
		t.Errorf("audit log %q, want %q", actions, want)
	}
}
