// Package provider is the contract between the inbox and one provider family's protocol:
// verify and parse its webhooks, send through its API, fetch its media.
package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Provider speaks one provider's protocol for channels of one kind.
type Provider interface {
	Spec() inbox.ChannelSpec
	// Webhook verifies a webhook request (its raw body already read) and parses it.
	// publicURL is the URL the provider called, as it sees it (Twilio signs it).
	Webhook(r *http.Request, body []byte, ch inbox.Channel, publicURL string) (Batch, error)
	// Send delivers m to the contact's address and returns the provider's message id.
	Send(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, statusURL string) (string, error)
}

// MediaFetcher is a provider whose inbound media are ids to fetch with the channel's
// credentials.
type MediaFetcher interface {
	// ValidMediaID tells whether id has the form of the provider's media ids; any other id
	// is refused before a request is made.
	ValidMediaID(id string) bool
	// MediaHosts are the hosts its media requests may reach, the API's and the downloads':
	// a name, or "*.example.net" for any name under example.net.
	MediaHosts() []string
	// FetchMedia fetches a valid media id with hc, which refuses every host but MediaHosts.
	FetchMedia(ctx context.Context, hc *http.Client, ch inbox.Channel, mediaID string) (*http.Response, error)
}

// Batch is what one webhook request carries.
type Batch struct {
	Messages  []inbox.Inbound
	Receipts  []inbox.Receipt
	Reactions []inbox.InboundReaction
	Calls     []inbox.CallUpdate
	Typing    []inbox.Sender // contacts the provider says are typing
	// FollowUps are calls to the provider's API the webhook asks for (Telegram's
	// answerCallbackQuery); they run once the rest is stored and the webhook answered.
	FollowUps []FollowUp
	// Reply, when set, is the answer the provider expects (a handshake echo, TwiML);
	// otherwise the webhook answers 200 with a JSON envelope.
	Reply *Reply
}

// FollowUp is a call to the provider's API that a webhook asks for.
type FollowUp func(ctx context.Context, hc *http.Client) error

// Reply is a raw HTTP answer.
type Reply struct {
	Status      int
	ContentType string
	Body        []byte
}

// Errors a webhook parse returns.
var (
	ErrSignature = errors.New("invalid or missing signature")
	ErrForbidden = errors.New("verification token does not match")
)

// Malformed says a verified webhook could not be parsed.
type Malformed struct{ Err error }

func (e Malformed) Error() string { return "malformed webhook: " + e.Err.Error() }
func (e Malformed) Unwrap() error { return e.Err }

// SendError is a failed send; Permanent ones are not retried.
type SendError struct {
	Permanent bool
	Status    int
	Reason    string
	// RetryAfter is how long the provider asked us to wait before the next attempt (0: it
	// did not say).
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("provider answered %d: %s", e.Status, e.Reason)
	}
	return e.Reason
}

// Permanent makes a permanent send error.
func Permanent(reason string) error { return &SendError{Permanent: true, Reason: reason} }

// IsPermanent tells whether err must not be retried.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// RetryAfter is the wait a provider asked for before err's next attempt, or 0.
func RetryAfter(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// Do sends a request and reads the answer (capped at 1 MiB). Network failures, 429 and 5xx
// are temporary *SendErrors, with the wait of a Retry-After header; other 4xx are permanent,
// with reason taken from the body by reason (or the raw body when it is nil). The body of an
// error answer is returned with the error, for the hints a provider puts there.
func Do(hc *http.Client, req *http.Request, reason func([]byte) string) ([]byte, error) {
	res, err := hc.Do(req)
	if err != nil {
		return nil, &SendError{Reason: "network: " + err.Error()}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, &SendError{Reason: "read answer: " + err.Error()}
	}
	if res.StatusCode/100 == 2 {
		return body, nil
	}
	msg := strings.TrimSpace(string(body))
	if reason != nil {
		if r := reason(body); r != "" {
			msg = r
		}
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	temporary := res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500
	se := &SendError{Permanent: !temporary, Status: res.StatusCode, Reason: msg}
	if temporary {
		se.RetryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	return body, se
}

// retryAfter reads a Retry-After header: a number of seconds or an HTTP date.
func retryAfter(header string, now time.Time) time.Duration {
	if header == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(header)); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if at, err := http.ParseTime(header); err == nil {
		return max(at.Sub(now), 0)
	}
	return 0
}

// NewRequest builds a request with a body and content type.
func NewRequest(ctx context.Context, method, url, contentType string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// BaseURL is the channel's api_base_url, or the provider's default.
func BaseURL(ch inbox.Channel, def string) string {
	if u := strings.TrimRight(ch.Config["api_base_url"], "/"); u != "" {
		return u
	}
	return def
}

// Text is the text a message sends: its content, or its first attachment's caption.
func Text(m inbox.Message) string {
	if m.Content == "" && len(m.Attachments) > 0 {
		return m.Attachments[0].Caption
	}
	return m.Content
}

// TemplateOf returns the template an outbound message carries, if any.
func TemplateOf(m inbox.Message) *inbox.Template {
	if len(m.Payload) == 0 {
		return nil
	}
	var p struct {
		Template *inbox.Template `json:"template"`
	}
	if json.Unmarshal(m.Payload, &p) != nil {
		return nil
	}
	return p.Template
}

// CredentialChecker is a provider that can tell, with one cheap call, whether a channel's
// credentials are good: it returns a *Rejected when the provider refuses them.
type CredentialChecker interface {
	CheckCredentials(ctx context.Context, hc *http.Client, ch inbox.Channel) error
}

// WebhookRegistrar is a provider that is told its webhook's URL by API (Telegram's
// setWebhook) rather than in its console.
type WebhookRegistrar interface {
	// RegisterWebhook points the provider at url for ch; prev is the channel as it was before
	// an update (nil on create), whose registration is dropped when it was another account.
	RegisterWebhook(ctx context.Context, hc *http.Client, ch inbox.Channel, prev *inbox.Channel, url string) error
	// UnregisterWebhook stops the provider calling the webhook of ch.
	UnregisterWebhook(ctx context.Context, hc *http.Client, ch inbox.Channel) error
}

// Rejected says the provider refused a channel's setting: Field names it (a config key, or
// "webhook"), Reason says what the provider said, in words for the admin.
type Rejected struct {
	Field  string
	Reason string
}

func (e *Rejected) Error() string { return e.Field + ": " + e.Reason }

// Check calls the provider to check a setting: a refusal (a 4xx but 429) is a *Rejected of
// field, "<what>: <the provider's reason>"; anything else that fails is the *SendError.
// Its calls (credential checks, webhook registration, reads) are safe to repeat: req is
// made Repeatable.
func Check(hc *http.Client, req *http.Request, reason func([]byte) string, field, what string) ([]byte, error) {
	body, err := Do(hc, Repeatable(req), reason)
	var se *SendError
	if errors.As(err, &se) && se.Permanent {
		return body, &Rejected{Field: field, Reason: what + ": " + se.Reason}
	}
	return body, err
}

// AsInboxError turns a provider's failure into the answer the API gives: a *Rejected is a
// 400 on its field, anything else a 502 saying that name (the provider's) did not answer.
func AsInboxError(err error, name string) error {
	var rej *Rejected
	if errors.As(err, &rej) {
		field := rej.Field
		if field != "webhook" {
			field = "config." + field
		}
		return inbox.Invalid(map[string]string{field: rej.Reason})
	}
	return inbox.ProviderFailed(name + " could not be reached or failed: " + err.Error())
}
