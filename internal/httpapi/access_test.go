package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestAuthentication rejects every token that is not a valid, current API token of ours.
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	p := auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(auth.RoleAdmin), Role: auth.RoleAdmin}
	forger, err := auth.NewTokens([]byte("another-secret-another-secret-1234"))
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := forger.Issue(p, auth.AudienceAPI, time.Hour)
	valid := e.tokenOf[auth.RoleAdmin]
	tampered := valid[:len(valid)-4] + "AAAA"
	for name, tok := range map[string]string{
		"missing":         "",
		"garbage":         "not.a.jwt",
		"forged":          forged,
		"tampered":        tampered,
		"expired":         e.issue(p, auth.AudienceAPI, -time.Minute),
		"websocket token": e.issue(p, auth.AudienceWebSocket, time.Hour),
	} {
		e.expect(e.do("GET", "/v1/conversations", tok, nil), 401, name)
	}
	// A token naming a user that does not exist (deleted, or made up) reads nothing useful.
	ghost := e.issue(auth.Principal{TenantID: uuid.New(), UserID: uuid.New(), Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	r := e.do("GET", "/v1/conversations", ghost, nil)
	if r.Status == 200 && strings.Contains(string(r.Raw), seed.DemoTenantID.String()) {
		t.Errorf("a made-up tenant saw the demo tenant's data")
	}
}

// TestLogin exchanges a password for a token and limits guessing.
func TestLogin(t *testing.T) {
	e := newEnv(t, func(o *options) { o.loginRPS = 0.001 })
	ok := e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(auth.RoleExecutive), "password": demoPassword}), 200, "login")
	tok, _ := ok.data()["token"].(string)
	me := e.expect(e.do("GET", "/v1/auth/me", tok, nil), 200, "me with the login token")
	if !strings.Contains(string(me.Raw), seed.DemoUserID(auth.RoleExecutive).String()) {
		t.Errorf("me: %s", me.Raw)
	}
	if strings.Contains(string(ok.Raw), "argon2") || strings.Contains(string(me.Raw), "argon2") {
		t.Error("a password hash left the server")
	}
	var last reply
	for range 10 {
		last = e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(auth.RoleExecutive), "password": "wrong"})
		if last.Status == 429 {
			break
		}
		e.expect(last, 401, "wrong password")
	}
	e.expect(last, 429, "repeated failures are rate limited")
}

// route is one endpoint and the permission the API document gives it.
type route struct {
	method, path string
	body         any
	perm         auth.Permission
}

// TestRoles walks every endpoint with every role: forbidden ones answer 403 and change
// nothing; allowed ones never answer 403.
func TestRoles(t *testing.T) {
	e := newEnv(t)
	conv := e.firstConversation("status=active&channel=web")
	contact := e.expect(e.do("GET", "/v1/contacts?limit=1", e.tokenOf[auth.RoleAdmin], nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)["id"].(string)
	tag := e.expect(e.do("GET", "/v1/tags", e.tokenOf[auth.RoleAdmin], nil), 200, "tags").data()["tags"].([]any)[0].(map[string]any)["id"].(string)
	channel := e.channelOf("web")
	admin := seed.DemoUserID(auth.RoleAdmin).String()
	routes := []route{
		{"GET", "/v1/conversations", nil, auth.PermConversationsRead},
		{"GET", "/v1/conversations/" + conv, nil, auth.PermConversationsRead},
		{"GET", "/v1/conversations/statistics", nil, auth.PermConversationsRead},
		{"GET", "/v1/users", nil, auth.PermConversationsRead},
		{"GET", "/v1/teams", nil, auth.PermConversationsRead},
		{"GET", "/v1/contacts", nil, auth.PermConversationsRead},
		{"GET", "/v1/contacts/" + contact, nil, auth.PermConversationsRead},
		{"GET", "/v1/tags", nil, auth.PermConversationsRead},
		{"GET", "/v1/channels", nil, auth.PermConversationsRead},
		{"GET", "/team-inbox/api/messages/", nil, auth.PermConversationsRead},
		{"GET", "/team-inbox/api/stats/", nil, auth.PermConversationsRead},
		{"PATCH", "/v1/conversations/" + conv + "/status", map[string]any{"status": "pending"}, auth.PermConversationsUpdate},
		{"PATCH", "/v1/conversations/" + conv + "/assign", map[string]any{"assigned_user_id": admin}, auth.PermConversationsUpdate},
		{"PATCH", "/v1/conversations/" + conv + "/priority", map[string]any{"priority": "high"}, auth.PermConversationsUpdate},
		{"POST", "/v1/conversations/" + conv + "/messages", map[string]any{"content": "hi"}, auth.PermConversationsUpdate},
		{"POST", "/v1/conversations/" + conv + "/notes", map[string]any{"content": "note"}, auth.PermConversationsUpdate},
		{"POST", "/v1/conversations/" + conv + "/read", nil, auth.PermConversationsUpdate},
		{"POST", "/v1/conversations/" + conv + "/tags", map[string]any{"tag_id": tag}, auth.PermConversationsUpdate},
		{"DELETE", "/v1/conversations/" + conv + "/tags/" + tag, nil, auth.PermConversationsUpdate},
		{"POST", "/v1/conversations", map[string]any{"contact_id": contact, "channel_id": channel}, auth.PermConversationsUpdate},
		{"POST", "/v1/contacts", map[string]any{"first_name": "New"}, auth.PermContactsWrite},
		{"PATCH", "/v1/contacts/" + contact, map[string]any{"last_name": "Changed"}, auth.PermContactsWrite},
		{"POST", "/v1/tags", map[string]any{"name": "role-test", "color": "#112233"}, auth.PermSettingsWrite},
		{"PATCH", "/v1/tags/" + tag, map[string]any{"color": "#445566"}, auth.PermSettingsWrite},
		{"POST", "/v1/channels", map[string]any{"kind": "web", "name": "Another site"}, auth.PermSettingsWrite},
	}
	// Forbidden first, so that nothing allowed has changed the rows yet.
	for _, allowed := range []bool{false, true} {
		for _, r := range routes {
			for _, role := range auth.Roles {
				if auth.Can(role, r.perm) != allowed {
					continue
				}
				res := e.do(r.method, r.path, e.tokenOf[role], r.body)
				if !allowed {
					e.expect(res, 403, string(role)+" "+r.method+" "+r.path)
				} else if res.Status == 403 || res.Status >= 500 {
					t.Errorf("%s %s %s: %d %s", role, r.method, r.path, res.Status, res.Raw)
				}
			}
		}
		if !allowed {
			d := e.expect(e.do("GET", "/v1/conversations/"+conv, e.tokenOf[auth.RoleAdmin], nil), 200, "detail")
			if s := d.data()["conversation"].(map[string]any)["status"]; s != "active" {
				t.Fatalf("a forbidden request changed the status to %v", s)
			}
		}
	}
	// The table itself: viewers read, executives also handle conversations, admins everything.
	if auth.Can(auth.RoleViewer, auth.PermConversationsUpdate) || !auth.Can(auth.RoleExecutive, auth.PermConversationsUpdate) ||
		auth.Can(auth.RoleExecutive, auth.PermSettingsWrite) || !auth.Can(auth.RoleAdmin, auth.PermSettingsWrite) || !auth.Can(auth.RoleSuperAdmin, auth.PermSettingsWrite) {
		t.Error("the permission table differs from the v1 document's roles")
	}
}

// TestTenantIsolation: every id of another tenant answers 404 and leaks nothing.
func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	b := e.b
	tok := e.tokenOf[auth.RoleSuperAdmin]
	for _, r := range []route{
		{"GET", "/v1/conversations/" + b.conversation.String(), nil, ""},
		{"PATCH", "/v1/conversations/" + b.conversation.String() + "/status", map[string]any{"status": "closed"}, ""},
		{"PATCH", "/v1/conversations/" + b.conversation.String() + "/assign", map[string]any{"assigned_user_id": nil}, ""},
		{"PATCH", "/v1/conversations/" + b.conversation.String() + "/priority", map[string]any{"priority": "low"}, ""},
		{"POST", "/v1/conversations/" + b.conversation.String() + "/messages", map[string]any{"content": "hi"}, ""},
		{"POST", "/v1/conversations/" + b.conversation.String() + "/notes", map[string]any{"content": "hi"}, ""},
		{"POST", "/v1/conversations/" + b.conversation.String() + "/read", nil, ""},
		{"POST", "/v1/conversations/" + b.conversation.String() + "/tags", map[string]any{"tag_id": b.tag.String()}, ""},
		{"DELETE", "/v1/conversations/" + b.conversation.String() + "/tags/" + b.tag.String(), nil, ""},
		{"POST", "/v1/conversations", map[string]any{"contact_id": b.contact.String(), "channel_id": b.channel.String()}, ""},
		{"GET", "/v1/contacts/" + b.contact.String(), nil, ""},
		{"PATCH", "/v1/contacts/" + b.contact.String(), map[string]any{"first_name": "Stolen"}, ""},
		{"PATCH", "/v1/tags/" + b.tag.String(), map[string]any{"name": "stolen"}, ""},
		{"DELETE", "/v1/tags/" + b.tag.String(), nil, ""},
		{"GET", "/v1/channels/" + b.channel.String(), nil, ""},
		{"DELETE", "/v1/channels/" + b.channel.String(), nil, ""},
		{"GET", "/team-inbox/api/messages/" + b.message.String() + "/", nil, ""},
	} {
		res := e.expect(e.do(r.method, r.path, tok, r.body), 404, r.method+" "+r.path)
		if strings.Contains(string(res.Raw), "Secret") || strings.Contains(string(res.Raw), "b-only") {
			t.Errorf("%s %s leaked tenant B's data: %s", r.method, r.path, res.Raw)
		}
	}
	for _, path := range []string{"/v1/conversations?search=Secret", "/v1/contacts?search=Secret", "/team-inbox/api/messages/?search=secret",
		"/v1/tags", "/v1/users", "/v1/channels", "/team-inbox/api/stats/"} {
		res := e.expect(e.do("GET", path, tok, nil), 200, path)
		for _, leak := range []string{b.conversation.String(), b.contact.String(), "tenant B secret", "b-only", "olga@other.example", b.channel.String()} {
			if strings.Contains(string(res.Raw), leak) {
				t.Errorf("%s leaked %q", path, leak)
			}
		}
	}
	// Tenant B's own view is untouched.
	d := e.expect(e.do("GET", "/v1/conversations/"+b.conversation.String(), b.token, nil), 200, "B reads its own")
	if d.data()["conversation"].(map[string]any)["status"] != "active" {
		t.Errorf("tenant B's conversation was changed: %s", d.Raw)
	}
}
