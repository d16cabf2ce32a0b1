package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// DefaultAPI is Twilio's REST host.
const DefaultAPI = "https://api.twilio.com"

// emptyTwiML answers a webhook without making Twilio do anything.
var emptyTwiML = &provider.Reply{Status: http.StatusOK, ContentType: "text/xml", Body: []byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`)}

// SMS is Twilio Programmable Messaging.
type SMS struct{}

func (SMS) Spec() inbox.ChannelSpec {
	return inbox.ChannelSpec{
		Required: []string{"account_sid", "auth_token"},
		Optional: []string{"from_number", "messaging_service_sid", "api_base_url"},
		Secret:   []string{"auth_token"},
	}
}

// form verifies the signature of a form-encoded webhook and returns its parameters.
func form(r *http.Request, body []byte, ch inbox.Channel, publicURL string) (url.Values, error) {
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, provider.Malformed{Err: err}
	}
	if !Verify(ch.Config["auth_token"], publicURL, params, r.Header.Get("X-Twilio-Signature")) {
		return nil, provider.ErrSignature
	}
	return params, nil
}

var smsStatus = map[string]inbox.DeliveryStatus{
	"sending": inbox.DeliverySent, "sent": inbox.DeliverySent, "delivered": inbox.DeliveryDelivered,
	"read": inbox.DeliveryRead, "undelivered": inbox.DeliveryFailed, "failed": inbox.DeliveryFailed,
}

func (SMS) Webhook(r *http.Request, body []byte, ch inbox.Channel, publicURL string) (provider.Batch, error) {
	p, err := form(r, body, ch, publicURL)
	if err != nil {
		return provider.Batch{}, err
	}
	sid := p.Get("MessageSid")
	if sid == "" {
		return provider.Batch{}, provider.Malformed{Err: fmt.Errorf("no MessageSid")}
	}
	if status := p.Get("MessageStatus"); status != "" && status != "received" {
		b := provider.Batch{Reply: emptyTwiML}
		if st, ok := smsStatus[status]; ok {
			rc := inbox.Receipt{ProviderMessageID: sid, Status: st}
			if code := p.Get("ErrorCode"); code != "" {
				rc.Error = strings.TrimSpace("Twilio error " + code + " " + p.Get("ErrorMessage"))
			}
			b.Receipts = []inbox.Receipt{rc}
		}
		return b, nil
	}
	from := p.Get("From")
	in := inbox.Inbound{ProviderMessageID: sid, From: inbox.Sender{Address: from, Phone: from}, ContentType: inbox.ContentText, Content: p.Get("Body")}
	n, _ := strconv.Atoi(p.Get("NumMedia"))
	for i := range min(n, 10) {
		in.Attachments = append(in.Attachments, mmsAttachment(p.Get(fmt.Sprintf("MediaUrl%d", i)), p.Get(fmt.Sprintf("MediaContentType%d", i))))
	}
	if len(in.Attachments) > 0 {
		in.ContentType = inbox.MediaContentType(in.Attachments[0].MimeType)
	}
	return provider.Batch{Messages: []inbox.Inbound{in}, Reply: emptyTwiML}, nil
}

// Send posts to Messages.json with the status callback pointing back at this channel.
func (SMS) Send(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, statusURL string) (string, error) {
	f := url.Values{"To": {to}, "Body": {provider.Text(m)}}
	if sid := ch.Config["messaging_service_sid"]; sid != "" {
		f.Set("MessagingServiceSid", sid)
	} else if from := ch.Config["from_number"]; from != "" {
		f.Set("From", from)
	} else {
		return "", provider.Permanent("the channel has neither from_number nor messaging_service_sid")
	}
	for _, a := range m.Attachments {
		if a.URL != "" {
			f.Add("MediaUrl", a.URL)
		}
	}
	if statusURL != "" {
		f.Set("StatusCallback", statusURL)
	}
	sid := ch.Config["account_sid"]
	req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/2010-04-01/Accounts/"+url.PathEscape(sid)+"/Messages.json",
		"application/x-www-form-urlencoded", []byte(f.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(sid, ch.Config["auth_token"])
	raw, err := provider.Do(hc, req, apiError)
	if err != nil {
		return "", err
	}
	var res struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.SID == "" {
		return "", &provider.SendError{Reason: "unexpected answer: " + string(raw)}
	}
	return res.SID, nil
}

func apiError(b []byte) string {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(b, &e) != nil || e.Message == "" {
		return ""
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// MediaLimits are Twilio's for MMS: up to 10 files of 5 MB together, fetched by Twilio from
// their MediaUrl. JPEG, PNG and GIF are formatted for the handset; other types Twilio
// accepts are passed on as they are.
func (SMS) MediaLimits() provider.MediaLimits {
	return provider.MediaLimits{Name: "Twilio MMS", Files: 10, TotalBytes: 5 * provider.MB, Kinds: []provider.MediaLimit{
		{MaxBytes: 5 * provider.MB},
	}}
}
