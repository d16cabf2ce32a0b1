package channels

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Connector is the inbox.ChannelConnector of the providers: it checks a channel's
// credentials with its provider before they are saved, and registers the channel's webhook
// with the providers that take it by API (Telegram's setWebhook).
type Connector struct {
	providers map[inbox.ChannelKind]provider.Provider
	hc        *http.Client
	publicURL string
}

var _ inbox.ChannelConnector = (*Connector)(nil)

// NewConnector returns the connector; publicURL (TEAMINBOX_PUBLIC_URL), when set, is the
// base of the webhook URLs registered, else the URL the admin reached the server at.
func NewConnector(providers map[inbox.ChannelKind]provider.Provider, hc *http.Client, publicURL string) *Connector {
	return &Connector{providers: providers, hc: hc, publicURL: strings.TrimRight(publicURL, "/")}
}

// providerNames name the providers in errors.
var providerNames = map[inbox.ChannelKind]string{
	inbox.ChannelWhatsApp: "WhatsApp", inbox.ChannelTelegram: "Telegram", inbox.ChannelSMS: "Twilio",
	inbox.ChannelVoice: "Twilio", inbox.ChannelRCS: "Google RBM",
}

// Connect checks the credentials, then registers the webhook.
func (c *Connector) Connect(ctx context.Context, ch inbox.Channel, prev *inbox.Channel, baseURL string) error {
	p := c.providers[ch.Kind]
	if chk, ok := p.(provider.CredentialChecker); ok {
		if err := chk.CheckCredentials(ctx, c.hc, ch); err != nil {
			return provider.AsInboxError(err, providerNames[ch.Kind])
		}
	}
	if reg, ok := p.(provider.WebhookRegistrar); ok {
		base := c.publicURL
		if base == "" {
			base = strings.TrimRight(baseURL, "/")
		}
		if err := reg.RegisterWebhook(ctx, c.hc, ch, prev, WebhookURL(base, ch)); err != nil {
			return provider.AsInboxError(err, providerNames[ch.Kind])
		}
	}
	return nil
}

// Disconnect unregisters the webhook.
func (c *Connector) Disconnect(ctx context.Context, ch inbox.Channel) error {
	if reg, ok := c.providers[ch.Kind].(provider.WebhookRegistrar); ok {
		return reg.UnregisterWebhook(ctx, c.hc, ch)
	}
	return nil
}

// Check asks the provider whether ch's credentials are good, with the call Connect makes
// first, and turns its answer into a verdict for the admin.
func (c *Connector) Check(ctx context.Context, ch inbox.Channel) inbox.ChannelCheck {
	name := providerNames[ch.Kind]
	chk, ok := c.providers[ch.Kind].(provider.CredentialChecker)
	if !ok {
		return inbox.ChannelCheck{OK: true, Message: "There is nothing to check for this channel"}
	}
	err := chk.CheckCredentials(ctx, c.hc, ch)
	var rej *provider.Rejected
	switch {
	case err == nil:
		return inbox.ChannelCheck{OK: true, Message: name + " accepted the credentials"}
	case errors.As(err, &rej):
		return inbox.ChannelCheck{Message: rej.Reason, Field: rej.Field}
	default:
		return inbox.ChannelCheck{Message: name + " could not be reached or failed: " + err.Error()}
	}
}
