package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
)

// simMessage is the n-th message of a run, from contact c.
type simMessage struct {
	n, contact int
	run        string
	text       string // the text of the types that carry one (tagged when frames are timed)
}

func (s simMessage) phone() string { return fmt.Sprintf("+1555%07d", s.contact) }

// id is the message's provider id: unique per run and message.
func (s simMessage) id(prefix string) string { return fmt.Sprintf("%s%s-%d", prefix, s.run, s.n) }

// shape is one message type of a provider, in the provider's own payload shape.
type shape struct {
	name     string
	hasText  bool // the message carries simMessage.text, so its frame can be timed
	newReq   func(ctx context.Context, s simMessage) (*http.Request, error)
	storedAs string // the content type the inbox stores it as
}

// webhookTarget signs and posts simulated webhooks for one channel.
type webhookTarget struct {
	channel, url, secret, account string
}

func (w webhookTarget) post(ctx context.Context, rawURL string, body []byte, contentType, header, sig string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(header, sig)
	return req, nil
}

// form posts a Twilio form to the webhook, with event (a voice callback) in the query.
func (w webhookTarget) form(ctx context.Context, event string, f url.Values) (*http.Request, error) {
	u := w.url
	if event != "" {
		u += "?" + url.Values{"event": {event}}.Encode()
	}
	return w.post(ctx, u, []byte(f.Encode()), "application/x-www-form-urlencoded", "X-Twilio-Signature", twilio.Sign(w.secret, u, f))
}

// shapesOf lists the message types simulate sends to a channel of kind: the types each
// provider has, in payloads shaped as the provider sends them.
func shapesOf(kind string, w webhookTarget) ([]shape, error) {
	switch kind {
	case "whatsapp":
		wa := func(typ string, content func(s simMessage) any) func(context.Context, simMessage) (*http.Request, error) {
			return func(ctx context.Context, s simMessage) (*http.Request, error) {
				b := whatsapp.MessageWebhook(w.account, strings.TrimPrefix(s.phone(), "+"), fmt.Sprintf("Customer %d", s.contact),
					s.id("wamid.sim-"), typ, content(s), time.Now())
				return w.post(ctx, w.url, b, "application/json", "X-Hub-Signature-256", whatsapp.Sign(w.secret, b))
			}
		}
		media := func(mime string, extra map[string]any) func(s simMessage) any {
			return func(s simMessage) any {
				m := map[string]any{"id": s.id("sim-media-"), "mime_type": mime, "sha256": "K3x3c2ltdWxhdGVkLW1lZGlhLWhhc2g="}
				maps.Copy(m, extra)
				return m
			}
		}
		return []shape{
			{"text", true, wa("text", func(s simMessage) any { return map[string]string{"body": s.text} }), "text"},
			{"image", true, wa("image", func(s simMessage) any { return media("image/jpeg", map[string]any{"caption": s.text})(s) }), "image"},
			{"voice", false, wa("audio", media("audio/ogg; codecs=opus", map[string]any{"voice": true})), "audio"},
			{"document", false, wa("document", media("application/pdf", map[string]any{"filename": "invoice-2291.pdf"})), "document"},
			{"location", false, wa("location", func(simMessage) any {
				return map[string]any{"latitude": 52.520008, "longitude": 13.404954, "name": "Alexanderplatz", "address": "10178 Berlin"}
			}), "location"},
			{"contact", false, wa("contacts", func(simMessage) any {
				return []any{map[string]any{"name": map[string]string{"formatted_name": "Ana Lima", "first_name": "Ana", "last_name": "Lima"},
					"phones": []any{map[string]string{"phone": "+55 11 99999-9999", "wa_id": "5511999999999", "type": "CELL"}}}}
			}), "contacts"},
			{"button", false, wa("interactive", func(simMessage) any {
				return map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": "track-order", "title": "Track my order"}}
			}), "text"},
		}, nil
	case "telegram":
		tg := func(fields func(s simMessage) map[string]any) func(context.Context, simMessage) (*http.Request, error) {
			return func(ctx context.Context, s simMessage) (*http.Request, error) {
				b := telegram.MessageUpdate(int64(s.n), 7000000000+int64(s.contact), time.Now().UnixNano()%1e12+int64(s.n),
					fmt.Sprintf("Customer %d", s.contact), fields(s), time.Now())
				return w.post(ctx, w.url, b, "application/json", "X-Telegram-Bot-Api-Secret-Token", w.secret)
			}
		}
		file := func(s simMessage, kind string) map[string]any {
			return map[string]any{"file_id": s.id("sim-" + kind + "-"), "file_unique_id": s.id("u" + kind), "file_size": 48213}
		}
		with := func(m map[string]any, extra map[string]any) map[string]any {
			maps.Copy(m, extra)
			return m
		}
		return []shape{
			{"text", true, tg(func(s simMessage) map[string]any { return map[string]any{"text": s.text} }), "text"},
			{"image", true, tg(func(s simMessage) map[string]any {
				return map[string]any{"caption": s.text, "photo": []any{with(file(s, "thumb"), map[string]any{"width": 90, "height": 67}),
					with(file(s, "photo"), map[string]any{"width": 1280, "height": 960})}}
			}), "image"},
			{"voice", false, tg(func(s simMessage) map[string]any {
				return map[string]any{"voice": with(file(s, "voice"), map[string]any{"duration": 4, "mime_type": "audio/ogg"})}
			}), "audio"},
			{"document", false, tg(func(s simMessage) map[string]any {
				return map[string]any{"document": with(file(s, "doc"), map[string]any{"file_name": "invoice-2291.pdf", "mime_type": "application/pdf"})}
			}), "document"},
			{"location", false, tg(func(simMessage) map[string]any {
				return map[string]any{"location": map[string]float64{"latitude": 52.520008, "longitude": 13.404954}}
			}), "location"},
			{"contact", false, tg(func(simMessage) map[string]any {
				return map[string]any{"contact": map[string]any{"phone_number": "+4915112345678", "first_name": "Max", "last_name": "Muster"}}
			}), "contacts"},
			{"sticker", false, tg(func(s simMessage) map[string]any {
				return map[string]any{"sticker": with(file(s, "sticker"), map[string]any{"width": 512, "height": 512, "emoji": "👍", "type": "regular"})}
			}), "sticker"},
		}, nil
	case "sms":
		return []shape{
			{"text", true, func(ctx context.Context, s simMessage) (*http.Request, error) {
				return w.form(ctx, "", twilio.InboundSMS(w.account, s.id("SMsim"), s.phone(), "+15550000000", s.text))
			}, "text"},
			{"image", true, func(ctx context.Context, s simMessage) (*http.Request, error) {
				f := twilio.InboundSMS(w.account, s.id("MMsim"), s.phone(), "+15550000000", s.text)
				f.Set("NumMedia", "1")
				f.Set("MediaContentType0", "image/jpeg")
				f.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/"+w.account+"/Messages/"+s.id("MMsim")+"/Media/"+s.id("MEsim"))
				return w.form(ctx, "", f)
			}, "image"},
		}, nil
	case "voice":
		return []shape{
			{"call", false, func(ctx context.Context, s simMessage) (*http.Request, error) {
				return w.form(ctx, "", twilio.IncomingCall(w.account, s.id("CAsim"), s.phone(), "+15550000000"))
			}, "voice"},
			{"voicemail", false, func(ctx context.Context, s simMessage) (*http.Request, error) {
				return w.form(ctx, "recording", twilio.VoicemailRecording(w.account, s.id("CAsim"), s.id("REsim"), s.phone(), 12))
			}, "voice"},
			{"transcript", false, func(ctx context.Context, s simMessage) (*http.Request, error) {
				return w.form(ctx, "transcription", twilio.VoicemailTranscription(w.account, s.id("CAsim"), s.id("REsim"), s.id("TRsim"),
					s.phone(), "+15550000000", "Hi, this is about my order, please call me back."))
			}, "voice"},
		}, nil
	case "rcs":
		push := func(event func(s simMessage) map[string]any) func(context.Context, simMessage) (*http.Request, error) {
			return func(ctx context.Context, s simMessage) (*http.Request, error) {
				ev := map[string]any{"senderPhoneNumber": s.phone(), "messageId": s.id("rcs-sim-"), "agentId": w.account,
					"sendTime": time.Now().UTC().Format(time.RFC3339Nano)}
				maps.Copy(ev, event(s))
				data, err := json.Marshal(ev)
				if err != nil {
					return nil, err
				}
				b, sig := rcs.PushData(w.secret, data, s.id("pubsub-"))
				return w.post(ctx, w.url, b, "application/json", "X-Goog-Signature", sig)
			}
		}
		return []shape{
			{"text", true, push(func(s simMessage) map[string]any { return map[string]any{"text": s.text} }), "text"},
			{"image", false, push(func(s simMessage) map[string]any {
				return map[string]any{"userFile": map[string]any{"payload": map[string]any{"mimeType": "image/jpeg", "fileSizeBytes": 48213,
					"fileUri": "https://rcs-user-content.storage.googleapis.com/" + s.id("sim-"), "fileName": "parcel.jpg"}}}
			}), "image"},
			{"location", false, push(func(simMessage) map[string]any {
				return map[string]any{"location": map[string]float64{"latitude": 52.520008, "longitude": 13.404954}}
			}), "location"},
			{"button", false, push(func(simMessage) map[string]any {
				return map[string]any{"suggestionResponse": map[string]string{"postbackData": "track-order", "text": "Track my order", "type": "REPLY"}}
			}), "text"},
		}, nil
	}
	return nil, fmt.Errorf("unknown --kind %q", kind)
}

// pickShapes keeps the shapes named in list (comma-separated; empty keeps all).
func pickShapes(kind string, all []shape, list string) ([]shape, error) {
	if list == "" {
		return all, nil
	}
	var out []shape
	for _, name := range strings.Split(list, ",") {
		i := slices.IndexFunc(all, func(s shape) bool { return s.name == strings.TrimSpace(name) })
		if i < 0 {
			var names []string
			for _, s := range all {
				names = append(names, s.name)
			}
			return nil, fmt.Errorf("--types: %s has no type %q (it has %s)", kind, name, strings.Join(names, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
