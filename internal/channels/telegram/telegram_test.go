package telegram

import (
	"context"
	"encoding/json"
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

func channel() inbox.Channel {
	return inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelTelegram, Config: map[string]string{"bot_token": "123:ABC", "webhook_secret": "abc_DEF-123"}}
}

// Vector V8 of channels.md §8: exact comparison, no normalisation.
func TestSecretVector(t *testing.T) {
	for header, ok := range map[string]bool{"abc_DEF-123": true, "": false, "ABC_DEF-123": false, "abc_DEF-123 ": false} {
		if Verify("abc_DEF-123", header) != ok {
			t.Errorf("header %q: want %v", header, ok)
		}
	}
}

func update(t *testing.T, body, secret string) (provider.Batch, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if secret != "" {
		r.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	return Provider{}.Webhook(r, []byte(body), channel(), "")
}

func TestParse(t *testing.T) {
	from := `"from":{"id":987654321012,"is_bot":false,"first_name":"Lena","last_name":"K"},"chat":{"id":987654321012,"type":"private","first_name":"Lena"},"date":1700000000`
	cases := []struct {
		body    string
		ct      inbox.ContentType
		content string
	}{
		{`{"update_id":1,"message":{"message_id":10,` + from + `,"text":"hello","reply_to_message":{"message_id":9}}}`, inbox.ContentText, "hello"},
		{`{"update_id":2,"message":{"message_id":11,` + from + `,"caption":"pic","photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90},{"file_id":"big","file_unique_id":"b","width":800,"height":800,"file_size":1000}]}}`, inbox.ContentImage, "pic"},
		{`{"update_id":3,"message":{"message_id":12,` + from + `,"document":{"file_id":"doc","file_unique_id":"c","file_name":"a.pdf","mime_type":"application/pdf"}}}`, inbox.ContentDocument, ""},
		{`{"update_id":4,"message":{"message_id":13,` + from + `,"voice":{"file_id":"v","file_unique_id":"d","duration":3,"mime_type":"audio/ogg"}}}`, inbox.ContentAudio, ""},
		{`{"update_id":5,"message":{"message_id":14,` + from + `,"location":{"latitude":1.5,"longitude":2.5}}}`, inbox.ContentLocation, "(1.500000, 2.500000)"},
		{`{"update_id":6,"message":{"message_id":15,` + from + `,"contact":{"phone_number":"+4915112345678","first_name":"Max"}}}`, inbox.ContentContacts, "Max  +4915112345678"},
		{`{"update_id":7,"message":{"message_id":16,` + from + `,"sticker":{"file_id":"s","file_unique_id":"e","emoji":"😀"}}}`, inbox.ContentSticker, "😀"},
		{`{"update_id":8,"message":{"message_id":17,` + from + `,"dice":{"emoji":"🎲","value":3}}}`, inbox.ContentUnsupported, "Unsupported Telegram message"},
	}
	for _, c := range cases {
		b, err := update(t, c.body, "abc_DEF-123")
		if err != nil || len(b.Messages) != 1 {
			t.Fatalf("%s: %v %+v", c.body, err, b)
		}
		m := b.Messages[0]
		if m.ContentType != c.ct || m.Content != c.content || m.From.Address != "987654321012" || m.From.FirstName != "Lena" || m.At.Unix() != 1700000000 {
			t.Errorf("%s: got %s %q %+v", c.ct, m.ContentType, m.Content, m.From)
		}
	}
	b, _ := update(t, cases[1].body, "abc_DEF-123")
	if a := b.Messages[0].Attachments; a[0].MediaID != "big" {
		t.Errorf("photo: took %q, want the largest", a[0].MediaID)
	}
	b, _ = update(t, cases[0].body, "abc_DEF-123")
	if b.Messages[0].ProviderMessageID != "987654321012:10" || b.Messages[0].ReplyToProviderID != "987654321012:9" {
		t.Errorf("ids %+v", b.Messages[0])
	}
	if _, err := update(t, cases[0].body, "wrong"); !errors.Is(err, provider.ErrSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	if b, err := update(t, `{"update_id":9,"my_chat_member":{"chat":{"id":1,"type":"private"}}}`, "abc_DEF-123"); err != nil || len(b.Messages) != 0 {
		t.Errorf("member update: %+v %v", b, err)
	}
}

// TestCallbackQuery: a button tap is the contact's reply, with the button's label as text
// and its data in the payload, quoting the message that had the button; it asks for
// answerCallbackQuery. Without the message (too old), the data is the text.
func TestCallbackQuery(t *testing.T) {
	b, err := update(t, string(CallbackUpdate(10, 987654321012, 77, "Lena", "4382bfdwdsb323b2d9", "Yes", "confirm:42")), "abc_DEF-123")
	if err != nil || len(b.Messages) != 1 || len(b.FollowUps) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	m := b.Messages[0]
	if m.ProviderMessageID != "callback:4382bfdwdsb323b2d9" || m.Content != "Yes" || m.ContentType != inbox.ContentText ||
		m.From.Address != "987654321012" || m.From.FirstName != "Lena" || m.ReplyToProviderID != "987654321012:77" ||
		string(m.Payload) != `{"callback_query":{"data":"confirm:42","id":"4382bfdwdsb323b2d9","text":"Yes"}}` {
		t.Errorf("tap: %+v %s", m, m.Payload)
	}
	b, err = update(t, `{"update_id":11,"callback_query":{"id":"99","from":{"id":5,"is_bot":false,"first_name":"Max"},"chat_instance":"1","data":"old:1"}}`, "abc_DEF-123")
	if err != nil || len(b.Messages) != 1 || b.Messages[0].Content != "old:1" || b.Messages[0].From.Address != "5" || b.Messages[0].ReplyToProviderID != "" {
		t.Errorf("tap without its message: %+v %v", b, err)
	}

	var got struct {
		path string
		body map[string]any
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path = r.URL.Path
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	defer srv.Close()
	ch := channel()
	ch.Config["api_base_url"] = srv.URL
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	r.Header.Set("X-Telegram-Bot-Api-Secret-Token", "abc_DEF-123")
	body := CallbackUpdate(12, 42, 7, "Lena", "q1", "Yes", "y")
	b, err = Provider{}.Webhook(r, body, ch, "")
	if err != nil || len(b.FollowUps) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	if err := b.FollowUps[0](context.Background(), srv.Client()); err != nil || got.path != "/bot123:ABC/answerCallbackQuery" || got.body["callback_query_id"] != "q1" {
		t.Errorf("answerCallbackQuery: %v %s %v", err, got.path, got.body)
	}
}

func TestSend(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/bot123:ABC/sendMessage" {
			t.Errorf("path %s", r.URL.Path)
		}
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &got)
		if got["chat_id"] == float64(42) {
			w.WriteHeader(403)
			io.WriteString(w, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`)
			return
		}
		io.WriteString(w, `{"ok":true,"result":{"message_id":77,"chat":{"id":987654321012,"type":"private"},"date":1700000001,"text":"hi"}}`)
	}))
	defer srv.Close()
	ch := channel()
	ch.Config["api_base_url"] = srv.URL
	id, err := Provider{}.Send(context.Background(), srv.Client(), ch, "987654321012", inbox.Message{Content: "hi"}, "")
	if err != nil || id != "987654321012:77" || got["text"] != "hi" {
		t.Fatalf("send %q %v %v", id, err, got)
	}
	_, err = Provider{}.Send(context.Background(), srv.Client(), ch, "42", inbox.Message{Content: "hi"}, "")
	if !provider.IsPermanent(err) || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("blocked: %v", err)
	}
}
