package rcs

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/jwt"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Scope is the OAuth scope of the RBM API.
const Scope = "https://www.googleapis.com/auth/rcsbusinessmessaging"

// refreshEarly is how long before its expiry a token is replaced: RBM's tokens live an hour,
// and a send must never go out with one that expires on the way.
const refreshEarly = 5 * time.Minute

// serviceAccount reads a service-account JSON key into the JWT flow that mints its tokens.
// The token endpoint is the key's token_uri.
func serviceAccount(key string) (*jwt.Config, error) {
	conf, err := google.JWTConfigFromJSON([]byte(key), Scope)
	if err != nil {
		return nil, fmt.Errorf("not a service-account JSON key: %w", err)
	}
	if conf.Email == "" {
		return nil, errors.New("the key has no client_email")
	}
	// The private key is parsed only when a token is minted: check it now.
	block, _ := pem.Decode(conf.PrivateKey)
	if block == nil {
		return nil, errors.New("the key's private_key is not PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, errors.New("the key's private_key is not an RSA private key")
		}
	}
	return conf, nil
}

// validate checks a channel's configuration: a service-account key that parses, or, for
// tests and development, a fixed access token.
func validate(config map[string]string) map[string]string {
	key := config["service_account_key"]
	switch {
	case key == "" && config["access_token"] == "":
		return map[string]string{"service_account_key": "Required for an rcs channel: the agent's service-account JSON key"}
	case key != "":
		if _, err := serviceAccount(key); err != nil {
			return map[string]string{"service_account_key": err.Error()}
		}
	}
	return nil
}

// tokens keeps one token source per channel, so that a token is minted once and replaced
// before it expires rather than fetched for every send. A new key (the channel's settings
// changed) gets a new source.
type tokens struct {
	mu      sync.Mutex
	sources map[uuid.UUID]keySource
}

type keySource struct {
	key string
	src oauth2.TokenSource
}

// bearer is the access token a send to the channel's agent carries.
func (t *tokens) bearer(ch inbox.Channel, hc *http.Client) (string, error) {
	key := ch.Config["service_account_key"]
	if key == "" {
		return ch.Config["access_token"], nil
	}
	src, err := t.source(ch.ID, key, hc)
	if err != nil {
		return "", provider.Permanent("service_account_key: " + err.Error())
	}
	tok, err := src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode/100 == 4 && re.Response.StatusCode != http.StatusTooManyRequests {
			return "", provider.Permanent("the token endpoint refused the service account: " + re.Error())
		}
		return "", &provider.SendError{Reason: "get an access token: " + err.Error()}
	}
	return tok.AccessToken, nil
}

func (t *tokens) source(channel uuid.UUID, key string, hc *http.Client) (oauth2.TokenSource, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.sources[channel]; ok && s.key == key {
		return s.src, nil
	}
	conf, err := serviceAccount(key)
	if err != nil {
		return nil, err
	}
	// The source outlives the send that made it: its token requests use hc, not a
	// request's context. Minting a token is safe to repeat.
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, provider.RepeatableClient(hc))
	src := oauth2.ReuseTokenSourceWithExpiry(nil, conf.TokenSource(ctx), refreshEarly)
	if t.sources == nil {
		t.sources = map[uuid.UUID]keySource{}
	}
	t.sources[channel] = keySource{key: key, src: src}
	return src, nil
}

// CheckCredentials mints an access token with the channel's service-account key (kept for
// the sends that follow): the token endpoint refuses a key that is revoked or unknown. A
// fixed access_token (tests, development) has nothing to check.
func (p Provider) CheckCredentials(_ context.Context, hc *http.Client, ch inbox.Channel) error {
	if ch.Config["service_account_key"] == "" {
		return nil
	}
	_, err := p.tokens.bearer(ch, hc)
	if provider.IsPermanent(err) {
		var se *provider.SendError
		errors.As(err, &se)
		return &provider.Rejected{Field: "service_account_key", Reason: "Google: " + se.Reason}
	}
	return err
}
