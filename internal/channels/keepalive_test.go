package channels_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// closingAPI is a provider API (Telegram's and RBM's calls) that answers the first request
// of each connection and keeps the connection open, then reads the next request on it and
// closes the connection unanswered: a server whose keep-alive timeout runs out just as the
// client reuses the connection.
type closingAPI struct {
	*httptest.Server
	mu       sync.Mutex
	perConn  map[string]int // requests read, by client address
	received []string       // every request read: path and query
}

func newClosingAPI(t *testing.T) *closingAPI {
	api := &closingAPI{perConn: map[string]int{}}
	api.Server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.Close)
	return api
}

func (api *closingAPI) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	api.mu.Lock()
	api.perConn[r.RemoteAddr]++
	reused := api.perConn[r.RemoteAddr] > 1
	api.received = append(api.received, r.URL.RequestURI())
	api.mu.Unlock()
	if reused {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/getMe"):
		fmt.Fprint(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"Bot"}}`)
	case strings.HasSuffix(p, "/getFile"):
		fmt.Fprint(w, `{"ok":true,"result":{"file_id":"f1","file_path":"photos/f1.png"}}`)
	case strings.HasPrefix(p, "/file/"):
		fmt.Fprint(w, "the photo")
	case strings.HasSuffix(p, "/sendMessage"):
		fmt.Fprint(w, `{"ok":true,"result":{"message_id":7,"date":0,"chat":{"id":555,"type":"private"}}}`)
	case p == "/token":
		fmt.Fprint(w, `{"access_token":"ya29.minted","expires_in":3600,"token_type":"Bearer"}`)
	case strings.HasSuffix(p, "/agentMessages"):
		fmt.Fprint(w, `{"name":"phones/+15551230000/agentMessages/x"}`)
	}
}

// requests are the requests read whose path and query hold part.
func (api *closingAPI) requests(part string) []string {
	api.mu.Lock()
	defer api.mu.Unlock()
	var out []string
	for _, r := range api.received {
		if strings.Contains(r, part) {
			out = append(out, r)
		}
	}
	return out
}

// TestProviderCallsOnAClosedKeepAlive: a call safe to repeat (a credential check, a media
// fetch, an RBM token, an RBM send, which RBM deduplicates by its messageId) succeeds when the provider
// closes the reused connection it was sent on, sent again on a new one; a Telegram send is
// never sent twice by the client: it fails with a temporary error, for the outbox to retry.
func TestProviderCallsOnAClosedKeepAlive(t *testing.T) {
	ctx := context.Background()
	msg := inbox.Message{ID: uuid.New(), ContentType: inbox.ContentText, Content: "Your order shipped"}
	for _, c := range []struct {
		name   string
		call   func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error
		path   string
		sent   int  // times the provider reads the call
		failed bool // the call fails
	}{
		{name: "Telegram getMe", path: "/getMe", sent: 2, call: func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error {
			ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelTelegram, Config: map[string]string{"api_base_url": base, "bot_token": "123:ABC"}}
			return check(channels.NewConnector(providers, hc, "").Check(ctx, ch))
		}},
		{name: "Telegram getFile", path: "/getFile", sent: 2, call: func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error {
			ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelTelegram, Config: map[string]string{"api_base_url": base, "bot_token": "123:ABC"}}
			res, err := providers[inbox.ChannelTelegram].(provider.MediaFetcher).FetchMedia(ctx, hc, ch, "f1")
			if err != nil {
				return err
			}
			res.Body.Close()
			return nil
		}},
		{name: "RBM token", path: "/token", sent: 2, call: func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error {
			key, _, err := rcs.ServiceAccountKey(base + "/token")
			if err != nil {
				return err
			}
			ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelRCS, Config: map[string]string{"api_base_url": base, "agent_id": "agent", "service_account_key": key}}
			return check(channels.NewConnector(providers, hc, "").Check(ctx, ch))
		}},
		{name: "RBM send", path: "/agentMessages?agentId=agent&messageId=" + msg.ID.String(), sent: 2, call: func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error {
			ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelRCS, Config: map[string]string{"api_base_url": base, "agent_id": "agent", "access_token": "ya29"}}
			_, err := providers[inbox.ChannelRCS].Send(ctx, hc, ch, "+15551230000", msg, "")
			return err
		}},
		{name: "Telegram send", path: "/sendMessage", sent: 1, failed: true, call: func(base string, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client) error {
			ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelTelegram, Config: map[string]string{"api_base_url": base, "bot_token": "123:ABC"}}
			_, err := providers[inbox.ChannelTelegram].Send(ctx, hc, ch, "555", msg, "")
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newClosingAPI(t)
			hc := provider.NewClient(10 * time.Second)
			// A first call leaves an idle connection that the next call reuses.
			res, err := hc.Get(api.URL + "/warm-up")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()

			err = c.call(api.URL, channels.Providers(), hc)
			switch {
			case c.failed && (err == nil || provider.IsPermanent(err)):
				t.Errorf("got %v, want a temporary error", err)
			case !c.failed && err != nil:
				t.Errorf("on a reused connection the provider closed: %v", err)
			}
			if got := api.requests(c.path); len(got) != c.sent {
				t.Errorf("the provider read %d %s requests (%q), want %d", len(got), c.path, got, c.sent)
			}
		})
	}
}

// check is the error of a failed credential check.
func check(c inbox.ChannelCheck) error {
	if !c.OK {
		return fmt.Errorf("credential check failed: %s", c.Message)
	}
	return nil
}
