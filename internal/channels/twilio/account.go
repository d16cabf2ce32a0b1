package twilio

import (
	"context"
	"net/http"
	"net/url"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// checkAccount fetches the account resource with the channel's SID and auth token: 401 says
// the pair is wrong, 404 that the SID names no account.
func checkAccount(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	sid := ch.Config["account_sid"]
	req, err := provider.NewRequest(ctx, http.MethodGet, provider.BaseURL(ch, DefaultAPI)+"/2010-04-01/Accounts/"+url.PathEscape(sid)+".json", "", nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(sid, ch.Config["auth_token"])
	_, err = provider.Check(hc, req, apiError, "auth_token", "Twilio rejected the account SID and auth token")
	return err
}

// CheckCredentials fetches the account.
func (SMS) CheckCredentials(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	return checkAccount(ctx, hc, ch)
}

// CheckCredentials fetches the account.
func (Voice) CheckCredentials(ctx context.Context, hc *http.Client, ch inbox.Channel) error {
	return checkAccount(ctx, hc, ch)
}
