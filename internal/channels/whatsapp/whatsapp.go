// Package whatsapp speaks the WhatsApp Business Cloud API: signed webhooks (X-Hub-Signature-256
// over the raw body with the app secret), the GET verification handshake, messages of every
// type, delivery statuses, sends through /{phone_number_id}/messages and media by id.
package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// DefaultAPI is the Graph API version the sends use unless api_base_url says otherwise.
const DefaultAPI = "https://graph.facebook.com/v24.0"

// Provider is the WhatsApp Cloud API.
type Provider struct{}

func (Provider) Spec() inbox.ChannelSpec {
	return inbox.ChannelSpec{
		Required: []string{"phone_number_id", "waba_id", "access_token", "app_secret", "verify_token"},
		Optional: []string{"api_base_url"},
		Secret:   []string{"access_token", "app_secret", "verify_token"},
	}
}

// Sign returns the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks the signature header against the raw body.
func Verify(secret, header string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || secret == "" {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

func (Provider) Webhook(r *http.Request, body []byte, ch inbox.Channel, _ string) (provider.Batch, error) {
	if r.Method == http.MethodGet {
		return handshake(r, ch)
	}
	if !Verify(ch.Config["app_secret"], r.Header.Get("X-Hub-Signature-256"), body) {
		return provider.Batch{}, provider.ErrSignature
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return provider.Batch{}, provider.Malformed{Err: err}
	}
	var b provider.Batch
	for _, e := range env.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			names := map[string]string{}
			for _, ct := range c.Value.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for _, m := range c.Value.Messages {
				if m.Type == "reaction" && m.Reaction != nil && m.Reaction.MessageID != "" && m.From != "" {
					b.Reactions = append(b.Reactions, reaction(m))
					continue
				}
				in, err := inbound(m, names[m.From])
				if err != nil {
					return provider.Batch{}, provider.Malformed{Err: err}
				}
				b.Messages = append(b.Messages, in)
			}
			for _, s := range c.Value.Statuses {
				if rc, ok := receipt(s); ok {
					b.Receipts = append(b.Receipts, rc)
				}
			}
		}
	}
	return b, nil
}

// handshake answers Meta's subscription check: echo hub.challenge when the token matches.
func handshake(r *http.Request, ch inbox.Channel) (provider.Batch, error) {
	q := r.URL.Query()
	want := ch.Config["verify_token"]
	if q.Get("hub.mode") != "subscribe" || want == "" || !hmac.Equal([]byte(q.Get("hub.verify_token")), []byte(want)) {
		return provider.Batch{}, provider.ErrForbidden
	}
	return provider.Batch{Reply: &provider.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(q.Get("hub.challenge"))}}, nil
}

func unixString(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// inbound maps one message of the webhook.
func inbound(m Message, name string) (inbox.Inbound, error) {
	if m.ID == "" || m.From == "" {
		return inbox.Inbound{}, fmt.Errorf("message without id or sender")
	}
	first, last, _ := strings.Cut(name, " ")
	in := inbox.Inbound{
		ProviderMessageID: m.ID, At: unixString(m.Timestamp),
		From: inbox.Sender{Address: m.From, Phone: "+" + m.From, FirstName: first, LastName: last},
	}
	if m.Context != nil {
		in.ReplyToProviderID = m.Context.ID
	}
	media := func(ct inbox.ContentType, md *Media) {
		in.ContentType, in.Content = ct, md.Caption
		in.Attachments = []inbox.Attachment{{MediaID: md.ID, MimeType: md.MimeType, FileName: md.Filename, Caption: md.Caption}}
	}
	switch {
	case m.Type == "text" && m.Text != nil:
		in.ContentType, in.Content = inbox.ContentText, m.Text.Body
	case m.Type == "image" && m.Image != nil:
		media(inbox.ContentImage, m.Image)
	case m.Type == "video" && m.Video != nil:
		media(inbox.ContentVideo, m.Video)
	case m.Type == "audio" && m.Audio != nil:
		media(inbox.ContentAudio, m.Audio)
	case m.Type == "document" && m.Document != nil:
		media(inbox.ContentDocument, m.Document)
	case m.Type == "sticker" && m.Sticker != nil:
		media(inbox.ContentSticker, m.Sticker)
	case m.Type == "location" && m.Location != nil:
		in.ContentType = inbox.ContentLocation
		in.Content = strings.TrimSpace(fmt.Sprintf("%s %s (%.6f, %.6f)", m.Location.Name, m.Location.Address, m.Location.Latitude, m.Location.Longitude))
		in.Payload, _ = json.Marshal(map[string]any{"location": m.Location})
	case m.Type == "contacts" && len(m.Contacts) > 0:
		in.ContentType = inbox.ContentContacts
		cards := make([]string, len(m.Contacts))
		for i, c := range m.Contacts {
			cards[i] = c.Text()
		}
		in.Content = strings.Join(cards, "\n")
		var raw struct { // every field of the cards (emails, addresses, org), not just the decoded ones
			Contacts json.RawMessage `json:"contacts"`
		}
		_ = json.Unmarshal(m.Raw, &raw)
		in.Payload, _ = json.Marshal(map[string]any{"contacts": raw.Contacts})
	case m.Type == "interactive" && m.Interactive != nil:
		in.ContentType = inbox.ContentText
		if r := m.Interactive.ButtonReply; r != nil {
			in.Content = r.Title
		} else if r := m.Interactive.ListReply; r != nil {
			in.Content = r.Title
		}
		in.Payload, _ = json.Marshal(map[string]any{"interactive": m.Interactive})
	case m.Type == "button" && m.Button != nil:
		in.ContentType, in.Content = inbox.ContentText, m.Button.Text
	default:
		// A type we do not understand is kept, with the provider's raw message, never dropped.
		in.ContentType, in.Content = inbox.ContentUnsupported, "Unsupported WhatsApp message ("+m.Type+")"
		in.Payload = m.Raw
	}
	return in, nil
}

// reaction maps a reaction message: it goes on the message it names, and one without
// emoji takes the sender's reaction back.
func reaction(m Message) inbox.InboundReaction {
	return inbox.InboundReaction{ProviderMessageID: m.Reaction.MessageID, From: inbox.Sender{Address: m.From},
		Emoji: m.Reaction.Emoji, At: unixString(m.Timestamp)}
}

var statusOf = map[string]inbox.DeliveryStatus{
	"sent": inbox.DeliverySent, "delivered": inbox.DeliveryDelivered, "read": inbox.DeliveryRead, "failed": inbox.DeliveryFailed,
}

func receipt(s Status) (inbox.Receipt, bool) {
	st, ok := statusOf[s.Status]
	if !ok || s.ID == "" {
		return inbox.Receipt{}, false
	}
	r := inbox.Receipt{ProviderMessageID: s.ID, Status: st, At: unixString(s.Timestamp)}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		r.Error = fmt.Sprintf("%d %s", e.Code, firstOf(e.ErrorData.Details, e.Message, e.Title))
	}
	return r, true
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Send posts the message to /{phone_number_id}/messages; a file goes by its link.
func (Provider) Send(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, _ string) (string, error) {
	out := outgoing(to, m)
	switch t := provider.TemplateOf(m); {
	case t != nil:
		out["type"], out["template"] = "template", templatePayload(t)
	case len(m.Attachments) > 0 && m.Attachments[0].URL != "":
		addMedia(out, m, map[string]string{"link": m.Attachments[0].URL})
	default:
		out["type"], out["text"] = "text", map[string]any{"body": m.Content}
	}
	return postMessage(ctx, hc, ch, out)
}

// SendFile uploads the file to /{phone_number_id}/media and sends the message with the
// media id Meta answers: no public URL of ours is needed.
func (Provider) SendFile(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, f provider.File) (string, error) {
	body, contentType, err := provider.Multipart(map[string]string{"messaging_product": "whatsapp", "type": f.MimeType}, "file", f)
	if err != nil {
		return "", err
	}
	raw, err := postToNumber(ctx, hc, ch, "media", contentType, body)
	if err != nil {
		return "", err
	}
	var res struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.ID == "" {
		return "", &provider.SendError{Reason: "unexpected answer to the media upload: " + string(raw)}
	}
	out := outgoing(to, m)
	addMedia(out, m, map[string]string{"id": res.ID})
	return postMessage(ctx, hc, ch, out)
}

// outgoing is what every message to a contact carries.
func outgoing(to string, m inbox.Message) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
		"biz_opaque_callback_data": m.ID.String()}
}

// addMedia makes out a media message of m's content type, the file given by media (its
// link or uploaded id), with the caption (audio has none) and a document's file name.
func addMedia(out map[string]any, m inbox.Message, media map[string]string) {
	kind := string(m.ContentType)
	if kind == string(inbox.ContentText) || kind == "" {
		kind = "document"
	}
	a := m.Attachments[0]
	if c := provider.Text(m); c != "" && kind != "audio" {
		media["caption"] = c
	}
	if kind == "document" && a.FileName != "" {
		media["filename"] = a.FileName
	}
	out["type"], out[kind] = kind, media
}

// postMessage posts a message to /{phone_number_id}/messages and returns its wamid.
func postMessage(ctx context.Context, hc *http.Client, ch inbox.Channel, out map[string]any) (string, error) {
	body, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode send: %w", err)
	}
	raw, err := postToNumber(ctx, hc, ch, "messages", "application/json", body)
	if err != nil {
		return "", err
	}
	var res struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Messages) == 0 || res.Messages[0].ID == "" {
		return "", &provider.SendError{Reason: "unexpected answer: " + string(raw)}
	}
	return res.Messages[0].ID, nil
}

// postToNumber posts body to the channel's phone number's edge (/{phone_number_id}/{edge})
// with the channel's access token, and returns the answer's body.
func postToNumber(ctx context.Context, hc *http.Client, ch inbox.Channel, edge, contentType string, body []byte) ([]byte, error) {
	req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/"+ch.Config["phone_number_id"]+"/"+edge, contentType, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ch.Config["access_token"])
	return provider.Do(hc, req, graphError)
}

// MediaLimits are the Cloud API's supported media ("Supported media types" of Meta's
// reference): one file per message.
func (Provider) MediaLimits() provider.MediaLimits {
	return provider.MediaLimits{Name: "WhatsApp", Files: 1, Kinds: []provider.MediaLimit{
		{Kind: inbox.ContentImage, Types: []string{"image/jpeg", "image/png"}, MaxBytes: 5 * provider.MB},
		{Kind: inbox.ContentAudio, Types: []string{"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, MaxBytes: 16 * provider.MB},
		{Kind: inbox.ContentVideo, Types: []string{"video/mp4", "video/3gpp"}, MaxBytes: 16 * provider.MB},
		{Kind: inbox.ContentDocument, MaxBytes: 100 * provider.MB},
	}}
}

// graphError reads a Graph API error body.
func graphError(b []byte) string {
	var e struct {
		Error struct {
			Message   string `json:"message"`
			Code      int    `json:"code"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Code == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s", e.Error.Code, firstOf(e.Error.ErrorData.Details, e.Error.Message))
}

// mediaID is the form of Cloud API media ids: decimal numbers.
var mediaID = regexp.MustCompile(`^[0-9]{1,32}$`)

func (Provider) ValidMediaID(id string) bool { return mediaID.MatchString(id) }

// MediaHosts are the Graph API and the hosts its media URLs name: lookaside.fbsbx.com, and
// CDN names under fbcdn.net and whatsapp.net.
func (Provider) MediaHosts() []string {
	return []string{"graph.facebook.com", "lookaside.fbsbx.com", "*.fbcdn.net", "*.whatsapp.net"}
}

// FetchMedia resolves a media id to its short-lived URL and fetches it, both with the token.
func (Provider) FetchMedia(ctx context.Context, hc *http.Client, ch inbox.Channel, id string) (*http.Response, error) {
	req, err := provider.NewRequest(ctx, http.MethodGet, provider.BaseURL(ch, DefaultAPI)+"/"+url.PathEscape(id), "", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ch.Config["access_token"])
	raw, err := provider.Do(hc, req, graphError)
	if err != nil {
		return nil, err
	}
	var meta struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.URL == "" {
		return nil, fmt.Errorf("media %s: no url in the answer", id)
	}
	u, err := url.Parse(meta.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("media %s: the answer's url is not an absolute http(s) URL", id)
	}
	req, err = provider.NewRequest(ctx, http.MethodGet, u.String(), "", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ch.Config["access_token"])
	return hc.Do(req)
}
