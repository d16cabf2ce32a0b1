package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// allowedUpdates are the updates the inbox reads; Telegram sends no others.
var allowedUpdates = []string{"message", "edited_message", "channel_post", "callback_query"}

// call posts a Bot API method of ch's bot and checks that it answers ok; a refusal is a *provider.Rejected of field, "<what>: <Telegram's description>".
func call(ctx context.Context, hc *http.Client, ch inbox.Channel, method string, args any, field, what string) error {
	body, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	req, err := provider.NewRequest(ctx, http.MethodPost, provider.BaseURL(ch, DefaultAPI)+"/bot"+ch.Config["bot_token"]+"/"+method, "application/json", body)
	if err != nil {
		return err
	}
	raw, err := provider.Check(hc, req, description, field, what)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var res struct {
		OK bool `json:"ok"`
	}
	if json.Unmarshal(raw, &res) != nil || !res.OK {
		return &provider.Rejected{Field: field, Reason: what + ": " + firstOf(description(raw), "unexpected answer")}
	}
	return nil
}

// description is the description of a Bot API error answer.
func description(b []byte) string {
	var e struct {
		Description string `json:"description"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	return e.Description
}

// CheckCredentials calls getMe, which answers 401 to a token that is not a bot's.
func (Provider) CheckCredentials(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	return call(ctx, hc, ch, "getMe", struct{}{}, "bot_token", "Telegram rejected the bot token")
}

// RegisterWebhook calls setWebhook with the channel's secret as secret_token, which Telegram
// sends back on every update. When the bot changed, the old bot's webhook is deleted, if its
// token still works (a revoked token is the usual reason for the change).
func (Provider) RegisterWebhook(ctx context.Context, hc *http.Client, ch inbox.Channel, prev *inbox.Channel, url string) error {
	args := map[string]any{"url": url, "secret_token": ch.Config["webhook_secret"], "allowed_updates": allowedUpdates}
	if err := call(ctx, hc, ch, "setWebhook", args, "webhook", "Telegram refused the webhook "+url); err != nil {
		return err
	}
	if prev != nil && (prev.Config["bot_token"] != ch.Config["bot_token"] || provider.BaseURL(*prev, DefaultAPI) != provider.BaseURL(ch, DefaultAPI)) {
		_ = Provider{}.UnregisterWebhook(ctx, hc, *prev)
	}
	return nil
}

// UnregisterWebhook calls deleteWebhook.
func (Provider) UnregisterWebhook(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	return call(ctx, hc, ch, "deleteWebhook", struct{}{}, "bot_token", "Telegram refused to delete the webhook")
}
