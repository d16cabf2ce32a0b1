package rcs

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

func serviceAccountKey(t *testing.T, tokenURI string) (string, *rsa.PrivateKey) {
	t.Helper()
	key, priv, err := ServiceAccountKey(tokenURI)
	if err != nil {
		t.Fatal(err)
	}
	return key, priv
}

// fakeGoogle is Google's token endpoint (the JWT-bearer grant, checking the assertion's
// signature and claims) and the RBM API (recording the bearer of each send).
type fakeGoogle struct {
	t       *testing.T
	srv     *httptest.Server
	keys    map[string]*rsa.PublicKey // by the assertion's kid
	mu      sync.Mutex
	minted  int
	expires []int // expires_in of the tokens to mint, in order; then 3600
	refuse  bool
	bearers []string
}

func newFakeGoogle(t *testing.T) *fakeGoogle {
	g := &fakeGoogle{t: t, keys: map[string]*rsa.PublicKey{}}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGoogle) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.URL.Path != "/token" {
		g.bearers = append(g.bearers, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"name":"phones/+15551234567/agentMessages/x"}`)
		return
	}
	if g.refuse {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		g.t.Errorf("token request %v: %v", r.PostForm, err)
	}
	g.checkAssertion(r.PostForm.Get("assertion"))
	g.minted++
	expires := 3600
	if len(g.expires) > 0 {
		expires, g.expires = g.expires[0], g.expires[1:]
	}
	fmt.Fprintf(w, `{"access_token":"ya29.minted-%d","expires_in":%d,"token_type":"Bearer"}`, g.minted, expires)
}

// checkAssertion verifies the JWT the service account signed: RS256 with its key, issued by
// its email, for the RBM scope, addressed to the token endpoint.
func (g *fakeGoogle) checkAssertion(jwt string) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		g.t.Errorf("assertion %q is not a JWT", jwt)
		return
	}
	var head struct{ Alg, Kid string }
	var claims struct{ Iss, Scope, Aud string }
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	_ = json.Unmarshal(h, &head)
	_ = json.Unmarshal(c, &claims)
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if pub := g.keys[head.Kid]; head.Alg != "RS256" || pub == nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		g.t.Errorf("assertion not signed by the service account's key: %s", h)
	}
	if claims.Iss != "agent@rbm-test.iam.gserviceaccount.com" || claims.Scope != Scope || claims.Aud != g.srv.URL+"/token" {
		g.t.Errorf("assertion claims %s", c)
	}
}

func (g *fakeGoogle) state() (int, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.minted, append([]string(nil), g.bearers...)
}

// TestServiceAccountTokens: sends carry a token minted from the service-account key at the
// key's token_uri, reused while it is good for more than refreshEarly and replaced before it
// expires; a new key mints anew; a refused key fails the send for good.
func TestServiceAccountTokens(t *testing.T) {
	g := newFakeGoogle(t)
	key, priv := serviceAccountKey(t, g.srv.URL+"/token")
	g.keys["k1"] = &priv.PublicKey
	g.expires = []int{200, 3600} // the first token expires within refreshEarly
	p := New()
	ch := inbox.Channel{ID: uuid.New(), Kind: inbox.ChannelRCS, Config: map[string]string{"agent_id": "my-agent", "client_token": "x",
		"service_account_key": key, "api_base_url": g.srv.URL}}
	send := func(ch inbox.Channel) error {
		_, err := p.Send(context.Background(), g.srv.Client(), ch, "+15551234567", inbox.Message{ID: uuid.New(), Content: "Hi"}, "")
		return err
	}
	for range 3 {
		if err := send(ch); err != nil {
			t.Fatal(err)
		}
	}
	minted, bearers := g.state()
	if want := []string{"Bearer ya29.minted-1", "Bearer ya29.minted-2", "Bearer ya29.minted-2"}; minted != 2 || !slices.Equal(bearers, want) {
		t.Errorf("%d tokens minted, sends carried %q; want 2 and %q", minted, bearers, want)
	}

	rotated, priv2 := serviceAccountKey(t, g.srv.URL+"/token")
	g.keys["k1"] = &priv2.PublicKey
	ch.Config["service_account_key"] = rotated
	if err := send(ch); err != nil {
		t.Fatal(err)
	}
	if minted, bearers := g.state(); minted != 3 || bearers[len(bearers)-1] != "Bearer ya29.minted-3" {
		t.Errorf("after a new key: %d minted, last send %q", minted, bearers[len(bearers)-1])
	}

	g.mu.Lock()
	g.refuse = true
	g.mu.Unlock()
	other := ch
	other.ID = uuid.New()
	if err := send(other); !provider.IsPermanent(err) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("a refused key: %v", err)
	}
}

// TestValidateConfig: a channel needs a service-account key that parses (or a fixed token).
func TestValidateConfig(t *testing.T) {
	good, _ := serviceAccountKey(t, "https://oauth2.googleapis.com/token")
	var user map[string]string
	_ = json.Unmarshal([]byte(good), &user)
	user["type"] = "authorized_user"
	wrongType, _ := json.Marshal(user)
	user["type"], user["private_key"] = "service_account", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
	badKey, _ := json.Marshal(user)
	for name, c := range map[string]struct {
		config map[string]string
		ok     bool
	}{
		"service account": {map[string]string{"service_account_key": good}, true},
		"fixed token":     {map[string]string{"access_token": "ya29.dev"}, true},
		"neither":         {map[string]string{}, false},
		"not JSON":        {map[string]string{"service_account_key": "{nope"}, false},
		"user key":        {map[string]string{"service_account_key": string(wrongType)}, false},
		"broken key":      {map[string]string{"service_account_key": string(badKey)}, false},
	} {
		problems := validate(c.config)
		if (len(problems) == 0) != c.ok || (!c.ok && problems["service_account_key"] == "") {
			t.Errorf("%s: %v", name, problems)
		}
	}
}
