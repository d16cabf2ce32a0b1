package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Vectors V4 and V5 of channels.md §8.
func TestSignatureVectors(t *testing.T) {
	v4 := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}}
	const u4 = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := Sign("12345", u4, v4); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("V4 = %s", got)
	}
	if got := Sign("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", v4); got != "kvajT1Ptam85bY51eRf/AJRuM3w=" {
		t.Errorf("V4 with port = %s", got)
	}
	for _, sig := range []string{"RSOYDt4T1cUTdK1PDd93/VVr8B8=", "kvajT1Ptam85bY51eRf/AJRuM3w="} {
		if !Verify("12345", u4, v4, sig) {
			t.Errorf("V4 %s rejected", sig)
		}
	}
	v5 := url.Values{"AccountSid": {"AC00000000000000000000000000000001"}, "Body": {"Hello"}, "From": {"+15551230000"},
		"MessageSid": {"SM00000000000000000000000000000001"}, "NumMedia": {"0"}, "To": {"+15559870000"}}
	const u5 = "https://inbox.example.com/webhooks/twilio/sms"
	const s5 = "1dF3XawkihQq8b6FXeBNFE//LdQ="
	if !Verify("test_auth_token", u5, v5, s5) {
		t.Error("V5 rejected")
	}
	tampered := url.Values{}
	for k, v := range v5 {
		tampered[k] = v
	}
	tampered.Set("Body", "Hellp")
	dropped := url.Values{}
	for k, v := range v5 {
		if k != "NumMedia" {
			dropped[k] = v
		}
	}
	for name, c := range map[string]struct {
		token, url string
		params     url.Values
		sig        string
	}{
		"body changed": {"test_auth_token", u5, tampered, s5}, "param dropped": {"test_auth_token", u5, dropped, s5},
		"http": {"test_auth_token", strings.Replace(u5, "https", "http", 1), v5, s5}, "wrong token": {"other", u5, v5, s5},
		"missing": {"test_auth_token", u5, v5, ""},
	} {
		if Verify(c.token, c.url, c.params, c.sig) {
			t.Errorf("%s verified", name)
		}
	}
}

func channel(kind inbox.ChannelKind) inbox.Channel {
	return inbox.Channel{ID: uuid.New(), Kind: kind, Config: map[string]string{"account_sid": "AC1", "auth_token": "tok", "from_number": "+15559870000"}}
}

func webhook(t *testing.T, p provider.Provider, kind inbox.ChannelKind, target string, form url.Values) (provider.Batch, error) {
	t.Helper()
	body := form.Encode()
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	full := "https://inbox.example.com" + target
	r.Header.Set("X-Twilio-Signature", Sign("tok", full, form))
	return p.Webhook(r, []byte(body), channel(kind), full)
}

func TestSMSInboundAndStatus(t *testing.T) {
	b, err := webhook(t, SMS{}, inbox.ChannelSMS, "/webhooks/sms/x", url.Values{"MessageSid": {"MM1"}, "From": {"+15551230000"}, "To": {"+15559870000"},
		"Body": {"photo"}, "NumMedia": {"1"}, "MediaUrl0": {"https://api.twilio.com/x/Media/ME1"}, "MediaContentType0": {"image/png"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 1 || b.Messages[0].ProviderMessageID != "MM1" || b.Messages[0].ContentType != inbox.ContentImage ||
		b.Messages[0].Attachments[0].URL != "https://api.twilio.com/x/Media/ME1" || b.Messages[0].From.Phone != "+15551230000" {
		t.Errorf("inbound %+v", b.Messages)
	}
	if b.Reply == nil || !strings.Contains(string(b.Reply.Body), "<Response/>") || b.Reply.ContentType != "text/xml" {
		t.Errorf("reply %+v", b.Reply)
	}
	b, err = webhook(t, SMS{}, inbox.ChannelSMS, "/webhooks/sms/x", url.Values{"MessageSid": {"SM9"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}})
	if err != nil || len(b.Receipts) != 1 || b.Receipts[0].Status != inbox.DeliveryFailed || !strings.Contains(b.Receipts[0].Error, "30003") {
		t.Errorf("status %+v %v", b.Receipts, err)
	}
	r := httptest.NewRequest("POST", "/webhooks/sms/x", strings.NewReader("MessageSid=SM1"))
	r.Header.Set("X-Twilio-Signature", "bogus")
	if _, err := (SMS{}).Webhook(r, []byte("MessageSid=SM1"), channel(inbox.ChannelSMS), "https://inbox.example.com/webhooks/sms/x"); !errors.Is(err, provider.ErrSignature) {
		t.Errorf("bad signature: %v", err)
	}
}

func TestVoice(t *testing.T) {
	b, err := webhook(t, Voice{}, inbox.ChannelVoice, "/webhooks/voice/x", IncomingCall("AC1", "CA1", "+15551230000", "+15559870000"))
	if err != nil || len(b.Messages) != 1 || b.Messages[0].ContentType != inbox.ContentVoice || b.Messages[0].CallSID != "CA1" || b.Reply == nil {
		t.Fatalf("call: %+v %v", b.Messages, err)
	}
	twiml := string(b.Reply.Body)
	for _, want := range []string{`action="https://inbox.example.com/webhooks/voice/x?event=recorded"`,
		`recordingStatusCallback="https://inbox.example.com/webhooks/voice/x?event=recording"`,
		`recordingStatusCallbackEvent="in-progress completed absent"`, `</Record><Hangup></Hangup></Response>`} {
		if !strings.Contains(twiml, want) {
			t.Errorf("TwiML lacks %s:\n%s", want, twiml)
		}
	}
	// The <Record> action ends the call instead of starting over.
	action := IncomingCall("AC1", "CA1", "+15551230000", "+15559870000")
	action.Set("CallStatus", "in-progress")
	action.Set("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1")
	action.Set("RecordingDuration", "17")
	action.Set("Digits", "hangup")
	b, err = webhook(t, Voice{}, inbox.ChannelVoice, "/webhooks/voice/x?event=recorded", action)
	if err != nil || len(b.Messages) != 0 || b.Reply == nil || !strings.Contains(string(b.Reply.Body), "<Response><Hangup/></Response>") {
		t.Errorf("record action: %+v %v", b, err)
	}
	// Recording callbacks carry no caller, only the call: the inbox looks it up by CallSid.
	b, err = webhook(t, Voice{}, inbox.ChannelVoice, "/webhooks/voice/x?event=recording", RecordingCallback("AC1", "CA1", "RE1", "completed", "17"))
	if err != nil || len(b.Messages) != 1 || b.Messages[0].ProviderMessageID != "RE1" || b.Messages[0].CallSID != "CA1" ||
		b.Messages[0].From.Address != "" || b.Messages[0].Content != "Voicemail (17 s)" ||
		b.Messages[0].Attachments[0].URL != "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.mp3" {
		t.Errorf("recording: %+v %v", b.Messages, err)
	}
	for status, want := range map[string]inbox.CallUpdate{"in-progress": {SID: "CA1", RecordingStarted: true}, "absent": {SID: "CA1", Ended: inbox.CallNoRecording}} {
		b, err = webhook(t, Voice{}, inbox.ChannelVoice, "/webhooks/voice/x?event=recording", RecordingCallback("AC1", "CA1", "RE1", status, ""))
		if err != nil || len(b.Messages) != 0 || len(b.Calls) != 1 || b.Calls[0] != want {
			t.Errorf("recording %s: %+v %v", status, b, err)
		}
	}
	b, err = webhook(t, Voice{}, inbox.ChannelVoice, "/webhooks/voice/x?event=transcription", url.Values{"CallSid": {"CA1"},
		"TranscriptionSid": {"TR1"}, "TranscriptionText": {"please call back"}, "TranscriptionStatus": {"completed"}, "RecordingSid": {"RE1"}})
	if err != nil || len(b.Messages) != 1 || !strings.Contains(b.Messages[0].Content, "please call back") || b.Messages[0].CallSID != "CA1" {
		t.Errorf("transcription: %+v %v", b.Messages, err)
	}
	// Final statuses, at ?event=status or at the call's own URL, report how the call ended.
	for _, target := range []string{"/webhooks/voice/x?event=status", "/webhooks/voice/x"} {
		b, err = webhook(t, Voice{}, inbox.ChannelVoice, target, CallStatusCallback("AC1", "CA2", "+15551230000", "+15559870000", "no-answer", time.Date(2011, 8, 22, 17, 33, 1, 0, time.UTC)))
		if err != nil || len(b.Messages) != 0 || len(b.Calls) != 1 || b.Calls[0] != (inbox.CallUpdate{SID: "CA2", Ended: "no-answer"}) {
			t.Errorf("status at %s: %+v %v", target, b, err)
		}
	}
	if _, err := (Voice{}).Send(context.Background(), nil, channel(inbox.ChannelVoice), "+1", inbox.Message{}, ""); !provider.IsPermanent(err) {
		t.Errorf("voice send: %v", err)
	}
}

func TestSMSSend(t *testing.T) {
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if r.URL.Path != "/2010-04-01/Accounts/AC1/Messages.json" || user != "AC1" || pass != "tok" {
			t.Errorf("request %s %s:%s", r.URL.Path, user, pass)
		}
		raw, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(raw))
		w.WriteHeader(201)
		io.WriteString(w, `{"sid":"SM123","status":"queued","num_segments":"1"}`)
	}))
	defer srv.Close()
	ch := channel(inbox.ChannelSMS)
	ch.Config["api_base_url"] = srv.URL
	id, err := SMS{}.Send(context.Background(), srv.Client(), ch, "+15551230000", inbox.Message{Content: "Hi"}, "https://inbox.example.com/webhooks/sms/x")
	if err != nil || id != "SM123" {
		t.Fatalf("send %q %v", id, err)
	}
	if form.Get("To") != "+15551230000" || form.Get("From") != "+15559870000" || form.Get("Body") != "Hi" || form.Get("StatusCallback") == "" {
		t.Errorf("form %v", form)
	}
}
