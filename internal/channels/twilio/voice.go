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
// by the call, recording and transcription SIDs, so every callback is idempotent. The
// recording and status callbacks do not say who called: their messages carry the CallSid,
// by which the inbox finds the caller. A call that ends without a voicemail is reported as
// a CallUpdate, which the inbox turns into a missed call.
type Voice struct{}

// hangupTwiML ends the call: the answer to the <Record> action, once the voicemail is taken.
var hangupTwiML = &provider.Reply{Status: http.StatusOK, ContentType: "text/xml", Body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`)}

// callEnded are the final CallStatus values of a call's status callback.
var callEnded = map[string]bool{"completed": true, "busy": true, "no-answer": true, "failed": true, "canceled": true}

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
			"duration": p.Get("RecordingDuration"), "status": p.Get("CallStatus"), "to": p.Get("To")})
		return b
	}
	sid := p.Get("CallSid")
	if sid == "" {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("no CallSid")}
	}
	event, status := r.URL.Query().Get("event"), p.Get("CallStatus")
	switch {
	case event == "recorded":
		// The <Record> action: the voicemail is taken. Without an answer that ends the call,
		// Twilio would request the call's URL again, and the caller would hear the greeting again.
		return provider.Batch{Reply: hangupTwiML}, nil
	case event == "recording" && p.Get("RecordingStatus") == "in-progress": // the caller reached the voicemail
		return provider.Batch{Calls: []inbox.CallUpdate{{SID: sid, RecordingStarted: true}}, Reply: emptyTwiML}, nil
	case event == "recording" && p.Get("RecordingStatus") == "absent": // too short or silent: a missed call
		return provider.Batch{Calls: []inbox.CallUpdate{{SID: sid, Ended: inbox.CallNoRecording}}, Reply: emptyTwiML}, nil
	case event == "recording":
		if p.Get("RecordingStatus") != "completed" || p.Get("RecordingSid") == "" {
			return provider.Batch{Reply: emptyTwiML}, nil
		}
		secs, _ := strconv.Atoi(p.Get("RecordingDuration"))
		in := inbox.Inbound{ProviderMessageID: p.Get("RecordingSid"), CallSID: sid, From: sender, ContentType: inbox.ContentVoice,
			Content:     fmt.Sprintf("Voicemail (%d s)", secs),
			Attachments: []inbox.Attachment{recordingAttachment(p)},
			Payload:     payload("voicemail")}
		return provider.Batch{Messages: []inbox.Inbound{in}, Reply: emptyTwiML}, nil
	case event == "transcription":
		if p.Get("TranscriptionStatus") != "completed" || p.Get("TranscriptionSid") == "" {
			return provider.Batch{Reply: emptyTwiML}, nil
		}
		in := inbox.Inbound{ProviderMessageID: p.Get("TranscriptionSid"), CallSID: sid, From: sender, ContentType: inbox.ContentVoice,
			Content: "Voicemail transcript: " + p.Get("TranscriptionText"), Payload: payload("transcription")}
		return provider.Batch{Messages: []inbox.Inbound{in}, Reply: emptyTwiML}, nil
	case callEnded[status]: // the status callback, at ?event=status or at the call's own URL
		return provider.Batch{Calls: []inbox.CallUpdate{{SID: sid, Ended: status}}, Reply: emptyTwiML}, nil
	case event == "status": // ringing, in-progress: nothing to show yet
		return provider.Batch{Reply: emptyTwiML}, nil
	}
	if from == "" {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("incoming call without From")}
	}
	in := inbox.Inbound{ProviderMessageID: sid, CallSID: sid, From: sender, ContentType: inbox.ContentVoice,
		Content: "Incoming call from " + from, Payload: payload("call")}
	twiml, err := answer(ch.Config["greeting"], publicURL)
	if err != nil {
		return provider.Batch{}, err
	}
	return provider.Batch{Messages: []inbox.Inbound{in}, Reply: &provider.Reply{Status: http.StatusOK, ContentType: "text/xml", Body: twiml}}, nil
}

// answer is the TwiML for an incoming call: a greeting, then a recorded voicemail whose
// recording (its start, its file, or its absence) and transcription come back to this
// channel's webhook. The <Record> action ends the call; so does the <Hangup> that follows
// it, which Twilio reaches when nothing was recorded.
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
		Action                        string `xml:"action,attr"`
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
		Hangup  struct{} `xml:"Hangup"`
	}{Say: greeting, Record: record{Action: callback("recorded"), MaxLength: 120, PlayBeep: true, Transcribe: true, TranscribeCallback: callback("transcription"),
		RecordingStatusCallback: callback("recording"), RecordingStatusCallbackEvents: "in-progress completed absent"}}
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
