package twilio

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/channels/provider/providertest"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// signedForm posts a raw form body to p, signed over the parameters it parses to (as
// Twilio signs what it sends).
func signedForm(p provider.Provider, kind inbox.ChannelKind, target string, body []byte) (provider.Batch, error) {
	params, _ := url.ParseQuery(string(body)) // a body that does not parse is Malformed below
	full := "https://inbox.example.com" + target
	r := httptest.NewRequest("POST", target, strings.NewReader(string(body)))
	r.Header.Set("X-Twilio-Signature", Sign("tok", full, params))
	return p.Webhook(r, body, channel(kind), full)
}

// FuzzSMSWebhook: whatever form arrives under a valid signature parses into a batch or a
// Malformed error, and never panics. The seeds are the forms of the tests above.
func FuzzSMSWebhook(f *testing.F) {
	for _, form := range []url.Values{
		{"MessageSid": {"MM1"}, "From": {"+15551230000"}, "To": {"+15559870000"}, "Body": {"photo"}, "NumMedia": {"1"},
			"MediaUrl0": {"https://api.twilio.com/x/Media/ME1"}, "MediaContentType0": {"image/png"}},
		{"MessageSid": {"SM9"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}},
		{"AccountSid": {"AC00000000000000000000000000000001"}, "Body": {"Hello"}, "From": {"+15551230000"},
			"MessageSid": {"SM00000000000000000000000000000001"}, "NumMedia": {"0"}, "To": {"+15559870000"}},
		InboundSMS("AC1", "SMsim", "+15551230000", "+15559870000", "Hi"),
		{"AccountSid": {"AC1"}, "MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "SmsStatus": {"delivered"}, "ApiVersion": {"2010-04-01"}},
	} {
		f.Add([]byte(form.Encode()))
	}
	f.Add([]byte("MessageSid=SM1&NumMedia=99999999999999999999"))
	f.Add([]byte("%zz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := signedForm(SMS{}, inbox.ChannelSMS, "/webhooks/sms/x", body)
		providertest.CheckParse(t, b, err)
	})
}

// FuzzVoiceWebhook does the same for calls, voicemail recordings and transcriptions (the
// callback's event parameter picks which).
func FuzzVoiceWebhook(f *testing.F) {
	for event, form := range map[string]url.Values{
		"": {"CallSid": {"CA1"}, "From": {"+15551230000"}, "CallStatus": {"ringing"}},
		"recording": {"CallSid": {"CA1"}, "From": {"+15551230000"}, "RecordingSid": {"RE1"}, "RecordingUrl": {"https://api.twilio.com/rec/RE1"},
			"RecordingStatus": {"completed"}, "RecordingDuration": {"17"}},
		"transcription": {"CallSid": {"CA1"}, "From": {"+15551230000"}, "TranscriptionSid": {"TR1"}, "TranscriptionText": {"please call back"},
			"TranscriptionStatus": {"completed"}},
	} {
		f.Add([]byte(form.Encode()), event)
	}
	f.Add([]byte(IncomingCall("AC1", "CAsim", "+15551230000", "+15550000000").Encode()), "")
	f.Fuzz(func(t *testing.T, body []byte, event string) {
		target := "/webhooks/voice/x?" + url.Values{"event": {event}}.Encode()
		b, err := signedForm(Voice{}, inbox.ChannelVoice, target, body)
		providertest.CheckParse(t, b, err)
	})
}
