// Package rcs speaks Google RCS Business Messaging: the clientToken verification handshake,
// Pub/Sub-style webhooks signed with X-Goog-Signature (HMAC-SHA512 of the decoded data),
// user messages and events (DELIVERED, READ, IS_TYPING), and sends to agentMessages with our
// own id, authenticated with tokens minted from the agent's service account.
package rcs

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// DefaultAPI is the RBM API host.
const DefaultAPI = "https://rcsbusinessmessaging.googleapis.com"

// Provider is Google RBM. Sends authenticate with OAuth tokens minted from the agent's
// service-account key (service_account_key), or with a fixed access_token (tests, development).
type Provider struct {
	tokens *tokens
}

// New returns the RBM provider with its token cache.
func New() Provider { return Provider{tokens: &tokens{}} }

func (Provider) Spec() inbox.ChannelSpec {
	return inbox.ChannelSpec{
		Required: []string{"agent_id", "client_token"},
		Optional: []string{"service_account_key", "access_token", "api_base_url"},
		Secret:   []string{"client_token", "service_account_key", "access_token"},
		Validate: validate,
	}
}

// Sign returns the X-Goog-Signature of the decoded event bytes.
func Sign(clientToken string, data []byte) string {
	mac := hmac.New(sha512.New, []byte(clientToken))
	mac.Write(data)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type envelope struct {
	Message *struct {
		Data string `json:"data"`
	} `json:"message"`
	ClientToken string `json:"clientToken"`
	Secret      string `json:"secret"`
}

func (Provider) Webhook(r *http.Request, body []byte, ch inbox.Channel, _ string) (provider.Batch, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return provider.Batch{}, provider.ErrSignature // unsigned garbage: refuse before anything else
	}
	token := ch.Config["client_token"]
	if env.Message == nil && env.ClientToken != "" {
		// The console's verification: echo the secret when the client token matches.
		if token == "" || !hmac.Equal([]byte(env.ClientToken), []byte(token)) {
			return provider.Batch{}, provider.ErrForbidden
		}
		return provider.Batch{Reply: &provider.Reply{Status: http.StatusOK, ContentType: "text/plain; charset=utf-8", Body: []byte(env.Secret)}}, nil
	}
	if env.Message == nil {
		return provider.Batch{}, provider.ErrSignature
	}
	data, err := base64.StdEncoding.DecodeString(env.Message.Data)
	if err != nil {
		return provider.Batch{}, provider.ErrSignature
	}
	if token == "" || !hmac.Equal([]byte(Sign(token, data)), []byte(r.Header.Get("X-Goog-Signature"))) {
		return provider.Batch{}, provider.ErrSignature
	}
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return provider.Batch{}, provider.Malformed{Err: err}
	}
	return parse(ev, data)
}

func parse(ev Event, raw []byte) (provider.Batch, error) {
	at, _ := time.Parse(time.RFC3339Nano, ev.SendTime)
	switch ev.EventType {
	case "DELIVERED", "READ":
		if ev.MessageID == "" {
			return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("%s event without messageId", ev.EventType)}
		}
		st := inbox.DeliveryDelivered
		if ev.EventType == "READ" {
			st = inbox.DeliveryRead
		}
		return provider.Batch{Receipts: []inbox.Receipt{{ProviderMessageID: ev.MessageID, Status: st, At: at}}}, nil
	case "IS_TYPING":
		if ev.SenderPhoneNumber == "" {
			return provider.Batch{}, nil
		}
		return provider.Batch{Typing: []inbox.Sender{{Address: ev.SenderPhoneNumber, Phone: ev.SenderPhoneNumber}}}, nil
	case "":
	default:
		return provider.Batch{}, nil // subscribe and server events: nothing to store
	}
	if ev.MessageID == "" || ev.SenderPhoneNumber == "" {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("user message without messageId or sender")}
	}
	in := inbox.Inbound{ProviderMessageID: ev.MessageID, At: at,
		From: inbox.Sender{Address: ev.SenderPhoneNumber, Phone: ev.SenderPhoneNumber}}
	switch {
	case ev.Text != "":
		in.ContentType, in.Content = inbox.ContentText, ev.Text
	case ev.UserFile != nil:
		f := ev.UserFile.Payload
		in.ContentType = inbox.MediaContentType(f.MimeType)
		in.Attachments = []inbox.Attachment{{MediaID: fileMediaID(f.FileURI), MimeType: f.MimeType, FileName: f.FileName, Size: f.FileSizeBytes}}
	case ev.Location != nil:
		in.ContentType = inbox.ContentLocation
		in.Content = fmt.Sprintf("(%.6f, %.6f)", ev.Location.Latitude, ev.Location.Longitude)
		in.Payload, _ = json.Marshal(map[string]any{"location": ev.Location})
	case ev.SuggestionResponse != nil:
		in.ContentType, in.Content = inbox.ContentText, ev.SuggestionResponse.Text
		in.Payload, _ = json.Marshal(map[string]any{"suggestion_response": ev.SuggestionResponse})
	default:
		in.ContentType, in.Content, in.Payload = inbox.ContentUnsupported, "Unsupported RCS message", raw
	}
	return provider.Batch{Messages: []inbox.Inbound{in}}, nil
}

// Send creates an agent message whose id is our message id: RBM ignores a repeated id, so
// a retried send after a timeout never reaches the user twice, and a 409 (ALREADY_EXISTS)
// says an earlier attempt went through.
func (p Provider) Send(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, _ string) (string, error) {
	token, err := p.tokens.bearer(ch, hc)
	if err != nil {
		return "", err
	}
	content := map[string]any{}
	if len(m.Attachments) > 0 && m.Attachments[0].URL != "" {
		content["contentInfo"] = map[string]any{"fileUrl": m.Attachments[0].URL}
	} else {
		content["text"] = m.Content
	}
	body, err := json.Marshal(map[string]any{"contentMessage": content})
	if err != nil {
		return "", fmt.Errorf("encode send: %w", err)
	}
	id := m.ID.String()
	q := url.Values{"messageId": {id}, "agentId": {ch.Config["agent_id"]}}
	req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/v1/phones/"+to+"/agentMessages?"+q.Encode(), "application/json", body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if _, err := provider.Do(hc, provider.Repeatable(req), apiError); err != nil && !alreadySent(err) {
		return "", err
	}
	return id, nil
}

func alreadySent(err error) bool {
	var se *provider.SendError
	return errors.As(err, &se) && se.Status == http.StatusConflict
}

func apiError(b []byte) string {
	var e struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
		return ""
	}
	return fmt.Sprintf("%d %s %s", e.Error.Code, e.Error.Status, e.Error.Message)
}

// Event is a decoded webhook event: a user message or a user event.
type Event struct {
	SenderPhoneNumber string    `json:"senderPhoneNumber"`
	MessageID         string    `json:"messageId"`
	EventType         string    `json:"eventType,omitempty"`
	EventID           string    `json:"eventId,omitempty"`
	SendTime          string    `json:"sendTime"`
	AgentID           string    `json:"agentId"`
	Text              string    `json:"text,omitempty"`
	UserFile          *UserFile `json:"userFile,omitempty"`
	Location          *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"location,omitempty"`
	SuggestionResponse *struct {
		PostbackData string `json:"postbackData"`
		Text         string `json:"text"`
		Type         string `json:"type"`
	} `json:"suggestionResponse,omitempty"`
}

// UserFile is a file a user sent; FileURI is where RBM keeps it for a while.
type UserFile struct {
	Payload struct {
		MimeType      string `json:"mimeType"`
		FileSizeBytes int64  `json:"fileSizeBytes"`
		FileURI       string `json:"fileUri"`
		FileName      string `json:"fileName"`
	} `json:"payload"`
}

// MediaLimits are RBM's for a file message (contentInfo.fileUrl, fetched by Google): files
// of up to 100 MB, one per message, of the image, video, audio and PDF types RBM lists.
func (Provider) MediaLimits() provider.MediaLimits {
	return provider.MediaLimits{Name: "RCS", Files: 1, Kinds: []provider.MediaLimit{
		{Kind: inbox.ContentImage, Types: []string{"image/jpeg", "image/png", "image/gif"}, MaxBytes: 100 * provider.MB},
		{Kind: inbox.ContentVideo, Types: []string{"video/mp4", "video/mpeg", "video/webm", "video/3gpp", "video/h263", "video/m4v"}, MaxBytes: 100 * provider.MB},
		{Kind: inbox.ContentAudio, Types: []string{"audio/aac", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/3gpp"}, MaxBytes: 100 * provider.MB},
		{Kind: inbox.ContentDocument, Types: []string{"application/pdf"}, MaxBytes: 100 * provider.MB},
	}}
}
