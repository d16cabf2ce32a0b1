package twilio

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Voice turns calls into inbox messages: the incoming call itself, the voicemail recording
// (with the audio as an attachment) and its transcription, each its own VOICE message keyed
// by the call, recording and transcription SIDs, so every callback is idempotent.
type Voice struct{}

func (Voice) Spec() inbox.ChannelSpec {
	return inbox.ChannelSpec{
		Required: []string{"account_sid", "auth_token"},
		Optional: []string{"greeting", "api_base_url"},
		Secret:   []string{"auth_token"},
	}
}

func (Voice) Webhook(r *http.Request, body []byte, ch inbox.Channel, publicURL string) (provider.Batch, error) {
	p, err := form(r, body, ch, publicURL)
	if err != nil {
		return provider.Batch{}, err
	}
	from := p.Get("From")
	sender := inbox.Sender{Address: from, Phone: from}
	payload := func(kind string) []byte {
		b, _ := json.Marshal(map[string]string{"kind": kind, "call_sid": p.Get("CallSid"), "recording_sid": p.Get("RecordingSid"),
			"duration": p.Get("RecordingDuration"), "status": p.Get("CallStatus")})
		return b
	}
	switch r.URL.Query().Get("event") {
	case "recording":
		if p.Get("RecordingStatus") != "completed" || p.Get("RecordingSid") == "" {
			return provider.Batch{Reply: emptyTwiML}, nil
		}
		secs, _ := strconv.Atoi(p.Get("RecordingDuration"))
		in := inbox.Inbound{ProviderMessageID: p.Get("RecordingSid"), From: sender, ContentType: inbox.ContentVoice,
			Content:     fmt.Sprintf("Voicemail (%d s)", secs),
			Attachments: []inbox.Attachment{recordingAttachment(p)},
			Payload:     payload("voicemail")}
		return provider.Batch{Messages: []inbox.Inbound{in}, Reply: emptyTwiML}, nil
	case "transcription":
		if p.Get("TranscriptionStatus") != "completed" || p.Get("TranscriptionSid") == "" {
			return provider.Batch{Reply: emptyTwiML}, nil
		}
		in := inbox.Inbound{ProviderMessageID: p.Get("TranscriptionSid"), From: sender, ContentType: inbox.ContentVoice,
			Content: "Voicemail transcript: " + p.Get("TranscriptionText"), Payload: payload("transcription")}
		return provider.Batch{Messages: []inbox.Inbound{in}, Reply: emptyTwiML}, nil
	}
	if p.Get("CallSid") == "" {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("no CallSid")}
	}
	in := inbox.Inbound{ProviderMessageID: p.Get("CallSid"), From: sender, ContentType: inbox.ContentVoice,
		Content: "Incoming call from " + from, Payload: payload("call")}
	twiml, err := answer(ch.Config["greeting"], publicURL)
	if err != nil {
		return provider.Batch{}, err
	}
	return provider.Batch{Messages: []inbox.Inbound{in}, Reply: &provider.Reply{Status: http.StatusOK, ContentType: "text/xml", Body: twiml}}, nil
}

// answer is the TwiML for an incoming call: a greeting, then a recorded voicemail whose
// recording and transcription come back to this channel's webhook.
func answer(greeting, publicURL string) ([]byte, error) {
	if greeting == "" {
		greeting = "Thank you for calling. Please leave a message after the tone."
	}
	callback := func(event string) string {
		u, err := url.Parse(publicURL)
		if err != nil {
			return publicURL
		}
		u.RawQuery = url.Values{"event": {event}}.Encode()
		return u.String()
	}
	type record struct {
		MaxLength                     int    `xml:"maxLength,attr"`
		PlayBeep                      bool   `xml:"playBeep,attr"`
		Transcribe                    bool   `xml:"transcribe,attr"`
		TranscribeCallback            string `xml:"transcribeCallback,attr"`
		RecordingStatusCallback       string `xml:"recordingStatusCallback,attr"`
		RecordingStatusCallbackEvents string `xml:"recordingStatusCallbackEvent,attr"`
	}
	doc := struct {
		XMLName xml.Name `xml:"Response"`
		Say     string   `xml:"Say"`
		Record  record   `xml:"Record"`
	}{Say: greeting, Record: record{MaxLength: 120, PlayBeep: true, Transcribe: true, TranscribeCallback: callback("transcription"),
		RecordingStatusCallback: callback("recording"), RecordingStatusCallbackEvents: "completed"}}
	out, err := xml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode twiml: %w", err)
	}
	return append([]byte(xml.Header), out...), nil
}

// Send: a voice channel has no text to send; replies go out on SMS or another channel.
func (Voice) Send(context.Context, *http.Client, inbox.Channel, string, inbox.Message, string) (string, error) {
	return "", provider.Permanent("a voice channel cannot send text messages; reply by SMS")
}
