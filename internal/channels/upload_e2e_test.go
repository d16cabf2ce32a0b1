package channels_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// pngOf is a file the sniffer takes for a PNG image, of n bytes.
func pngOf(n int) []byte {
	b := bytes.Repeat([]byte{0x42}, n)
	copy(b, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	return b
}

// upload posts a file as POST /v1/media does, with token, and returns the status and the
// answer's data (or error).
func (s *stack) upload(token, name string, body io.Reader) (int, map[string]any) {
	s.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(part, body)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest("POST", s.srv.URL+"/v1/media", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var env struct {
		Data  map[string]any `json:"data"`
		Error map[string]any `json:"error"`
	}
	_ = json.Unmarshal(raw, &env)
	if env.Data == nil {
		return res.StatusCode, env.Error
	}
	return res.StatusCode, env.Data["attachment"].(map[string]any)
}

// uploaded uploads a file with the stack's admin token, failing unless it is stored.
func (s *stack) uploaded(name string, body []byte) map[string]any {
	s.t.Helper()
	code, a := s.upload(s.token, name, bytes.NewReader(body))
	if code != 201 {
		s.t.Fatalf("upload %s: %d %v", name, code, a)
	}
	return a
}

// fetch GETs a URL without credentials and returns the status, content type and body.
func fetch(t *testing.T, u string) (int, string, []byte) {
	t.Helper()
	res, err := http.Get(u)
	must(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

// conversationOf has the fixture's contact write in, and returns the conversation's id.
func (s *stack) conversationOf(f fixture, ch inbox.Channel) string {
	s.t.Helper()
	if code := s.hook(f.inbound(channels.WebhookURL(s.srv.URL, ch), 1, "Can you send the photo?")); code/100 != 2 {
		s.t.Fatalf("inbound webhook: %d", code)
	}
	convs := s.api("GET", "/v1/conversations", nil, 200)["conversations"].([]any)
	return convs[0].(map[string]any)["id"].(string)
}

// messageCount is how many messages the conversation shows.
func (s *stack) messageCount(convID string) int {
	s.t.Helper()
	return len(s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["messages"].([]any))
}

// TestSendUploadedFile: a file uploaded with POST /v1/media is sent by its media_id on each
// provider that takes files: uploaded to WhatsApp's /media and sent by its id, uploaded to
// Telegram's sendPhoto as multipart, and given to Twilio and RBM as a signed public link
// that opens the file without a token. The reply goes through the outbox and the thread
// shows the file.
func TestSendUploadedFile(t *testing.T) {
	image := pngOf(2048)
	checks := map[inbox.ChannelKind]func(t *testing.T, sent []string){
		inbox.ChannelWhatsApp: func(t *testing.T, sent []string) {
			if len(sent) != 2 || !strings.HasPrefix(sent[0], "/PNID/media ") || !strings.HasPrefix(sent[1], "/PNID/messages ") {
				t.Fatalf("WhatsApp received %d requests: %.300q", len(sent), sent)
			}
			for _, want := range []string{`name="messaging_product"`, "whatsapp", `name="type"`, "image/png", `name="file"; filename="cat.png"`, string(image)} {
				if !strings.Contains(sent[0], want) {
					t.Errorf("the upload to /media lacks %.40q", want)
				}
			}
			if want := `"image":{"caption":"Our cat","id":"4490709327384001"}`; !strings.Contains(sent[1], want) || !strings.Contains(sent[1], `"type":"image"`) {
				t.Errorf("the message is %s, want %s", sent[1], want)
			}
		},
		inbox.ChannelTelegram: func(t *testing.T, sent []string) {
			if len(sent) != 1 || !strings.HasPrefix(sent[0], "/bot123:ABC/sendPhoto ") {
				t.Fatalf("Telegram received %.300q", sent)
			}
			for _, want := range []string{`name="chat_id"`, "555", `name="caption"`, "Our cat", `name="photo"; filename="cat.png"`, "Content-Type: image/png", string(image)} {
				if !strings.Contains(sent[0], want) {
					t.Errorf("sendPhoto lacks %.40q", want)
				}
			}
		},
		inbox.ChannelSMS: func(t *testing.T, sent []string) {
			if len(sent) != 1 || !strings.Contains(sent[0], "Body=Our cat") {
				t.Fatalf("Twilio received %q", sent)
			}
			_, rest, _ := strings.Cut(sent[0], "MediaUrl=")
			link, _, _ := strings.Cut(rest, "&To=") // the form is recorded unescaped, its keys sorted
			checkPublicLink(t, link, image)
		},
		inbox.ChannelRCS: func(t *testing.T, sent []string) {
			_, body, _ := strings.Cut(sent[len(sent)-1], " ")
			var msg struct {
				ContentMessage struct {
					ContentInfo struct {
						FileURL string `json:"fileUrl"`
					} `json:"contentInfo"`
				} `json:"contentMessage"`
			}
			must(t, json.Unmarshal([]byte(body), &msg))
			checkPublicLink(t, msg.ContentMessage.ContentInfo.FileURL, image)
		},
	}
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		for _, f := range fixtures {
			t.Run(name+"/"+string(f.kind), func(t *testing.T) {
				s := newStackOn(t, open(t))
				convID := s.conversationOf(f, s.channel(f))
				a := s.uploaded("../../etc/cat.png", image)
				if a["mime_type"] != "image/png" || a["file_name"] != "cat.png" || a["size"] != float64(len(image)) || a["media_id"] == "" {
					t.Errorf("upload answered %v", a)
				}
				if code, ct, body := fetch(t, s.srv.URL+a["url"].(string)); code != 200 || ct != "image/png" || !bytes.Equal(body, image) {
					t.Errorf("the upload's signed link: %d %s, %d bytes", code, ct, len(body))
				}

				reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{
					"attachments": []any{map[string]any{"media_id": a["media_id"], "caption": "Our cat"}}}, 201)["message"].(map[string]any)
				if reply["content_type"] != "image" || reply["status"] != "queued" {
					t.Errorf("reply: %v", reply)
				}
				if n := s.outbox.RunOnce(context.Background()); n != 1 {
					t.Fatalf("the outbox sent %d", n)
				}
				checks[f.kind](t, s.fake.requests())

				m, err := s.st.GetMessage(context.Background(), s.tenant, uuid.MustParse(reply["id"].(string)))
				must(t, err)
				if m.Status != inbox.DeliverySent || m.ProviderMessageID == "" {
					t.Errorf("stored status %s, provider id %q, error %q", m.Status, m.ProviderMessageID, m.Error)
				}
				detail := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)
				msgs := detail["messages"].([]any)
				atts := msgs[len(msgs)-1].(map[string]any)["attachments"].([]any)
				shown := atts[0].(map[string]any)
				if len(atts) != 1 || shown["mime_type"] != "image/png" || shown["file_name"] != "cat.png" || shown["size"] != float64(len(image)) || shown["caption"] != "Our cat" {
					t.Fatalf("the thread shows %v", atts)
				}
				if code, _, body := fetch(t, s.srv.URL+shown["url"].(string)); code != 200 || !bytes.Equal(body, image) {
					t.Errorf("the thread's link: %d, %d bytes", code, len(body))
				}
			})
		}
	}
}

// checkPublicLink: the link a provider fetches is absolute, under the public URL, and opens
// the file without a token.
func checkPublicLink(t *testing.T, link string, want []byte) {
	t.Helper()
	if !strings.HasPrefix(link, "http://127.0.0.1:") || !strings.Contains(link, "/v1/media/uploads/") || !strings.Contains(link, "sig=") {
		t.Fatalf("the provider got the link %q", link)
	}
	if code, ct, body := fetch(t, link); code != 200 || ct != "image/png" || !bytes.Equal(body, want) {
		t.Errorf("the provider's link: %d %s, %d bytes", code, ct, len(body))
	}
}

// TestUploadRefusals: what cannot be uploaded or sent is refused in the v1 envelope and
// stores no message: a viewer's upload (403), an empty file (400), a body that is not a
// form, a file over 100 MB (413), another business's file (404), and files over a
// provider's limits or on a channel that sends none (400, naming the limit).
func TestUploadRefusals(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) { testUploadRefusals(t, newStackOn(t, open(t))) })
	}
}

func testUploadRefusals(t *testing.T, s *stack) {
	ctx := context.Background()
	viewer := uuid.New()
	must(t, s.st.CreateUser(ctx, inbox.User{ID: viewer, TenantID: s.tenant, FirstName: "Vic", LastName: "Viewer", Email: "vic@e2e.test", Role: auth.RoleViewer, PasswordHash: "x", CreatedAt: time.Now()}))
	viewerToken, _ := s.tokens.Issue(auth.Principal{TenantID: s.tenant, UserID: viewer, Role: auth.RoleViewer}, auth.AudienceAPI, time.Hour)
	if code, e := s.upload(viewerToken, "cat.png", bytes.NewReader(pngOf(100))); code != 403 || e["code"] != "FORBIDDEN" {
		t.Errorf("a viewer's upload: %d %v", code, e)
	}
	if code, e := s.upload(s.token, "empty.txt", bytes.NewReader(nil)); code != 400 || e["code"] != "VALIDATION_ERROR" {
		t.Errorf("an empty file: %d %v", code, e)
	}
	s.api("POST", "/v1/media", map[string]any{"file": "not a form"}, 400)
	big := io.MultiReader(bytes.NewReader(pngOf(1024)), io.LimitReader(zeros{}, channels.MaxUploadBytes))
	if code, e := s.upload(s.token, "huge.png", big); code != 413 || e["code"] != "PAYLOAD_TOO_LARGE" || !strings.Contains(e["message"].(string), "100 MB") {
		t.Errorf("a file over 100 MB: %d %v", code, e)
	}

	wa := s.conversationOf(fixtures[0], s.channel(fixtures[0]))
	send := func(conv string, want int, body map[string]any) map[string]any {
		t.Helper()
		res := s.rawAPI("POST", "/v1/conversations/"+conv+"/messages", body, want)
		if n := s.messageCount(conv); n != 1 {
			t.Errorf("%d messages after a refused send, want the contact's 1", n)
		}
		return res
	}
	attach := func(a map[string]any, extra ...string) map[string]any {
		body := map[string]any{"attachments": []any{map[string]any{"media_id": a["media_id"]}}}
		if len(extra) == 2 {
			body[extra[0]] = extra[1]
		}
		return body
	}

	// Another business's file is not found, to send or to open.
	other, otherAdmin := uuid.New(), uuid.New()
	must(t, s.st.CreateTenant(ctx, inbox.Tenant{ID: other, Name: "Other", CreatedAt: time.Now()}))
	must(t, s.st.CreateUser(ctx, inbox.User{ID: otherAdmin, TenantID: other, FirstName: "Otto", LastName: "Other", Email: "otto@other.test", Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: time.Now()}))
	otherToken, _ := s.tokens.Issue(auth.Principal{TenantID: other, UserID: otherAdmin, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	code, theirs := s.upload(otherToken, "secret.png", bytes.NewReader(pngOf(100)))
	if code != 201 {
		t.Fatalf("the other business's upload: %d %v", code, theirs)
	}
	if e := send(wa, 404, attach(theirs)); e["code"] != "NOT_FOUND" {
		t.Errorf("sending another business's file: %v", e)
	}
	path, _, _ := strings.Cut(theirs["url"].(string), "?")
	s.api("GET", path, nil, 404)

	// WhatsApp's limits: images of 5 MB, in JPEG or PNG.
	large := s.uploaded("large.png", pngOf(6<<20))
	if e := send(wa, 400, attach(large)); !strings.Contains(detail(e), "WhatsApp takes image files of at most 5 MB; this one is 6 MB") {
		t.Errorf("a 6 MB image on WhatsApp: %v", e)
	}
	pdf := s.uploaded("terms.pdf", []byte("%PDF-1.4 terms"))
	if pdf["mime_type"] != "application/pdf" {
		t.Errorf("a PDF's type: %v", pdf["mime_type"])
	}
	if e := send(wa, 400, attach(pdf, "content_type", "image")); !strings.Contains(detail(e), "WhatsApp does not send application/pdf as image: it takes image/jpeg, image/png") {
		t.Errorf("a PDF as an image on WhatsApp: %v", e)
	}
	two := map[string]any{"attachments": []any{map[string]any{"media_id": pdf["media_id"]}, map[string]any{"media_id": pdf["media_id"]}}}
	if e := send(wa, 400, two); !strings.Contains(detail(e), "WhatsApp sends one file per message") {
		t.Errorf("two files on WhatsApp: %v", e)
	}
	if e := send(wa, 400, map[string]any{"attachments": []any{map[string]any{"media_id": "not-an-id"}}}); e["code"] != "VALIDATION_ERROR" {
		t.Errorf("a media_id of no upload's form: %v", e)
	}

	// Twilio's MMS: 5 MB of files per message.
	sms := s.conversationOfPhone(fixtures[2])
	three := s.uploaded("a.png", pngOf(3<<20))
	again := s.uploaded("b.png", pngOf(3<<20))
	body := map[string]any{"attachments": []any{map[string]any{"media_id": three["media_id"]}, map[string]any{"media_id": again["media_id"]}}}
	if e := send(sms, 400, body); !strings.Contains(detail(e), "Twilio MMS takes at most 5 MB of files per message; these are 6 MB") {
		t.Errorf("6 MB on MMS: %v", e)
	}

	// A voice channel sends no files.
	hookURL := channels.WebhookURL(s.srv.URL, s.channel(voiceFixture))
	if code, _ := s.voice(hookURL, "", twilio.IncomingCall("AC1", "CAvoice", "+15553330003", "+15559870000")); code != 200 {
		t.Fatalf("incoming call: %d", code)
	}
	var voice string
	for _, c := range s.api("GET", "/v1/conversations?channel=voice", nil, 200)["conversations"].([]any) {
		voice = c.(map[string]any)["id"].(string)
	}
	if e := send(voice, 400, attach(three)); !strings.Contains(detail(e), "A voice channel cannot send files") {
		t.Errorf("a file on a voice channel: %v", e)
	}
	if sent := s.fake.requests(); len(sent) != 0 {
		t.Errorf("refused sends reached the provider: %q", sent)
	}
}

// conversationOfPhone is conversationOf for a second channel of the stack: the conversation
// of the fixture's contact on it.
func (s *stack) conversationOfPhone(f fixture) string {
	s.t.Helper()
	ch := s.channel(f)
	if code := s.hook(f.inbound(channels.WebhookURL(s.srv.URL, ch), 1, "Send them by MMS")); code/100 != 2 {
		s.t.Fatalf("inbound webhook: %d", code)
	}
	for _, c := range s.api("GET", "/v1/conversations?channel="+string(f.kind), nil, 200)["conversations"].([]any) {
		return c.(map[string]any)["id"].(string)
	}
	s.t.Fatal("no conversation")
	return ""
}

// rawAPI is api for a failure: it returns the error object (code, message, details).
func (s *stack) rawAPI(method, path string, body any, want int) map[string]any {
	s.t.Helper()
	o := s.call(method, path, body)
	if o.status != want {
		s.t.Fatalf("%s %s: %d, want %d: %s %v", method, path, o.status, want, o.message, o.details)
	}
	return map[string]any{"code": o.code, "message": o.message, "details": o.details}
}

// detail is an error's message and details, as one text to search.
func detail(e map[string]any) string {
	b, _ := json.Marshal(e)
	return string(b)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestUploadTypesAndNames: the type is the bytes', the extension refining only what the
// bytes cannot tell; a name never makes a page of a file, and names are made safe.
func TestUploadTypesAndNames(t *testing.T) {
	s := newStack(t)
	for _, c := range []struct {
		name, body       string
		wantType, wantAs string
	}{
		{"cat.jpg", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "cat.jpg"}, // the bytes win
		{"offer.docx", "PK\x03\x04\x14\x00\x06\x00", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "offer.docx"},
		{"voice.opus", "OggS\x00\x02\x00\x00\x00\x00", "audio/ogg", "voice.opus"},
		{"song.m4a", "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "audio/mp4", "song.m4a"},
		{"notes.txt", "plain words", "text/plain", "notes.txt"},
		{"page.html", "plain words", "text/plain", "page.html"},                             // never text/html by its name
		{"logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>", "text/plain", "logo.svg"}, // never image/svg+xml by its name
		{"x.exe", "MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream", "x.exe"},
		{`C:\Users\ada\report "final".pdf`, "%PDF-1.7", "application/pdf", "report _final_.pdf"},
		{"..", "%PDF-1.7", "application/pdf", "file.pdf"},
	} {
		a := s.uploaded(c.name, []byte(c.body))
		if a["mime_type"] != c.wantType || a["file_name"] != c.wantAs {
			t.Errorf("%q: %v as %q, want %s as %q", c.name, a["mime_type"], a["file_name"], c.wantType, c.wantAs)
		}
	}
}

// TestUploadedFileRetried: a file reply is an outbox item like any reply: the provider's
// temporary failure of the upload leaves it queued with the error, the next attempt sends
// it, and agents get its message_status.
func TestUploadedFileRetried(t *testing.T) {
	s := newStack(t)
	convID := s.conversationOf(fixtures[0], s.channel(fixtures[0]))
	ws := s.socket()
	a := s.uploaded("cat.png", pngOf(512))
	reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"attachments": []any{map[string]any{"media_id": a["media_id"]}}}, 201)["message"].(map[string]any)
	id := uuid.MustParse(reply["id"].(string))

	s.fake.fail(503) // the upload to /media
	s.outbox.RunOnce(context.Background())
	m, err := s.st.GetMessage(context.Background(), s.tenant, id)
	must(t, err)
	if m.Status != inbox.DeliveryQueued || !strings.Contains(m.Error, "503") || len(s.fake.requests()) != 0 {
		t.Fatalf("after a 503: status %s, error %q, sent %q", m.Status, m.Error, s.fake.requests())
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.outbox.RunOnce(context.Background()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the backoff
	}
	if st := ws.until("message_status"); st["status"] != "queued" || st["send_attempts"] != float64(1) {
		t.Errorf("message_status of the failed attempt: %v", st)
	}
	if st := ws.until("message_status"); st["status"] != "sent" || st["message_id"] != reply["id"] {
		t.Errorf("message_status: %v", st)
	}
	if sent := s.fake.requests(); len(sent) != 2 || !strings.HasPrefix(sent[0], "/PNID/media ") {
		t.Errorf("the retry sent %.200q", sent)
	}
}
