package rcs

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

const (
	v7Data = `{"senderPhoneNumber":"+15551234567","messageId":"MxAbC123","sendTime":"2024-01-01T00:00:00.000000Z","text":"Hello","agentId":"my-agent"}`
	v7Env  = `{"message":{"data":"eyJzZW5kZXJQaG9uZU51bWJlciI6IisxNTU1MTIzNDU2NyIsIm1lc3NhZ2VJZCI6Ik14QWJDMTIzIiwic2VuZFRpbWUiOiIyMDI0LTAxLTAxVDAwOjAwOjAwLjAwMDAwMFoiLCJ0ZXh0IjoiSGVsbG8iLCJhZ2VudElkIjoibXktYWdlbnQifQ=="}}`
	v7Sig  = "hB9LOjeXlXg4xvbv2BjuAtI2YqCYWY4oD+tBxMzgHh7ttGdYx93Bjgg5smHfWU+fPL8aOgeI6oNUoI2UgJ00Ng=="
)

func channel() inbox.Channel {
	return inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelRCS, Config: map[string]string{"agent_id": "my-agent", "client_token": "SJENCPGJESMGUFPY", "access_token": "ya29.x"}}
}

func hook(body, sig string) (provider.Batch, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if sig != "" {
		r.Header.Set("X-Goog-Signature", sig)
	}
	return Provider{}.Webhook(r, []byte(body), channel(), "")
}

// Vector V7 of channels.md §8.
func TestSignatureVector(t *testing.T) {
	if got := Sign("SJENCPGJESMGUFPY", []byte(v7Data)); got != v7Sig {
		t.Fatalf("Sign = %s", got)
	}
	b, err := hook(v7Env, v7Sig)
	if err != nil || len(b.Messages) != 1 || b.Messages[0].Content != "Hello" || b.Messages[0].ProviderMessageID != "MxAbC123" || b.Messages[0].From.Phone != "+15551234567" {
		t.Fatalf("V7: %+v %v", b, err)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(v7Data))
	for name, sig := range map[string]string{"missing": "", "over the base64 text": Sign("SJENCPGJESMGUFPY", []byte(b64)), "wrong token": Sign("other", []byte(v7Data))} {
		if _, err := hook(v7Env, sig); !errors.Is(err, provider.ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHandshakeAndEvents(t *testing.T) {
	b, err := hook(`{"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890"}`, "")
	if err != nil || b.Reply == nil || string(b.Reply.Body) != "1234567890" {
		t.Fatalf("handshake %+v %v", b.Reply, err)
	}
	if _, err := hook(`{"clientToken":"nope","secret":"1"}`, ""); !errors.Is(err, provider.ErrForbidden) {
		t.Errorf("wrong client token: %v", err)
	}
	ev := `{"senderPhoneNumber":"+15551234567","eventType":"READ","eventId":"E1","messageId":"our-id","sendTime":"2024-01-01T00:00:01Z","agentId":"my-agent"}`
	env := `{"message":{"data":"` + base64.StdEncoding.EncodeToString([]byte(ev)) + `"}}`
	b, err = hook(env, Sign("SJENCPGJESMGUFPY", []byte(ev)))
	if err != nil || len(b.Receipts) != 1 || b.Receipts[0].Status != inbox.DeliveryRead || b.Receipts[0].ProviderMessageID != "our-id" {
		t.Errorf("READ event: %+v %v", b, err)
	}
	// A receipt that names no message is refused, not stored for no message (the fuzzer's
	// find: "eventTYpe", for JSON keys match in any case).
	ev = `{"eventTYpe":"READ"}`
	env = `{"message":{"data":"` + base64.StdEncoding.EncodeToString([]byte(ev)) + `"}}`
	var malformed provider.Malformed
	if b, err = hook(env, Sign("SJENCPGJESMGUFPY", []byte(ev))); !errors.As(err, &malformed) || len(b.Receipts) != 0 {
		t.Errorf("READ event without messageId: %+v %v", b, err)
	}
}

func TestSendUsesOurID(t *testing.T) {
	var path, query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, query = r.URL.Path, r.URL.RawQuery
		if r.Header.Get("Authorization") != "Bearer ya29.x" {
			t.Errorf("auth %q", r.Header.Get("Authorization"))
		}
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"name":"phones/+15551234567/agentMessages/x","sendTime":"2024-01-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	ch := channel()
	ch.Config["api_base_url"] = srv.URL
	m := inbox.Message{ID: uuid.New(), Content: "Hi"}
	id, err := Provider{}.Send(context.Background(), srv.Client(), ch, "+15551234567", m, "")
	if err != nil || id != m.ID.String() || path != "/v1/phones/+15551234567/agentMessages" || !strings.Contains(query, "messageId="+m.ID.String()) || !strings.Contains(query, "agentId=my-agent") {
		t.Errorf("send %q %v %s?%s", id, err, path, query)
	}
}
