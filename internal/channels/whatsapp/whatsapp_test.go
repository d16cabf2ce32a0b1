package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Vectors V1–V3 of channels.md §8.
func TestSignatureVectors(t *testing.T) {
	cases := []struct{ secret, body, want string }{
		{"secret", "test", "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"},
		{"my_app_secret", `{"object":"whatsapp_business_account","entry":[]}`, "sha256=1e948187320e1d8a8ab09e20b7172f8fe97e79394c0980b59b485e00288e389d"},
		{"my_app_secret", `{"text":"\u00e4\u00f6\u00e5"}`, "sha256=40a2372464abcac593143f74d555a83a49487161a1d2cfed901440188982234d"},
		{"my_app_secret", `{"text":"äöå"}`, "sha256=5cfa0161b2efef34151567dec4654407199be2534e647c220f2809f55b0accd4"},
	}
	for _, c := range cases {
		if got := Sign(c.secret, []byte(c.body)); got != c.want {
			t.Errorf("Sign(%q) = %s, want %s", c.body, got, c.want)
		}
		if !Verify(c.secret, c.want, []byte(c.body)) {
			t.Errorf("Verify rejects the valid signature of %q", c.body)
		}
	}
	// The escaped body's signature does not verify the re-encoded one: raw bytes are hashed.
	if Verify("my_app_secret", cases[2].want, []byte(cases[3].body)) {
		t.Error("a re-encoded body verified")
	}
	for name, bad := range map[string][2]string{
		"wrong secret": {"other", cases[1].want}, "missing header": {"my_app_secret", ""},
		"no prefix": {"my_app_secret", strings.TrimPrefix(cases[1].want, "sha256=")}, "not hex": {"my_app_secret", "sha256=zz"},
	} {
		if Verify(bad[0], bad[1], []byte(cases[1].body)) {
			t.Errorf("%s verified", name)
		}
	}
	if Verify("my_app_secret", cases[1].want, []byte(cases[1].body+" ")) {
		t.Error("a tampered body verified")
	}
}

func channel() inbox.Channel {
	return inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelWhatsApp, Config: map[string]string{
		"phone_number_id": "1234567890", "access_token": "EAAG-token", "app_secret": "my_app_secret", "verify_token": "T"}}
}

func post(t *testing.T, body string) (provider.Batch, error) {
	ch := channel()
	r := httptest.NewRequest("POST", "/webhooks/whatsapp/x", strings.NewReader(body))
	r.Header.Set("X-Hub-Signature-256", Sign("my_app_secret", []byte(body)))
	return Provider{}.Webhook(r, []byte(body), ch, "")
}

func TestHandshake(t *testing.T) {
	ch := channel()
	r := httptest.NewRequest("GET", "/webhooks/whatsapp/x?hub.mode=subscribe&hub.verify_token=T&hub.challenge=1158201444", nil)
	b, err := Provider{}.Webhook(r, nil, ch, "")
	if err != nil || b.Reply == nil || string(b.Reply.Body) != "1158201444" || b.Reply.Status != 200 {
		t.Fatalf("handshake: %+v %v", b.Reply, err)
	}
	r = httptest.NewRequest("GET", "/webhooks/whatsapp/x?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", nil)
	if _, err := (Provider{}).Webhook(r, nil, ch, ""); !errors.Is(err, provider.ErrForbidden) {
		t.Errorf("wrong verify token: %v", err)
	}
}

const wrap = `{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550001111","phone_number_id":"1234567890"},%s}}]}]}`

func TestParseEveryType(t *testing.T) {
	msgs := `"contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551234"}],"messages":[
{"from":"16315551234","id":"wamid.text","timestamp":"1603059201","type":"text","text":{"body":"Hi"},"context":{"from":"15550001111","id":"wamid.quoted"}},
{"from":"16315551234","id":"wamid.image","timestamp":"1603059202","type":"image","image":{"id":"MEDIA1","mime_type":"image/jpeg","sha256":"x","caption":"look"}},
{"from":"16315551234","id":"wamid.doc","timestamp":"1603059203","type":"document","document":{"id":"MEDIA2","mime_type":"application/pdf","filename":"invoice.pdf"}},
{"from":"16315551234","id":"wamid.audio","timestamp":"1603059204","type":"audio","audio":{"id":"MEDIA3","mime_type":"audio/ogg","voice":true}},
{"from":"16315551234","id":"wamid.video","timestamp":"1603059205","type":"video","video":{"id":"MEDIA4","mime_type":"video/mp4"}},
{"from":"16315551234","id":"wamid.sticker","timestamp":"1603059206","type":"sticker","sticker":{"id":"MEDIA5","mime_type":"image/webp"}},
{"from":"16315551234","id":"wamid.loc","timestamp":"1603059207","type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Office"}},
{"from":"16315551234","id":"wamid.card","timestamp":"1603059208","type":"contacts","contacts":[{"name":{"formatted_name":"Ana Lima"},"phones":[{"phone":"+5511999999999"}]}]},
{"from":"16315551234","id":"wamid.button","timestamp":"1603059209","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes please"}}},
{"from":"16315551234","id":"wamid.react","timestamp":"1603059210","type":"reaction","reaction":{"message_id":"wamid.text","emoji":"\uD83D\uDC4D"}},
{"from":"16315551234","id":"wamid.unreact","timestamp":"1603059212","type":"reaction","reaction":{"message_id":"wamid.text"}},
{"from":"16315551234","id":"wamid.new","timestamp":"1603059211","type":"order","order":{"catalog_id":"c1"}}]`
	b, err := post(t, strings.Replace(wrap, "%s", msgs, 1))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id      string
		ct      inbox.ContentType
		content string
	}{
		{"wamid.text", inbox.ContentText, "Hi"}, {"wamid.image", inbox.ContentImage, "look"}, {"wamid.doc", inbox.ContentDocument, ""},
		{"wamid.audio", inbox.ContentAudio, ""}, {"wamid.video", inbox.ContentVideo, ""}, {"wamid.sticker", inbox.ContentSticker, ""},
		{"wamid.loc", inbox.ContentLocation, "Office  (52.520000, 13.405000)"}, {"wamid.card", inbox.ContentContacts, "Ana Lima: +5511999999999"},
		{"wamid.button", inbox.ContentText, "Yes please"},
		{"wamid.new", inbox.ContentUnsupported, "Unsupported WhatsApp message (order)"},
	}
	if len(b.Messages) != len(want) {
		t.Fatalf("%d messages, want %d", len(b.Messages), len(want))
	}
	for i, w := range want {
		m := b.Messages[i]
		if m.ProviderMessageID != w.id || m.ContentType != w.ct || m.Content != w.content {
			t.Errorf("message %d: %s %s %q, want %s %s %q", i, m.ProviderMessageID, m.ContentType, m.Content, w.id, w.ct, w.content)
		}
		if m.From.Address != "16315551234" || m.From.Phone != "+16315551234" || m.From.FirstName != "Kerry" || m.From.LastName != "Fisher" {
			t.Errorf("sender %+v", m.From)
		}
	}
	if b.Messages[0].ReplyToProviderID != "wamid.quoted" || b.Messages[0].At.Unix() != 1603059201 {
		t.Errorf("context/timestamp: %+v", b.Messages[0])
	}
	if a := b.Messages[2].Attachments; len(a) != 1 || a[0].MediaID != "MEDIA2" || a[0].FileName != "invoice.pdf" {
		t.Errorf("document attachment %+v", a)
	}
	if !strings.Contains(string(b.Messages[9].Payload), `"catalog_id":"c1"`) {
		t.Errorf("unsupported message lost its raw payload: %s", b.Messages[9].Payload)
	}
	// Reactions are not messages: they go on the message they name; no emoji removes one.
	wantReactions := []inbox.InboundReaction{
		{ProviderMessageID: "wamid.text", From: inbox.Sender{Address: "16315551234"}, Emoji: "👍", At: time.Unix(1603059210, 0).UTC()},
		{ProviderMessageID: "wamid.text", From: inbox.Sender{Address: "16315551234"}, At: time.Unix(1603059212, 0).UTC()},
	}
	if !reflect.DeepEqual(b.Reactions, wantReactions) {
		t.Errorf("reactions %+v, want %+v", b.Reactions, wantReactions)
	}
}

// TestContactCards: a shared card shows its names and numbers as text (Meta's documented
// contacts message), and the whole card stays in the payload.
func TestContactCards(t *testing.T) {
	msgs := `"contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551234"}],"messages":[{"from":"16315551234","id":"wamid.cards",
"timestamp":"1683229471","type":"contacts","contacts":[{
 "addresses":[{"city":"Menlo Park","country":"United States","country_code":"us","state":"CA","street":"1 Hacker Way","type":"HOME","zip":"94025"}],
 "birthday":"2012-08-18","emails":[{"email":"test@fb.com","type":"WORK"}],
 "name":{"first_name":"John","formatted_name":"John Smith","last_name":"Smith","middle_name":"Lewis","suffix":"Esq.","prefix":"Dr."},
 "org":{"company":"Meta","department":"Design","title":"Manager"},
 "phones":[{"phone":"+1 (940) 555-1234","type":"HOME"},{"phone":"+1 (650) 555-1234","type":"WORK","wa_id":"16505551234"}],
 "urls":[{"url":"https://www.facebook.com","type":"WORK"}]},
 {"name":{"first_name":"Ana","last_name":"Lima"},"phones":[{"wa_id":"5511999999999"}]}]}]`
	b, err := post(t, strings.Replace(wrap, "%s", msgs, 1))
	if err != nil || len(b.Messages) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	m := b.Messages[0]
	want := "John Smith: +1 (940) 555-1234 (HOME), +1 (650) 555-1234 (WORK)\nAna Lima: +5511999999999"
	if m.ContentType != inbox.ContentContacts || m.Content != want {
		t.Errorf("content %s %q, want %q", m.ContentType, m.Content, want)
	}
	if !strings.Contains(string(m.Payload), `"test@fb.com"`) {
		t.Errorf("the card's other fields are not kept: %s", m.Payload)
	}
}

func TestParseStatuses(t *testing.T) {
	st := `"statuses":[{"id":"wamid.out1","status":"delivered","timestamp":"1603059300","recipient_id":"16315551234"},
{"id":"wamid.out2","status":"failed","timestamp":"1603059301","recipient_id":"16315551234","errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed"}}]},
{"id":"wamid.out3","status":"deleted","timestamp":"1603059302","recipient_id":"16315551234"}]`
	b, err := post(t, strings.Replace(wrap, "%s", st, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Receipts) != 2 || b.Receipts[0].Status != inbox.DeliveryDelivered || b.Receipts[1].Status != inbox.DeliveryFailed ||
		!strings.Contains(b.Receipts[1].Error, "131047") {
		t.Errorf("receipts %+v", b.Receipts)
	}
}

func TestWebhookRejectsBadSignature(t *testing.T) {
	body := strings.Replace(wrap, "%s", `"messages":[]`, 1)
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Hub-Signature-256", Sign("wrong", []byte(body)))
	if _, err := (Provider{}).Webhook(r, []byte(body), channel(), ""); !errors.Is(err, provider.ErrSignature) {
		t.Errorf("got %v", err)
	}
}

func TestSend(t *testing.T) {
	var got map[string]any
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/1234567890/messages" || r.Header.Get("Authorization") != "Bearer EAAG-token" {
			t.Errorf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		}
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &got)
		w.WriteHeader(status)
		if status == 200 {
			io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"16315551234","wa_id":"16315551234"}],"messages":[{"id":"wamid.SENT"}]}`)
		} else {
			io.WriteString(w, `{"error":{"message":"(#131026) Message Undeliverable","type":"OAuthException","code":131026,"error_data":{"details":"Receiver incapable"},"fbtrace_id":"x"}}`)
		}
	}))
	defer srv.Close()
	ch := channel()
	ch.Config["api_base_url"] = srv.URL
	m := inbox.Message{ID: uuid.New(), Content: "Hello", ContentType: inbox.ContentText}
	id, err := Provider{}.Send(context.Background(), srv.Client(), ch, "16315551234", m, "")
	if err != nil || id != "wamid.SENT" {
		t.Fatalf("send: %q %v", id, err)
	}
	if got["to"] != "16315551234" || got["type"] != "text" || got["text"].(map[string]any)["body"] != "Hello" || got["messaging_product"] != "whatsapp" {
		t.Errorf("body %v", got)
	}
	m.Payload = json.RawMessage(`{"template":{"name":"order_update","language":"en_US","parameters":["42"]}}`)
	m.ContentType = inbox.ContentTemplate
	if _, err := (Provider{}).Send(context.Background(), srv.Client(), ch, "16315551234", m, ""); err != nil {
		t.Fatal(err)
	}
	tpl := got["template"].(map[string]any)
	if got["type"] != "template" || tpl["name"] != "order_update" || tpl["language"].(map[string]any)["code"] != "en_US" {
		t.Errorf("template body %v", got)
	}
	status = http.StatusBadRequest
	_, err = Provider{}.Send(context.Background(), srv.Client(), ch, "16315551234", m, "")
	if !provider.IsPermanent(err) || !strings.Contains(err.Error(), "131026") {
		t.Errorf("400: %v (permanent %v)", err, provider.IsPermanent(err))
	}
	for _, code := range []int{429, 500, 503} {
		status = code
		if _, err := (Provider{}).Send(context.Background(), srv.Client(), ch, "1", m, ""); err == nil || provider.IsPermanent(err) {
			t.Errorf("%d must be a temporary error: %v", code, err)
		}
	}
}
