package httpapi_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/web"
)

// withWeb mounts the agents' page and the pages links open, as the binary does.
func withWeb(o *options) {
	o.deps = func(_ *env, d *httpapi.Deps) { d.Web = web.Handler() }
}

var (
	scriptSrc    = regexp.MustCompile(`<script type="module" src="(/app/[a-z-]+\.js)"></script>`)
	moduleImport = regexp.MustCompile(`from "\./([a-z-]+\.js)"`)
)

// page GETs path and fails unless it is an HTML page holding each of want; it answers the
// page's script.
func (e *env) page(path string, want ...string) string {
	e.t.Helper()
	r := e.do("GET", path, "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		e.t.Fatalf("GET %s: %d %s, want 200 text/html", path, r.Status, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
		e.t.Errorf("GET %s: Referrer-Policy %q: the URL's token would leak", path, got)
	}
	for _, w := range want {
		if !strings.Contains(string(r.Raw), w) {
			e.t.Errorf("GET %s lacks %q:\n%s", path, w, r.Raw)
		}
	}
	m := scriptSrc.FindStringSubmatch(string(r.Raw))
	if m == nil {
		e.t.Fatalf("GET %s: no module script:\n%s", path, r.Raw)
	}
	return m[1]
}

// script GETs the script at path and the modules it imports, and answers their text.
func (e *env) script(path string) string {
	e.t.Helper()
	r := e.do("GET", path, "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		e.t.Fatalf("GET %s: %d %s, want 200 text/javascript", path, r.Status, r.Header.Get("Content-Type"))
	}
	text := string(r.Raw)
	for _, m := range moduleImport.FindAllStringSubmatch(text, -1) {
		text += e.script("/app/" + m[1])
	}
	return text
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

// TestInvitationPage: the invitation link opens a page with the sign-up form, whose script
// (and what it imports) is served and calls the invitation API.
func TestInvitationPage(t *testing.T) {
	e := newEnv(t, withWeb)
	r := e.expect(e.do("POST", "/v1/invitations", e.tokenOf[auth.RoleAdmin], map[string]any{"email": "page@example.com", "role": "executive"}), 201, "invite")
	link := linkPath(t, r.data()["link"].(string))
	if !strings.HasPrefix(link, "/accept?token=") {
		t.Fatalf("invitation link %q", link)
	}
	form := []string{`<form id="accept-form"`, `name="first_name"`, `name="last_name"`, `name="password"`, "At least 10 characters"}
	src := e.page(link, form...)
	if got := e.page("/accept?token=X", form...); got != src {
		t.Errorf("an unknown token's page runs %s, the link's %s", got, src)
	}
	e.page("/accept", form...) // the page says the token is missing
	js := e.script(src)
	for _, w := range []string{`"/v1/invitations/accept?token="`, `call("POST", "/v1/invitations/accept"`, `localStorage.setItem("teaminbox.token"`} {
		if !strings.Contains(js, w) {
			t.Errorf("%s and its imports lack %s", src, w)
		}
	}
}

// TestPasswordResetPage: the reset link an admin issues opens a page with the new password
// form, whose script posts to the confirm API.
func TestPasswordResetPage(t *testing.T) {
	e := newEnv(t, withWeb)
	r := e.expect(e.do("POST", "/v1/users/"+seed.DemoUserID(auth.RoleExecutive).String()+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 201, "issue reset")
	link := linkPath(t, r.data()["link"].(string))
	if !strings.HasPrefix(link, "/reset-password?token=") {
		t.Fatalf("reset link %q", link)
	}
	form := []string{`<form id="reset-form"`, `name="new_password"`, `name="again"`, "At least 10 characters"}
	src := e.page(link, form...)
	e.page("/reset-password?token=X", form...)
	if js := e.script(src); !strings.Contains(js, `call("POST", "/v1/auth/password-reset/confirm"`) {
		t.Errorf("%s and its imports do not post to the confirm API", src)
	}
}
