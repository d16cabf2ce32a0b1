package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeTelegram is a local Bot API: it answers getMe, setWebhook, deleteWebhook and
// sendMessage as Telegram does, and records each call.
type fakeTelegram struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string // "METHOD body"
}

func newFakeTelegram(t *testing.T) *fakeTelegram {
	f := &fakeTelegram{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		f.mu.Lock()
		f.calls = append(f.calls, method+" "+string(body))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "getMe":
			io.WriteString(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Acme","username":"acme_support_bot"}}`)
		case "setWebhook", "deleteWebhook":
			io.WriteString(w, `{"ok":true,"result":true}`)
		case "sendMessage":
			io.WriteString(w, `{"ok":true,"result":{"message_id":901,"date":1796486400,"chat":{"id":5551234,"type":"private"},"text":"sent"}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// called returns the calls of a method so far.
func (f *fakeTelegram) called(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if m, body, _ := strings.Cut(c, " "); m == method {
			out = append(out, body)
		}
	}
	return out
}

// TestABusinessFromNothing is issue 19's path of a new team, through the real server and
// command line: create a business from the command line, accept the owner's setup link,
// invite an executive, who accepts and logs in, connect a Telegram channel against a local
// fake Bot API (getMe and setWebhook seen), receive a message through the webhook, reply
// (sendMessage seen), deactivate the executive (their socket closes, their token answers
// 401), export the business, and delete it (deleteWebhook seen).
func TestABusinessFromNothing(t *testing.T) {
	s := startServer(t)
	tg := newFakeTelegram(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// 1. The operator creates the business; the owner follows the printed link.
	var out bytes.Buffer
	if err := runTenant(ctx, &out, []string{"create", "--name", "Acme Support", "--owner-email", "owner@acme.example"}); err != nil {
		t.Fatal(err)
	}
	ownerLink := regexp.MustCompile(`http://\S+/accept\?token=\S+`).FindString(out.String())
	if ownerLink == "" {
		t.Fatalf("tenant create printed no link: %q", out.String())
	}
	owner := s.call(t, "POST", "/v1/invitations/accept", "", map[string]any{"token": linkToken(t, ownerLink),
		"first_name": "Olivia", "last_name": "Owner", "password": "owner's long secret"}).data(t, 201, "the owner accepts")
	ownerToken := owner["token"].(string)
	business := owner["user"].(map[string]any)["business_id"].(string)
	if role := owner["user"].(map[string]any)["role"]; role != "super_admin" {
		t.Fatalf("the owner is %v, want super_admin", role)
	}

	// 2. The owner invites an executive, who accepts and logs in.
	inv := s.call(t, "POST", "/v1/invitations", ownerToken, map[string]any{"email": "eddie@acme.example", "role": "executive"}).data(t, 201, "invite")
	link, _ := inv["link"].(string)
	if link == "" {
		t.Fatalf("without SMTP the answer must hold the link: %v", inv)
	}
	s.call(t, "POST", "/v1/invitations/accept", "", map[string]any{"token": linkToken(t, link),
		"first_name": "Eddie", "last_name": "Exec", "password": "eddie's long secret"}).data(t, 201, "the executive accepts")
	login := s.call(t, "POST", "/v1/auth/login", "", map[string]any{"email": "eddie@acme.example", "password": "eddie's long secret"}).data(t, 200, "the executive logs in")
	execToken := login["token"].(string)
	execID := login["user"].(map[string]any)["id"].(string)

	// 3. The owner connects a Telegram bot: the server checks the token and registers its webhook.
	ch := s.call(t, "POST", "/v1/channels", ownerToken, map[string]any{"kind": "telegram", "name": "Acme bot",
		"config": map[string]string{"bot_token": "4242:acme-token", "webhook_secret": "acme-hook-secret", "api_base_url": tg.URL}}).data(t, 201, "connect Telegram")
	channelID := ch["channel"].(map[string]any)["id"].(string)
	if len(tg.called("getMe")) != 1 {
		t.Errorf("getMe calls: %v", tg.called("getMe"))
	}
	hooks := tg.called("setWebhook")
	if len(hooks) != 1 || !strings.Contains(hooks[0], `"secret_token":"acme-hook-secret"`) ||
		!strings.Contains(hooks[0], `"url":"`+s.base+`/webhooks/telegram/`+channelID+`"`) {
		t.Fatalf("setWebhook calls: %v", hooks)
	}

	// 4. A customer writes; the executive, on a socket, sees it and replies.
	ws, _, err := websocket.Dial(ctx, "ws://"+s.host+"/ws/team-inbox/"+business+"/?token="+execToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	readUntil(ctx, t, ws, `"hello"`) // the socket is live: what happens from now on reaches it
	update := `{"update_id":1001,"message":{"message_id":10,"date":` + jsonNumber(time.Now().Unix()) + `,` +
		`"chat":{"id":5551234,"type":"private","first_name":"Carla"},"from":{"id":5551234,"is_bot":false,"first_name":"Carla"},` +
		`"text":"Hello, is my order on its way?"}}`
	req, _ := http.NewRequest("POST", s.base+"/webhooks/telegram/"+channelID, strings.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "acme-hook-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the webhook answered %d", res.StatusCode)
	}
	readUntil(ctx, t, ws, "Hello, is my order on its way?")
	list := s.call(t, "GET", "/v1/conversations", execToken, nil).data(t, 200, "the executive's list")["conversations"].([]any)
	if len(list) != 1 {
		t.Fatalf("the new business has %d conversations, want the customer's one (and none of the demo's)", len(list))
	}
	conversation := list[0].(map[string]any)["id"].(string)
	s.call(t, "POST", "/v1/conversations/"+conversation+"/messages", execToken, map[string]any{"content": "Yes Carla, it ships today."}).data(t, 201, "reply")
	for deadline := time.Now().Add(30 * time.Second); len(tg.called("sendMessage")) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the reply never reached Telegram's sendMessage")
		}
	}
	if sent := tg.called("sendMessage")[0]; !strings.Contains(sent, `"chat_id":"5551234"`) && !strings.Contains(sent, `"chat_id":5551234`) ||
		!strings.Contains(sent, "Yes Carla, it ships today.") {
		t.Errorf("sendMessage got %s", sent)
	}

	// 5. The owner deactivates the executive: the socket closes, the token is refused.
	s.call(t, "POST", "/v1/users/"+execID+"/deactivate", ownerToken, nil).data(t, 200, "deactivate")
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 {
			t.Fatalf("the executive's socket ended with %v, want 4001", err)
		}
		break
	}
	s.call(t, "GET", "/v1/auth/me", execToken, nil).data(t, 401, "the deactivated executive's token")

	// 6. The owner exports the business: every message is in it, no secret.
	raw := s.get(t, "/v1/business/export", ownerToken)
	types := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		types[line.Type]++
	}
	if types["business"] != 1 || types["user"] != 2 || types["channel"] != 1 || types["conversation"] != 1 || types["message"] < 2 {
		t.Errorf("the export holds %v", types)
	}
	for _, leak := range []string{"4242:acme-token", "acme-hook-secret", "$argon2", "Demo Business"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("the export holds %q", leak)
		}
	}

	// 7. The owner deletes the business: its tokens and its webhook are gone with it.
	s.call(t, "DELETE", "/v1/business", ownerToken, map[string]any{"confirm": "Acme Support"}).data(t, 200, "delete the business")
	s.call(t, "GET", "/v1/auth/me", ownerToken, nil).data(t, 401, "the owner's token after the deletion")
	if n := len(tg.called("deleteWebhook")); n != 1 {
		t.Errorf("deleteWebhook called %d times with the business's deletion, want 1", n)
	}
	req, _ = http.NewRequest("POST", s.base+"/webhooks/telegram/"+channelID, strings.NewReader(update))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "acme-hook-secret")
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusNotFound {
		t.Errorf("the deleted business's webhook answered %d, want 404", res.StatusCode)
	}
}

// linkToken is the token query parameter of a link.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// readUntil reads frames until one holds want.
func readUntil(ctx context.Context, t *testing.T, ws *websocket.Conn, want string) {
	t.Helper()
	for {
		_, frame, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a frame with %q: %v", want, err)
		}
		if strings.Contains(string(frame), want) {
			return
		}
	}
}

// get is a GET whose body is returned raw; the test fails unless it answers 200.
func (s *testServer) get(t *testing.T, path, token string) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	return body
}
