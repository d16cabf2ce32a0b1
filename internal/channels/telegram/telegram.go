// Package telegram speaks the Telegram Bot API: webhook updates authenticated by the
// X-Telegram-Bot-Api-Secret-Token header, messages of every type, sends through the bot
// token's methods and files through getFile. Telegram has no delivery receipts.
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// DefaultAPI is the Bot API host.
const DefaultAPI = "https://api.telegram.org"

// Provider is the Telegram Bot API.
type Provider struct{}

func (Provider) Spec() inbox.ChannelSpec {
	return inbox.ChannelSpec{
		Required: []string{"bot_token", "webhook_secret"},
		Optional: []string{"api_base_url", "bot_username"},
		Secret:   []string{"bot_token", "webhook_secret"},
		Validate: func(config map[string]string) map[string]string {
			if !secretToken.MatchString(config["webhook_secret"]) {
				return map[string]string{"webhook_secret": "Telegram takes 1 to 256 characters A-Z, a-z, 0-9, _ and - as the webhook secret"}
			}
			return nil
		},
	}
}

// secretToken is the form setWebhook's secret_token must have.
var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Verify compares the secret header exactly (no trimming, no case folding), in constant time.
func Verify(secret, header string) bool {
	return secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(header)) == 1
}

func (Provider) Webhook(r *http.Request, body []byte, ch inbox.Channel, _ string) (provider.Batch, error) {
	if !Verify(ch.Config["webhook_secret"], r.Header.Get("X-Telegram-Bot-Api-Secret-Token")) {
		return provider.Batch{}, provider.ErrSignature
	}
	var u Update
	if err := json.Unmarshal(body, &u); err != nil {
		return provider.Batch{}, provider.Malformed{Err: err}
	}
	if q := u.CallbackQuery; q != nil {
		return callback(ch, q)
	}
	m := u.Message
	if m == nil {
		m = u.ChannelPost
	}
	if m == nil && u.EditedMessage != nil {
		m = u.EditedMessage
	}
	if m == nil {
		return provider.Batch{}, nil // member updates and the like: nothing for the inbox
	}
	in, err := inbound(m, u.EditedMessage != nil, body)
	if err != nil {
		return provider.Batch{}, provider.Malformed{Err: err}
	}
	return provider.Batch{Messages: []inbox.Inbound{in}}, nil
}

// inbound maps a message. Its id is unique only within its chat, so the idempotency key is
// chat:message (an edit gets its own key, so the new text is kept beside the old).
func inbound(m *Message, edited bool, raw []byte) (inbox.Inbound, error) {
	if m.Chat.ID == 0 || m.MessageID == 0 {
		return inbox.Inbound{}, fmt.Errorf("message without chat or id")
	}
	chat := strconv.FormatInt(m.Chat.ID, 10)
	key := chat + ":" + strconv.FormatInt(m.MessageID, 10)
	if edited {
		key += ":edit:" + strconv.FormatInt(m.EditDate, 10)
	}
	from := inbox.Sender{Address: chat, FirstName: m.Chat.FirstName, LastName: m.Chat.LastName}
	if m.From != nil {
		from.FirstName, from.LastName = m.From.FirstName, m.From.LastName
	}
	if from.FirstName == "" {
		from.FirstName = firstOf(m.Chat.Title, m.Chat.Username)
	}
	in := inbox.Inbound{ProviderMessageID: key, From: from, At: time.Unix(m.Date, 0).UTC(), Content: firstOf(m.Text, m.Caption)}
	if m.ReplyTo != nil {
		in.ReplyToProviderID = chat + ":" + strconv.FormatInt(m.ReplyTo.MessageID, 10)
	}
	file := func(ct inbox.ContentType, f File, mime, name string) {
		in.ContentType = ct
		in.Attachments = []inbox.Attachment{{MediaID: f.FileID, MimeType: mime, FileName: name, Size: f.FileSize, Caption: m.Caption}}
	}
	switch {
	case len(m.Photo) > 0:
		file(inbox.ContentImage, m.Photo[len(m.Photo)-1], "image/jpeg", "") // the largest size comes last
	case m.Document != nil:
		file(inbox.ContentDocument, m.Document.File, m.Document.MimeType, m.Document.FileName)
	case m.Video != nil:
		file(inbox.ContentVideo, m.Video.File, m.Video.MimeType, m.Video.FileName)
	case m.Voice != nil:
		file(inbox.ContentAudio, m.Voice.File, m.Voice.MimeType, "")
	case m.Audio != nil:
		file(inbox.ContentAudio, m.Audio.File, m.Audio.MimeType, m.Audio.FileName)
	case m.Sticker != nil:
		file(inbox.ContentSticker, m.Sticker.File, "image/webp", "")
		in.Content = m.Sticker.Emoji
	case m.Location != nil:
		in.ContentType = inbox.ContentLocation
		in.Content = fmt.Sprintf("(%.6f, %.6f)", m.Location.Latitude, m.Location.Longitude)
		in.Payload, _ = json.Marshal(map[string]any{"location": m.Location})
	case m.Contact != nil:
		in.ContentType = inbox.ContentContacts
		in.Content = strings.TrimSpace(m.Contact.FirstName + " " + m.Contact.LastName + " " + m.Contact.PhoneNumber)
		in.Payload, _ = json.Marshal(map[string]any{"contact": m.Contact})
	case m.Text != "":
		in.ContentType = inbox.ContentText
	default:
		in.ContentType, in.Content, in.Payload = inbox.ContentUnsupported, "Unsupported Telegram message", raw
	}
	return in, nil
}

// callback maps a button tap: it is the contact's reply, the button's label as its text
// (its callback data when the label cannot be found) and the data in the payload, quoting the
// message that had the button. The tap is answered with answerCallbackQuery, or the user's
// app keeps showing a progress indicator on the button.
func callback(ch inbox.Channel, q *CallbackQuery) (provider.Batch, error) {
	if q.ID == "" || q.From.ID == 0 {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("callback query without id or sender")}
	}
	chat := strconv.FormatInt(q.From.ID, 10) // a private chat's id is the user's
	in := inbox.Inbound{ProviderMessageID: "callback:" + q.ID, ContentType: inbox.ContentText, Content: q.Data,
		From: inbox.Sender{FirstName: q.From.FirstName, LastName: q.From.LastName}}
	button := map[string]any{"id": q.ID, "data": q.Data}
	if m := q.Message; m != nil && m.Chat.ID != 0 {
		chat = strconv.FormatInt(m.Chat.ID, 10)
		in.ReplyToProviderID = chat + ":" + strconv.FormatInt(m.MessageID, 10)
		if label := m.ReplyMarkup.label(q.Data); label != "" {
			in.Content, button["text"] = label, label
		}
	}
	in.From.Address = chat
	in.Payload, _ = json.Marshal(map[string]any{"callback_query": button})
	return provider.Batch{Messages: []inbox.Inbound{in}, FollowUps: []provider.FollowUp{answerCallback(ch, q.ID)}}, nil
}

// answerCallback calls answerCallbackQuery for the tap.
func answerCallback(ch inbox.Channel, id string) provider.FollowUp {
	return func(ctx context.Context, hc *http.Client) error {
		body, err := json.Marshal(map[string]string{"callback_query_id": id})
		if err != nil {
			return fmt.Errorf("encode answerCallbackQuery: %w", err)
		}
		req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/bot"+ch.Config["bot_token"]+"/answerCallbackQuery", "application/json", body)
		if err != nil {
			return err
		}
		if _, err := provider.Do(hc, req, apiError); err != nil {
			return fmt.Errorf("answerCallbackQuery: %w", err)
		}
		return nil
	}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Send calls sendMessage, or sendPhoto/sendDocument/... for an attachment by URL.
func (Provider) Send(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, _ string) (string, error) {
	chatID, err := chat(to)
	if err != nil {
		return "", err
	}
	method, out := "sendMessage", map[string]any{"chat_id": chatID}
	if len(m.Attachments) > 0 && m.Attachments[0].URL != "" {
		var field string
		method, field = mediaMethod(m.ContentType, m.Attachments[0].MimeType)
		out[field] = m.Attachments[0].URL
		if c := provider.Text(m); c != "" {
			out["caption"] = c
		}
	} else {
		out["text"] = m.Content
	}
	body, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode send: %w", err)
	}
	return send(ctx, hc, ch, chatID, method, "application/json", body)
}

// SendFile uploads the file with sendPhoto/sendVideo/sendAudio/sendVoice/sendDocument as
// multipart/form-data: no public URL of ours is needed.
func (Provider) SendFile(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, f provider.File) (string, error) {
	chatID, err := chat(to)
	if err != nil {
		return "", err
	}
	method, field := mediaMethod(m.ContentType, f.MimeType)
	fields := map[string]string{"chat_id": strconv.FormatInt(chatID, 10)}
	if c := provider.Text(m); c != "" {
		fields["caption"] = c
	}
	body, contentType, err := provider.Multipart(fields, field, f)
	if err != nil {
		return "", err
	}
	return send(ctx, hc, ch, chatID, method, contentType, body)
}

func chat(to string) (int64, error) {
	chatID, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		return 0, provider.Permanent("not a Telegram chat id: " + to)
	}
	return chatID, nil
}

// mediaMethod is the method, and its file's field, that sends a file of this content and
// MIME type: an Ogg audio goes as a voice note, other audio as a track.
func mediaMethod(ct inbox.ContentType, mime string) (method, field string) {
	field = map[inbox.ContentType]string{inbox.ContentImage: "photo", inbox.ContentVideo: "video", inbox.ContentAudio: "audio"}[ct]
	switch {
	case field == "":
		field = "document"
	case field == "audio" && mime == "audio/ogg":
		field = "voice"
	}
	return "send" + strings.ToUpper(field[:1]) + field[1:], field
}

// send calls a sending method and returns the sent message's id, "chat:message".
func send(ctx context.Context, hc *http.Client, ch inbox.Channel, chatID int64, method, contentType string, body []byte) (string, error) {
	req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/bot"+ch.Config["bot_token"]+"/"+method, contentType, body)
	if err != nil {
		return "", err
	}
	raw, err := provider.Do(hc, req, apiError)
	if err != nil {
		return "", withRetryAfter(err, raw)
	}
	var res struct {
		OK     bool `json:"ok"`
		Result struct {
			MessageID int64 `json:"message_id"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || !res.OK || res.Result.MessageID == 0 {
		return "", &provider.SendError{Reason: "unexpected answer: " + string(raw)}
	}
	return strconv.FormatInt(chatID, 10) + ":" + strconv.FormatInt(res.Result.MessageID, 10), nil
}

// MediaLimits are the Bot API's for files uploaded with multipart/form-data: 10 MB for
// photos, 50 MB for the rest; one file per message.
func (Provider) MediaLimits() provider.MediaLimits {
	return provider.MediaLimits{Name: "Telegram", Files: 1, Kinds: []provider.MediaLimit{
		{Kind: inbox.ContentImage, Types: []string{"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp"}, MaxBytes: 10 * provider.MB},
		{Kind: inbox.ContentVideo, Types: []string{"video/mp4"}, MaxBytes: 50 * provider.MB},
		{Kind: inbox.ContentAudio, Types: []string{"audio/mpeg", "audio/mp4", "audio/ogg"}, MaxBytes: 50 * provider.MB},
		{Kind: inbox.ContentDocument, MaxBytes: 50 * provider.MB},
	}}
}

func apiError(b []byte) string {
	var e struct {
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
	}
	if json.Unmarshal(b, &e) != nil || e.Description == "" {
		return ""
	}
	return fmt.Sprintf("%d %s", e.ErrorCode, e.Description)
}

// withRetryAfter sets the wait Telegram asks for in a failed answer's
// parameters.retry_after (on 429, instead of a Retry-After header).
func withRetryAfter(err error, body []byte) error {
	var se *provider.SendError
	var e struct {
		Parameters struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if errors.As(err, &se) && json.Unmarshal(body, &e) == nil && e.Parameters.RetryAfter > 0 {
		se.RetryAfter = time.Duration(e.Parameters.RetryAfter) * time.Second
	}
	return err
}

// fileID is the form of Bot API file ids: URL-safe base64.
var fileID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

func (Provider) ValidMediaID(id string) bool { return fileID.MatchString(id) }

// MediaHosts is the Bot API host, which serves both getFile and the files.
func (Provider) MediaHosts() []string { return []string{"api.telegram.org"} }

// FetchMedia resolves a file_id with getFile and fetches the file; the URL holds the bot
// token, so it is never shown to a browser.
func (Provider) FetchMedia(ctx context.Context, hc *http.Client, ch inbox.Channel, id string) (*http.Response, error) {
	base := provider.BaseURL(ch, DefaultAPI)
	body, _ := json.Marshal(map[string]string{"file_id": id})
	req, err := provider.NewRequest(ctx, http.MethodPost, base+"/bot"+ch.Config["bot_token"]+"/getFile", "application/json", body)
	if err != nil {
		return nil, err
	}
	raw, err := provider.Do(hc, provider.Repeatable(req), apiError) // a read, though a POST
	if err != nil {
		return nil, err
	}
	var res struct {
		Result struct {
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.Result.FilePath == "" {
		return nil, fmt.Errorf("getFile %s: no file_path", id)
	}
	path, err := provider.PathSegments(res.Result.FilePath)
	if err != nil {
		return nil, fmt.Errorf("getFile %s: %w", id, err)
	}
	req, err = provider.NewRequest(ctx, http.MethodGet, base+"/file/bot"+ch.Config["bot_token"]+"/"+path, "", nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}
