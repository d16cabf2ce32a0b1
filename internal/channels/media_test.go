package channels_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
)

// testClock is the clock media links are signed and checked by.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newMedia gives the stack a media proxy over a filesystem store, whose copy queue runs
// until the test ends; links live a minute, and the fake providers on 127.0.0.1 are allowed.
// Uploads go to the store when it keeps them (not a test's wrapper of it).
func (s *stack) newMedia(providers map[inbox.ChannelKind]provider.Provider, publicURL string) {
	files, err := mediastore.NewFS(s.t.TempDir())
	must(s.t, err)
	s.files, s.clock = files, &testClock{t: time.Now()}
	uploads, _ := s.st.(channels.UploadStore)
	s.media = channels.NewMedia(s.svc, providers, channels.MediaOptions{Store: files, Client: http.DefaultClient, Tokens: s.tokens,
		LinkKey: s.tokens.DeriveKey("teaminbox media links"), LinkTTL: time.Minute, ExtraHosts: []string{"127.0.0.1"}, Log: quiet, Now: s.clock.Now,
		Uploads: uploads, PublicURL: publicURL})
	s.media.RetryBackoff = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	s.t.Cleanup(cancel)
	go s.media.Run(ctx)
}

// mediaFake speaks the media APIs of every provider and records each request it gets.
type mediaFake struct {
	srv *httptest.Server

	mu        sync.Mutex
	calls     []string
	forgotten bool          // the provider no longer has any file
	failures  int           // file downloads to answer 500 first
	hold      chan struct{} // when set, file downloads wait until it is closed
	cdnHost   string        // host of the file URLs the WhatsApp lookup answers
	redirect  string        // when set, the WhatsApp CDN redirects there
}

func newMediaFake(t testing.TB) *mediaFake {
	f := &mediaFake{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.cdnHost = f.srv.Listener.Addr().String()
	return f
}

// localhost is the fake's address under another name, which no allow-list has.
func (f *mediaFake) localhost() string {
	return "localhost:" + f.srv.URL[strings.LastIndex(f.srv.URL, ":")+1:]
}

func (f *mediaFake) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *mediaFake) forget() {
	f.mu.Lock()
	f.forgotten, f.calls = true, nil
	f.mu.Unlock()
}

// fileBody is what the fake serves at a path.
func fileBody(path string) string { return "the bytes of " + path }

func (f *mediaFake) serve(w http.ResponseWriter, r *http.Request) {
	if adminCall(r) { // the channel's creation: not what these tests look at
		answerAdmin(w, r, nil)
		return
	}
	call := r.Method + " " + r.URL.EscapedPath()
	if u, p, ok := r.BasicAuth(); ok {
		call += " basic=" + u + ":" + p
	} else if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		call += " bearer=" + tok
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	forgotten, hold, cdnHost, redirect := f.forgotten, f.hold, f.cdnHost, f.redirect
	f.mu.Unlock()
	if forgotten {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"message":"media not found","code":100},"ok":false,"description":"file not found"}`)
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/getFile"): // Telegram
		io.WriteString(w, `{"ok":true,"result":{"file_id":"x","file_unique_id":"u","file_path":"photos/file_7.jpg"}}`)
		return
	case strings.Trim(path, "/0123456789") == "": // WhatsApp's media lookup
		fmt.Fprintf(w, `{"messaging_product":"whatsapp","url":"http://%s/cdn%s","mime_type":"image/jpeg","id":"%s"}`, cdnHost, path, path[1:])
		return
	case strings.HasPrefix(path, "/cdn/") && redirect != "":
		http.Redirect(w, r, redirect, http.StatusFound)
		return
	}
	if hold != nil {
		<-hold
	}
	f.mu.Lock()
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	f.mu.Unlock()
	if fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	ct := "image/jpeg"
	switch {
	case strings.HasSuffix(path, ".mp3"):
		ct = "audio/mpeg"
	case strings.Contains(path, "/Media/"):
		ct = "image/png"
	}
	w.Header().Set("Content-Type", ct)
	io.WriteString(w, fileBody(path))
}

const (
	mmsSID       = "MM0123456789abcdef0123456789abcdef"
	mmsMediaSID  = "ME0123456789abcdef0123456789abcdef"
	recordingSID = "RE0123456789abcdef0123456789abcdef"
	waMediaID    = "1037543291543636"
	tgFileID     = "AgACAgIAAxkBAAIBZ2ZkYV9fX0_-AAEq"
)

// mediaCase is one provider's inbound file: the webhook that brings it, its media id, and
// the request the provider gets for the file.
type mediaCase struct {
	kind     inbox.ChannelKind
	config   map[string]string
	webhooks func(hookURL, fakeURL string) []*http.Request
	mediaID  func(fakeURL string) string
	filePath string // the file's path at the provider
	mime     string
	auth     string // the credentials the file request carries
}

func twilioVoicePosts(hookURL string) []*http.Request {
	const callSID = "CA0123456789abcdef0123456789abcdef"
	call := twilio.IncomingCall("AC1", callSID, "+15551230000", "+15559870000")
	rec := twilio.VoicemailRecording("AC1", callSID, recordingSID, "+15551230000", 7)
	return []*http.Request{twilioPost(hookURL, call), twilioPost(hookURL+"?event=recording", rec)}
}

var mediaCases = []mediaCase{
	{
		kind: inbox.ChannelWhatsApp, config: fixtures[0].config, mime: "image/jpeg", auth: " bearer=wa-token",
		webhooks: func(u, _ string) []*http.Request {
			b := whatsapp.MessageWebhook("PNID", "4915112345678", "Lena Klein", "wamid.img-1", "image",
				map[string]string{"id": waMediaID, "mime_type": "image/jpeg", "caption": "the parcel"}, t0)
			return []*http.Request{signedPost(u, b, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", b), "application/json")}
		},
		mediaID:  func(string) string { return waMediaID },
		filePath: "/cdn/" + waMediaID,
	},
	{
		kind: inbox.ChannelTelegram, config: fixtures[1].config, mime: "image/jpeg",
		webhooks: func(u, _ string) []*http.Request {
			b := telegram.MessageUpdate(1, 555, 1, "Lena", map[string]any{"caption": "the parcel", "photo": []telegram.File{
				{FileID: tgFileID + "-small", FileUniqueID: "small"}, {FileID: tgFileID, FileUniqueID: "large", FileSize: 2048}}}, t0)
			return []*http.Request{signedPost(u, b, "X-Telegram-Bot-Api-Secret-Token", "tg_secret", "application/json")}
		},
		mediaID:  func(string) string { return tgFileID },
		filePath: "/file/bot123:ABC/photos/file_7.jpg",
	},
	{
		kind: inbox.ChannelSMS, config: fixtures[2].config, mime: "image/png", auth: " basic=AC1:tw-token",
		webhooks: func(u, _ string) []*http.Request {
			form := twilio.InboundSMS("AC1", mmsSID, "+15551230000", "+15559870000", "the parcel")
			form.Set("NumMedia", "1")
			form.Set("MediaContentType0", "image/png")
			form.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/"+mmsSID+"/Media/"+mmsMediaSID)
			return []*http.Request{twilioPost(u, form)}
		},
		mediaID:  func(string) string { return mmsSID + ":" + mmsMediaSID },
		filePath: "/2010-04-01/Accounts/AC1/Messages/" + mmsSID + "/Media/" + mmsMediaSID,
	},
	{
		kind: inbox.ChannelVoice, config: map[string]string{"account_sid": "AC1", "auth_token": "tw-token"}, mime: "audio/mpeg", auth: " basic=AC1:tw-token",
		webhooks: func(u, _ string) []*http.Request { return twilioVoicePosts(u) },
		mediaID:  func(string) string { return recordingSID },
		filePath: "/2010-04-01/Accounts/AC1/Recordings/" + recordingSID + ".mp3",
	},
	{
		kind: inbox.ChannelRCS, config: fixtures[3].config, mime: "image/jpeg",
		webhooks: func(u, fakeURL string) []*http.Request {
			b, sig := rcs.Push("rcs-token", rcs.FileEvent("agent", "+15551230000", "rcs-file-1", fakeURL+"/rcs/photo-1", "image/jpeg", t0))
			return []*http.Request{signedPost(u, b, "X-Goog-Signature", sig, "application/json")}
		},
		mediaID: func(fakeURL string) string {
			return base64.RawURLEncoding.EncodeToString([]byte(fakeURL + "/rcs/photo-1"))
		},
		filePath: "/rcs/photo-1",
	},
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// attachmentOf returns the only attachment of the conversation's media message.
func (s *stack) attachmentOf(ch inbox.Channel) map[string]any {
	s.t.Helper()
	convs := s.api("GET", "/v1/conversations?channel="+string(ch.Kind), nil, 200)["conversations"].([]any)
	if len(convs) != 1 {
		s.t.Fatalf("%d conversations", len(convs))
	}
	id := convs[0].(map[string]any)["id"].(string)
	for _, m := range s.api("GET", "/v1/conversations/"+id, nil, 200)["conversation"].(map[string]any)["messages"].([]any) {
		if atts := m.(map[string]any)["attachments"].([]any); len(atts) > 0 {
			return atts[0].(map[string]any)
		}
	}
	s.t.Fatal("no message with an attachment")
	return nil
}

// get fetches a path of the server with an optional Authorization header.
func (s *stack) get(path, authorization string) (int, http.Header, string) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	must(s.t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// TestMediaStoredOnArrival: for every provider, a webhook with a file answers at once, the
// file is copied into the store (the data folder) in the background, with the channel's
// credentials, and the agents' signed link serves it after the provider has forgotten it.
// Twilio's MMS and recordings are served like the others, never as Twilio links.
func TestMediaStoredOnArrival(t *testing.T) {
	for _, c := range mediaCases {
		t.Run(string(c.kind), func(t *testing.T) {
			s := newStack(t)
			fake := newMediaFake(t)
			ch := s.channelAt(fixture{kind: c.kind, config: c.config}, fake.srv.URL)
			for _, r := range c.webhooks(channels.WebhookURL(s.srv.URL, ch), fake.srv.URL) {
				if code := s.hook(r); code/100 != 2 {
					t.Fatalf("webhook: %d", code)
				}
			}
			mediaID := c.mediaID(fake.srv.URL)
			onDisk := s.files.Path(s.tenant.String() + "/" + ch.ID.String() + "/" + mediaID)
			waitFor(t, "the file in the data folder", func() bool { _, err := os.Stat(onDisk); return err == nil })
			if raw, _ := os.ReadFile(onDisk); !strings.HasSuffix(string(raw), fileBody(c.filePath)) {
				t.Errorf("on disk: %q", raw)
			}
			if !contains(fake.requests(), "GET "+c.filePath+c.auth) {
				t.Errorf("the provider got %q, want GET %s with %q", fake.requests(), c.filePath, c.auth)
			}

			fake.forget()
			a := s.attachmentOf(ch)
			link, _ := a["url"].(string)
			if a["media_id"] != mediaID || !strings.HasPrefix(link, channels.MediaPath(ch.ID, mediaID)+"?") {
				t.Fatalf("attachment %v, want a signed link to %s", a, channels.MediaPath(ch.ID, mediaID))
			}
			code, h, body := s.get(link, "")
			if code != 200 || body != fileBody(c.filePath) || h.Get("Content-Type") != c.mime {
				t.Fatalf("signed link: %d %s %q", code, h.Get("Content-Type"), body)
			}
			if got := fake.requests(); len(got) != 0 {
				t.Errorf("the provider was asked again: %q", got)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestMediaCopyRetries: a provider error on the background copy is retried.
func TestMediaCopyRetries(t *testing.T) {
	s := newStack(t)
	fake := newMediaFake(t)
	fake.failures = 2
	c := mediaCases[0]
	ch := s.channelAt(fixture{kind: c.kind, config: c.config}, fake.srv.URL)
	s.hook(c.webhooks(channels.WebhookURL(s.srv.URL, ch), fake.srv.URL)[0])
	onDisk := s.files.Path(s.tenant.String() + "/" + ch.ID.String() + "/" + waMediaID)
	waitFor(t, "the file after two failures", func() bool { _, err := os.Stat(onDisk); return err == nil })
	n := 0
	for _, r := range fake.requests() {
		if strings.HasPrefix(r, "GET /cdn/") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d downloads, want 3: %q", n, fake.requests())
	}
}

// TestMediaWebhookDoesNotWait: the webhook answers while the provider still holds the file.
func TestMediaWebhookDoesNotWait(t *testing.T) {
	s := newStack(t)
	fake := newMediaFake(t)
	fake.hold = make(chan struct{})
	released := false
	release := func() {
		if !released {
			released = true
			close(fake.hold)
		}
	}
	t.Cleanup(release)
	c := mediaCases[0]
	ch := s.channelAt(fixture{kind: c.kind, config: c.config}, fake.srv.URL)
	// Were the webhook waiting for the file, it would wait until release: give up long before.
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(c.webhooks(channels.WebhookURL(s.srv.URL, ch), fake.srv.URL)[0])
	if err != nil {
		t.Fatalf("the webhook did not answer while the provider held the file: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("webhook: %d", res.StatusCode)
	}
	onDisk := s.files.Path(s.tenant.String() + "/" + ch.ID.String() + "/" + waMediaID)
	if _, err := os.Stat(onDisk); err == nil {
		t.Fatal("the file was stored before the provider sent it")
	}
	release()
	waitFor(t, "the file", func() bool { _, err := os.Stat(onDisk); return err == nil })
}

// TestMediaIDIsCheckedBeforeTheProvider: the path of the issue, and ids of the wrong form for
// each provider, are 400 and reach no provider.
func TestMediaIDIsCheckedBeforeTheProvider(t *testing.T) {
	s := newStack(t)
	fake := newMediaFake(t)
	chans := map[inbox.ChannelKind]inbox.Channel{}
	for _, c := range mediaCases {
		chans[c.kind] = s.channelAt(fixture{kind: c.kind, config: c.config}, fake.srv.URL)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bad := []struct {
		kind inbox.ChannelKind
		id   string // escaped
	}{
		{inbox.ChannelWhatsApp, "..%2F..%2Fadmin%2Fusers"},
		{inbox.ChannelWhatsApp, "123%3Ffields%3Daccess_token"},
		{inbox.ChannelWhatsApp, "wamid.HBgL"},
		{inbox.ChannelTelegram, "..%2FgetMe"},
		{inbox.ChannelTelegram, "abc%20def"},
		{inbox.ChannelSMS, mmsMediaSID},
		{inbox.ChannelSMS, mmsSID + ":" + mmsMediaSID + "%2F..%2F.."},
		{inbox.ChannelVoice, "RE0123"},
		{inbox.ChannelVoice, mmsMediaSID},
		{inbox.ChannelRCS, b64("file:///etc/passwd")},
		{inbox.ChannelRCS, b64("http://user:pw@" + fake.localhost() + "/rcs/x")},
		{inbox.ChannelRCS, "not*base64"},
	}
	for _, b := range bad {
		code, _, body := s.get(mediaPrefix(chans[b.kind])+b.id, "Bearer "+s.token)
		if code != 400 || !strings.Contains(body, "VALIDATION_ERROR") {
			t.Errorf("%s %s: %d %s, want 400", b.kind, b.id, code, body)
		}
	}
	if got := fake.requests(); len(got) != 0 {
		t.Errorf("the provider was called: %q", got)
	}
}

func mediaPrefix(ch inbox.Channel) string { return "/v1/media/" + ch.ID.String() + "/" }

// TestMediaFetchStaysOnAllowedHosts: a file URL, or a redirect, to a host outside the
// provider's media hosts is never requested.
func TestMediaFetchStaysOnAllowedHosts(t *testing.T) {
	s := newStack(t)
	fake := newMediaFake(t)
	wa := s.channelAt(fixture{kind: inbox.ChannelWhatsApp, config: fixtures[0].config}, fake.srv.URL)
	fake.cdnHost = fake.localhost()
	if code, _, _ := s.get(channels.MediaPath(wa.ID, waMediaID), "Bearer "+s.token); code != 502 {
		t.Errorf("file URL on another host: %d, want 502", code)
	}
	if got := fake.requests(); len(got) != 1 || got[0] != "GET /"+waMediaID+" bearer=wa-token" {
		t.Errorf("the provider got %q, want only the lookup", got)
	}

	fake.forget()
	fake.mu.Lock()
	fake.forgotten, fake.cdnHost, fake.redirect = false, fake.srv.Listener.Addr().String(), "http://"+fake.localhost()+"/elsewhere"
	fake.mu.Unlock()
	if code, _, _ := s.get(channels.MediaPath(wa.ID, waMediaID), "Bearer "+s.token); code != 502 {
		t.Errorf("redirect to another host: %d, want 502", code)
	}
	if got := fake.requests(); contains(got, "GET /elsewhere") || len(got) != 2 {
		t.Errorf("the provider got %q, want the lookup and the CDN, not the redirect", got)
	}

	rcsCh := s.channelAt(fixture{kind: inbox.ChannelRCS, config: fixtures[3].config}, fake.srv.URL)
	fake.forget()
	id := base64.RawURLEncoding.EncodeToString([]byte("http://" + fake.localhost() + "/rcs/x"))
	if code, _, _ := s.get(channels.MediaPath(rcsCh.ID, id), "Bearer "+s.token); code != 502 {
		t.Errorf("RCS file on a host outside the list: %d, want 502", code)
	}
	if got := fake.requests(); len(got) != 0 {
		t.Errorf("the provider got %q", got)
	}
}

// TestMediaLinks: links in API answers are signed for one file and expire; the WebSocket's
// token opens nothing; an API token opens media only in the Authorization header, and only
// its own tenant's.
func TestMediaLinks(t *testing.T) {
	s := newStack(t)
	fake := newMediaFake(t)
	c := mediaCases[0]
	ch := s.channelAt(fixture{kind: c.kind, config: c.config}, fake.srv.URL)
	s.hook(c.webhooks(channels.WebhookURL(s.srv.URL, ch), fake.srv.URL)[0])
	link := s.attachmentOf(ch)["url"].(string)
	if code, _, body := s.get(link, ""); code != 200 || body != fileBody(c.filePath) {
		t.Fatalf("signed link: %d %q", code, body)
	}
	inboxMsgs := s.api("GET", "/team-inbox/api/messages/", nil, 200)["messages"].([]any)
	content := inboxMsgs[0].(map[string]any)["content"].(map[string]any)
	if u := content["attachments"].([]any)[0].(map[string]any)["url"]; u != link {
		t.Errorf("team-inbox link %v, want %s", u, link)
	}

	u, _ := url.Parse(link)
	q := u.Query()
	tampered := func(key, value string) string {
		q2 := url.Values{"exp": {q.Get("exp")}, "sig": {q.Get("sig")}}
		q2.Set(key, value)
		return u.Path + "?" + q2.Encode()
	}
	for name, l := range map[string]string{
		"another file":      channels.MediaPath(ch.ID, "1037543291543637") + "?" + u.RawQuery,
		"a later expiry":    tampered("exp", fmt.Sprint(time.Now().Add(time.Hour).Unix())),
		"another signature": tampered("sig", base64.RawURLEncoding.EncodeToString(make([]byte, 32))),
		"no signature":      u.Path + "?exp=" + q.Get("exp"),
		"another channel":   channels.MediaPath(uuid.New(), waMediaID) + "?" + u.RawQuery,
	} {
		if code, _, _ := s.get(l, ""); code != 401 {
			t.Errorf("%s: %d, want 401", name, code)
		}
	}

	me := s.api("GET", "/v1/auth/me", nil, 200)["user"].(map[string]any)
	p := auth.Principal{TenantID: s.tenant, UserID: uuid.MustParse(me["id"].(string)), Role: auth.RoleAdmin}
	wsToken, _ := s.tokens.Issue(p, auth.AudienceWebSocket, time.Hour)
	if code, _, _ := s.get(u.Path+"?token="+wsToken, ""); code != 401 {
		t.Errorf("WebSocket token in the query: %d, want 401", code)
	}
	if code, _, _ := s.get(u.Path, "Bearer "+wsToken); code != 401 {
		t.Errorf("WebSocket token in the header: %d, want 401", code)
	}
	if code, _, _ := s.get(u.Path+"?token="+s.token, ""); code != 401 {
		t.Errorf("API token in the query: %d, want 401", code)
	}
	if code, _, _ := s.get(u.Path, "Bearer "+s.token); code != 200 {
		t.Errorf("API token in the header: %d, want 200", code)
	}
	nobody, _ := s.tokens.Issue(auth.Principal{TenantID: uuid.New(), UserID: uuid.New(), Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	if code, _, _ := s.get(u.Path, "Bearer "+nobody); code != 401 {
		t.Errorf("the API token of no user: %d, want 401", code)
	}
	ctx := context.Background()
	otherTenant := inbox.Tenant{ID: uuid.New(), Name: "Other", CreatedAt: time.Now()}
	otherAdmin := inbox.User{ID: uuid.New(), TenantID: otherTenant.ID, FirstName: "Oda", Email: "oda@other.test", Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: time.Now()}
	must(t, s.st.CreateTenant(ctx, otherTenant))
	must(t, s.st.CreateUser(ctx, otherAdmin))
	other, _ := s.tokens.Issue(auth.Principal{TenantID: otherTenant.ID, UserID: otherAdmin.ID, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	if code, _, _ := s.get(u.Path, "Bearer "+other); code != 404 {
		t.Errorf("another tenant's API token: %d, want 404", code)
	}

	s.clock.Advance(3 * time.Minute) // links live a minute, rounded up to the next minute
	if code, _, _ := s.get(link, ""); code != 401 {
		t.Errorf("expired link: %d, want 401", code)
	}
}
