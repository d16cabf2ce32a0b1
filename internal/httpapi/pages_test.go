package httpapi_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/web"
)

// withWeb mounts the agents' app, as the binary does.
func withWeb(o *options) {
	o.deps = func(_ *env, d *httpapi.Deps) { d.Web = web.Handler() }
}

var appScript = regexp.MustCompile(`<script type="module" crossorigin src="(/app/assets/index-[A-Za-z0-9_-]+\.js)"></script>`)

// page GETs path and fails unless it is the app's page (web/dist/index.html), with the
// headers every page gets and no-referrer since the URL may hold a link's token; it answers
// the page's script.
func (e *env) page(path string) string {
	e.t.Helper()
	r := e.do("GET", path, "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		e.t.Fatalf("GET %s: %d %s, want 200 text/html", path, r.Status, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
		e.t.Errorf("GET %s: Referrer-Policy %q: the URL's token would leak", path, got)
	}
	if got := r.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'self'") {
		e.t.Errorf("GET %s: Content-Security-Policy %q", path, got)
	}
	m := appScript.FindStringSubmatch(string(r.Raw))
	if m == nil || !strings.Contains(string(r.Raw), `<div id="app"></div>`) {
		e.t.Fatalf("GET %s: not the app's page:\n%s", path, r.Raw)
	}
	return m[1]
}

// linkPath is the path and query of a link the server made, to open it on the test server.
func linkPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.RequestURI()
}

// TestLinkPages: an invitation's and a password reset's links open the app's page, whatever
// the token (the app explains a bad one), and the app's script is served; the plain pages of
// before are gone.
func TestLinkPages(t *testing.T) {
	e := newEnv(t, withWeb)
	r := e.expect(e.do("POST", "/v1/invitations", e.tokenOf[auth.RoleAdmin], map[string]any{"email": "page@example.com", "role": "executive"}), 201, "invite")
	invitation := linkPath(t, r.data()["link"].(string))
	if !strings.HasPrefix(invitation, "/accept?token=") {
		t.Fatalf("invitation link %q", invitation)
	}
	r = e.expect(e.do("POST", "/v1/users/"+seed.DemoUserID(auth.RoleExecutive).String()+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 201, "issue reset")
	reset := linkPath(t, r.data()["link"].(string))
	if !strings.HasPrefix(reset, "/reset-password?token=") {
		t.Fatalf("reset link %q", reset)
	}
	script := e.page(invitation)
	for _, path := range []string{"/accept?token=X", "/accept", reset, "/reset-password?token=X", "/reset-password"} {
		if got := e.page(path); got != script {
			t.Errorf("GET %s runs %s, the invitation's page %s", path, got, script)
		}
	}
	js := e.do("GET", script, "", nil)
	if js.Status != 200 || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(string(js.Raw), "/v1/auth/login") {
		// The link pages themselves are a chunk the app's script loads (web/src/App.svelte).
		t.Errorf("GET %s: %d %s, want the app's script", script, js.Status, js.Header.Get("Content-Type"))
	}
	// ...and that chunk, the accept page's code, is served beside it.
	if chunk := regexp.MustCompile(`Public-[\w-]+\.js`).FindString(string(js.Raw)); chunk == "" {
		t.Errorf("the app's script names no chunk of the link pages")
	} else if c := e.do("GET", "/app/assets/"+chunk, "", nil); c.Status != 200 || !strings.Contains(string(c.Raw), "/v1/invitations/accept") {
		t.Errorf("GET /app/assets/%s: %d, want the link pages' code", chunk, c.Status)
	}
	for _, gone := range []string{"/app/accept.html", "/app/accept.js", "/app/form.js", "/app/setup.html", "/app/style.css"} {
		if got := e.do("GET", gone, "", nil).Status; got != 404 {
			t.Errorf("GET %s: %d, want 404 (the plain pages are retired)", gone, got)
		}
	}
}

// TestSetupPageRefused: without the setup link's token, or with a wrong one, /setup is a 403
// in the error envelope, not the app.
func TestSetupPageRefused(t *testing.T) {
	e := newEnv(t, withWeb)
	for _, path := range []string{"/setup", "/setup?token=wrong"} {
		e.expect(e.do("GET", path, "", nil), 403, "GET "+path)
	}
}

// TestSignupPage: /signup is the app's page only when sign-up is on, so the login page knows
// from HEAD /signup whether to offer it.
func TestSignupPage(t *testing.T) {
	head := func(e *env) int {
		res, err := http.Head(e.srv.URL + "/signup")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	off := newEnv(t, withWeb)
	if got := head(off); got != 404 {
		t.Errorf("HEAD /signup with sign-up off: %d, want 404", got)
	}
	off.expect(off.do("GET", "/signup", "", nil), 404, "GET /signup with sign-up off")
	on := newEnv(t, withWeb, func(o *options) { o.signup = true })
	on.page("/signup")
	if got := head(on); got != 200 {
		t.Errorf("HEAD /signup with sign-up on: %d, want 200", got)
	}
}
