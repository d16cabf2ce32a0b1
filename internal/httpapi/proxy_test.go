package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestBehindAProxy: behind a trusted reverse proxy, the login rate limit counts each client
// its X-Forwarded-For names, not the proxy (which would lock the whole team out together),
// and the audit log records the client's address.
func TestBehindAProxy(t *testing.T) {
	e := newEnv(t, func(o *options) {
		o.loginRPS = 0.001 // a burst of 5, then one a quarter of an hour
		o.deps = func(_ *env, d *httpapi.Deps) { d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} }
	})
	from := func(client, method, path, token string, body any) int {
		raw, _ := json.Marshal(body)
		req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", client)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	login := map[string]any{"email": seed.DemoEmail(auth.RoleViewer), "password": demoPassword}
	limited := false
	for range 10 {
		if from("198.51.100.1", "POST", "/v1/auth/login", "", login) == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("one client's logins were never limited")
	}
	if got := from("198.51.100.2", "POST", "/v1/auth/login", "", login); got != http.StatusOK {
		t.Errorf("another client behind the same proxy: %d, want 200", got)
	}

	if got := from("198.51.100.3", "POST", "/v1/tags", e.tokenOf[auth.RoleAdmin], map[string]any{"name": "from-afar", "color": "#123456"}); got != http.StatusCreated {
		t.Fatalf("create a tag: %d", got)
	}
	entries := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?action=tag.created", e.tokenOf[auth.RoleAdmin], nil), 200, "audit log"))
	if len(entries) != 1 || entries[0].IP != "198.51.100.3" {
		t.Errorf("the audit log has %+v, want the client's address 198.51.100.3", entries)
	}
}
