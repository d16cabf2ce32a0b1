package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
)

// failure posts to the REST API, expects status want, and returns the error's details.
func (s *stack) failure(path string, body any, want int) map[string]any {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var env struct {
		Error struct {
			Code    string         `json:"code"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &env)
	if res.StatusCode != want || env.Error.Code != "VALIDATION_ERROR" {
		s.t.Fatalf("POST %s: %d %s, want %d VALIDATION_ERROR", path, res.StatusCode, raw, want)
	}
	return env.Error.Details
}

// TestRCSServiceAccount: an RCS channel takes the agent's service-account JSON key (a key that
// does not parse is a clear 400 and creates nothing), and its replies go out with a token
// minted at the key's token_uri.
func TestRCSServiceAccount(t *testing.T) {
	s := newStack(t)
	key, _, err := rcs.ServiceAccountKey(s.fake.srv.URL + "/token")
	must(t, err)
	channel := func(config map[string]string) map[string]any {
		config["agent_id"], config["client_token"], config["api_base_url"] = "agent", "rcs-token", s.fake.srv.URL
		return map[string]any{"kind": "rcs", "name": "RBM", "config": config}
	}
	for name, config := range map[string]map[string]string{
		"a key that is not JSON": {"service_account_key": "{not json"}, "a user's key": {"service_account_key": `{"type":"authorized_user"}`},
		"no credentials": {},
	} {
		if d := s.failure("/v1/channels", channel(config), 400); d["config.service_account_key"] == nil {
			t.Errorf("%s: details %v", name, d)
		}
	}
	if n := len(s.api("GET", "/v1/channels", nil, 200)["channels"].([]any)); n != 0 {
		t.Fatalf("%d channels after refused creations", n)
	}
	created := s.api("POST", "/v1/channels", channel(map[string]string{"service_account_key": key}), 201)["channel"].(map[string]any)
	if _, shown := created["config"].(map[string]any)["service_account_key"]; shown || !strings.Contains(strings.Join(toStrings(created["secrets_set"]), ","), "service_account_key") {
		t.Errorf("the key is not write-only: %v", created)
	}
	ch, err := s.st.GetChannel(context.Background(), s.tenant, uuid.MustParse(created["id"].(string)))
	must(t, err)
	hookURL := channels.WebhookURL(s.srv.URL, ch)
	ws := s.socket()
	s.hook(fixtures[3].inbound(hookURL, 1, "Hello"))
	convID := ws.until("new_message")["conversation"].(map[string]any)["id"].(string)
	s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "Hi there"}, 201)
	s.outbox.RunOnce(context.Background())
	if st := ws.until("message_status"); st["status"] != "sent" {
		t.Fatalf("reply: %v", st)
	}
	sent := s.fake.requests()
	if len(sent) != 2 || !strings.HasPrefix(sent[0], "/token ") || !strings.Contains(sent[0], "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer") ||
		!strings.HasPrefix(sent[1], "/v1/phones/+15551230000/agentMessages") {
		t.Errorf("the provider got %q, want a token request then the send", sent)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// TestRCSContactTyping: RBM's IS_TYPING event reaches the agents as a typing_indicator for
// the contact in its open conversation, which ends by itself after the typing timeout. A
// typing number we have no conversation with shows nothing.
func TestRCSContactTyping(t *testing.T) {
	s := newStack(t)
	hookURL, ws, convID := s.open(fixtures[3], "Hello")
	typing := func(phone, id string) int {
		b, sig := rcs.Push("rcs-token", rcs.TypingEvent("agent", phone, id, time.Now()))
		return s.hook(signedPost(hookURL, b, "X-Goog-Signature", sig, "application/json"))
	}
	if code := typing("+15559990000", "E0"); code != 200 {
		t.Errorf("IS_TYPING of a stranger: %d", code)
	}
	if code := typing("+15551230000", "E1"); code != 200 {
		t.Fatalf("IS_TYPING: %d", code)
	}
	start := ws.until("typing_indicator")
	contact, _ := start["contact"].(map[string]any)
	if start["conversation_id"] != convID || start["is_typing"] != true || contact["phone"] != "+15551230000" || start["user"] != nil {
		t.Fatalf("typing_indicator: %v", start)
	}
	end := ws.until("typing_indicator")
	if end["conversation_id"] != convID || end["is_typing"] != false || end["contact"].(map[string]any)["id"] != contact["id"] {
		t.Errorf("the indicator's end: %v", end)
	}
}
