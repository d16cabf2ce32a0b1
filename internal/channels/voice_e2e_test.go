package channels_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

var voiceFixture = fixture{kind: inbox.ChannelVoice, config: map[string]string{"account_sid": "AC1", "auth_token": "tw-token"}}

// voice posts a signed Twilio voice webhook to the channel's URL with the event query and
// returns the status and the TwiML answer.
func (s *stack) voice(hookURL, event string, form url.Values) (int, string) {
	s.t.Helper()
	u := hookURL
	if event != "" {
		u += "?event=" + event
	}
	res, err := http.DefaultClient.Do(twilioPost(u, form))
	must(s.t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// threads maps each contact's phone to the contents of its conversations' messages.
func (s *stack) threads() map[string][]string {
	s.t.Helper()
	out := map[string][]string{}
	for _, c := range s.api("GET", "/v1/conversations?limit=100", nil, 200)["conversations"].([]any) {
		c := c.(map[string]any)
		phone := c["end_user"].(map[string]any)["phone"].(string)
		detail := s.api("GET", "/v1/conversations/"+c["id"].(string), nil, 200)["conversation"].(map[string]any)
		for _, m := range detail["messages"].([]any) {
			out[phone] = append(out[phone], m.(map[string]any)["content"].(string))
		}
	}
	return out
}

// TestVoicemailReachesItsCaller: Twilio's recording callbacks carry only CallSid and the
// recording, never From/To. Two callers' voicemails, their callbacks interleaved, each land
// in the caller's own conversation, found by the call; the <Record> action hangs up instead
// of looping back to the greeting.
func TestVoicemailReachesItsCaller(t *testing.T) {
	s := newStack(t)
	ch := s.channel(voiceFixture)
	hookURL := channels.WebhookURL(s.srv.URL, ch)
	const ana, ben = "+15551110001", "+15552220002"

	for _, call := range []struct{ sid, from string }{{"CAana", ana}, {"CAben", ben}} {
		code, twiml := s.voice(hookURL, "", twilio.IncomingCall("AC1", call.sid, call.from, "+15559870000"))
		if code != 200 || !strings.Contains(twiml, `<Record action="`+hookURL+`?event=recorded"`) {
			t.Fatalf("incoming call %s: %d %s", call.sid, code, twiml)
		}
		s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", call.sid, "RE"+call.sid, "in-progress", ""))
	}
	action := twilio.IncomingCall("AC1", "CAana", ana, "+15559870000")
	action.Set("CallStatus", "in-progress")
	action.Set("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RECAana")
	action.Set("RecordingDuration", "12")
	if code, twiml := s.voice(hookURL, "recorded", action); code != 200 || !strings.Contains(twiml, "<Hangup/>") || strings.Contains(twiml, "<Say>") {
		t.Errorf("record action: %d %s, want a hangup", code, twiml)
	}
	// Ben's recording is ready first; neither callback says who called.
	for _, cb := range []struct{ event, sid, rec string }{{"recording", "CAben", "RECAben"}, {"recording", "CAana", "RECAana"}} {
		if code, _ := s.voice(hookURL, cb.event, twilio.RecordingCallback("AC1", cb.sid, cb.rec, "completed", "12")); code != 200 {
			t.Fatalf("recording callback %s: %d", cb.sid, code)
		}
	}
	transcript := url.Values{"AccountSid": {"AC1"}, "CallSid": {"CAana"}, "RecordingSid": {"RECAana"}, "TranscriptionSid": {"TRana"},
		"TranscriptionStatus": {"completed"}, "TranscriptionText": {"call me back"}}
	if code, _ := s.voice(hookURL, "transcription", transcript); code != 200 {
		t.Fatalf("transcription callback: %d", code)
	}
	// Both calls end after their voicemails: no missed calls.
	for _, call := range []struct{ sid, from string }{{"CAana", ana}, {"CAben", ben}} {
		s.voice(hookURL, "status", twilio.CallStatusCallback("AC1", call.sid, call.from, "+15559870000", "completed", time.Now()))
	}

	got := s.threads()
	want := map[string][]string{
		ana: {"Incoming call from " + ana, "Voicemail (12 s)", "Voicemail transcript: call me back"},
		ben: {"Incoming call from " + ben, "Voicemail (12 s)"},
	}
	if len(got) != len(want) || !slices.Equal(got[ana], want[ana]) || !slices.Equal(got[ben], want[ben]) {
		t.Errorf("conversations by phone:\n got %q\nwant %q", got, want)
	}
	// A recording of a call never answered here cannot be placed: it is refused, not stored
	// on a blank contact.
	if code, _ := s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", "CAnobody", "REnobody", "completed", "3")); code/100 == 2 {
		t.Errorf("a recording of an unknown call answered %d", code)
	}
	if n := len(s.threads()); n != 2 {
		t.Errorf("%d conversations after an unknown call's recording, want 2", n)
	}
}

// TestMissedCalls: a call that ends without a voicemail (busy, no answer, or the caller hung
// up before the recording, or left nothing the recording kept) shows as one missed call in
// the caller's conversation, however many callbacks say so; a call with a voicemail does not.
func TestMissedCalls(t *testing.T) {
	s := newStack(t)
	ch := s.channel(voiceFixture)
	hookURL := channels.WebhookURL(s.srv.URL, ch)
	ws := s.socket()
	call := func(sid, from string) {
		t.Helper()
		if code, _ := s.voice(hookURL, "", twilio.IncomingCall("AC1", sid, from, "+15559870000")); code != 200 {
			t.Fatalf("incoming call %s: %d", sid, code)
		}
		ws.until("new_message")
	}
	status := func(event, sid, from, st string) {
		t.Helper()
		if code, _ := s.voice(hookURL, event, twilio.CallStatusCallback("AC1", sid, from, "+15559870000", st, time.Now())); code != 200 {
			t.Fatalf("status %s of %s: %d", st, sid, code)
		}
	}
	const hungUp, busy, silent, spoke = "+15553330001", "+15553330002", "+15553330003", "+15553330004"

	call("CAhungup", hungUp) // hangs up during the greeting
	status("status", "CAhungup", hungUp, "completed")
	frame := ws.until("new_message")["message"].(map[string]any)
	if frame["content"] != "Missed call from "+hungUp || frame["content_type"] != "voice" || frame["sender_type"] != "end_user" ||
		frame["payload"].(map[string]any)["kind"] != "missed_call" {
		t.Errorf("missed call frame: %v", frame)
	}
	status("status", "CAhungup", hungUp, "completed") // redelivered

	call("CAbusy", busy)
	status("", "CAbusy", busy, "no-answer") // the status callback at the call's own URL

	call("CAsilent", silent) // reaches the beep, records nothing Twilio keeps
	s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", "CAsilent", "REsilent", "in-progress", ""))
	s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", "CAsilent", "REsilent", "absent", ""))
	status("status", "CAsilent", silent, "completed")

	call("CAspoke", spoke)
	s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", "CAspoke", "REspoke", "in-progress", ""))
	status("status", "CAspoke", spoke, "completed") // before the recording is processed
	s.voice(hookURL, "recording", twilio.RecordingCallback("AC1", "CAspoke", "REspoke", "completed", "20"))

	status("status", "CAoutbound", "+15559870000", "completed") // a call this channel never answered

	want := map[string][]string{
		hungUp: {"Incoming call from " + hungUp, "Missed call from " + hungUp},
		busy:   {"Incoming call from " + busy, "Missed call from " + busy},
		silent: {"Incoming call from " + silent, "Missed call from " + silent},
		spoke:  {"Incoming call from " + spoke, "Voicemail (20 s)"},
	}
	got := s.threads()
	for phone, w := range want {
		if !slices.Equal(got[phone], w) {
			t.Errorf("%s: %q, want %q", phone, got[phone], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d conversations, want %d: %q", len(got), len(want), got)
	}
}
