package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// TestInvitationResend checks that a resent invitation has a new link and expiry, that its old
// link is refused, and every refusal: another business's, a used or revoked one, a role above
// the caller's, bad input.
func TestInvitationResend(t *testing.T) {
	e := newEnv(t, unlimitedLogins)
	admin, super := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleSuperAdmin]
	r := e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "pat@example.com", "role": "viewer"}), 201, "invite")
	old := tokenIn(t, r.data()["link"].(string))
	inv := r.data()["invitation"].(map[string]any)
	id := inv["id"].(string)
	path := "/v1/invitations/" + id + "/resend"

	e.svc.SetClock(func() time.Time { return time.Now().UTC().Add(24 * time.Hour) })
	r = e.expect(e.do("POST", path, admin, nil), 200, "resend")
	e.svc.SetClock(func() time.Time { return time.Now().UTC() })
	if r.data()["mailed"] != false {
		t.Fatalf("mailed without SMTP: %s", r.Raw)
	}
	fresh := tokenIn(t, r.data()["link"].(string))
	renewed := r.data()["invitation"].(map[string]any)
	if fresh == old || renewed["id"] != id || !at(t, renewed["created_at"]).Equal(at(t, inv["created_at"]).Truncate(time.Microsecond)) ||
		!at(t, renewed["expires_at"]).After(at(t, inv["expires_at"])) {
		t.Fatalf("resent: %s, first: %v", r.Raw, inv)
	}
	lookup := e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(old), "", nil), 400, "the old link")
	if !strings.Contains(string(lookup.Raw), "not valid") {
		t.Errorf("the old link: %s", lookup.Raw)
	}
	e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": old, "first_name": "Pat", "password": "a long enough secret"}), 400, "accept the old link")
	if list := e.expect(e.do("GET", "/v1/invitations", admin, nil), 200, "list").data()["invitations"].([]any); len(list) != 1 {
		t.Errorf("a resend is still one pending invitation: %v", list)
	}

	// mail:false answers the link too; each call makes the previous link stop working.
	r = e.expect(e.do("POST", path, admin, map[string]any{"mail": false}), 200, "copy link")
	newest := tokenIn(t, r.data()["link"].(string))
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(fresh), "", nil), 400, "the second link")

	e.expect(e.do("POST", path, e.b.token, nil), 404, "another business resends")
	e.expect(e.do("POST", path, e.tokenOf[auth.RoleExecutive], nil), 403, "executive")
	e.expect(e.do("POST", path, e.tokenOf[auth.RoleViewer], nil), 403, "viewer")
	e.expect(e.do("POST", "/v1/invitations/nope/resend", admin, nil), 400, "bad id")
	e.expect(e.do("POST", path, admin, map[string]any{"mail": "yes"}), 400, "mail not a boolean")
	e.expect(e.do("POST", path, admin, map[string]any{"email": "x@example.com"}), 400, "unknown field")
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(newest), "", nil), 200, "the refusals changed nothing")

	// Used or revoked, there is nothing to resend.
	e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": newest, "first_name": "Pat", "password": "a long enough secret"}), 201, "accept")
	e.expect(e.do("POST", path, admin, nil), 404, "resend an accepted invitation")
	r = e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "sam@example.com", "role": "viewer"}), 201, "invite Sam")
	sam := r.data()["invitation"].(map[string]any)["id"].(string)
	e.expect(e.do("DELETE", "/v1/invitations/"+sam, admin, nil), 200, "revoke Sam")
	e.expect(e.do("POST", "/v1/invitations/"+sam+"/resend", admin, nil), 404, "resend a revoked invitation")

	// An admin cannot renew a link that would make someone a super admin.
	r = e.expect(e.do("POST", "/v1/invitations", super, map[string]any{"email": "boss@example.com", "role": "super_admin"}), 201, "invite a super admin")
	boss := r.data()["invitation"].(map[string]any)["id"].(string)
	bossToken := tokenIn(t, r.data()["link"].(string))
	e.expect(e.do("POST", "/v1/invitations/"+boss+"/resend", admin, nil), 403, "admin resends a super admin's invitation")
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(bossToken), "", nil), 200, "the refused resend changed nothing")
	e.expect(e.do("POST", "/v1/invitations/"+boss+"/resend", super, nil), 200, "super admin resends it")

	if a := e.auditActions(); !hasAction(a, "invitation.resent") {
		t.Errorf("audit log: %v", a)
	}
}

// TestInvitationResendByMail checks that with SMTP the new link is mailed, not answered,
// unless the admin asks for it with mail:false.
func TestInvitationResendByMail(t *testing.T) {
	mb, withMail := newMailbox(t)
	e := newEnv(t, withMail)
	admin := e.tokenOf[auth.RoleAdmin]
	e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "pat@example.com", "role": "executive"}), 201, "invite")
	old := tokenIn(t, mb.next(t).body)
	list := e.expect(e.do("GET", "/v1/invitations", admin, nil), 200, "list").data()["invitations"].([]any)
	path := "/v1/invitations/" + list[0].(map[string]any)["id"].(string) + "/resend"

	r := e.expect(e.do("POST", path, admin, map[string]any{}), 200, "resend")
	if r.data()["mailed"] != true || r.data()["link"] != nil {
		t.Fatalf("with SMTP the new link is mailed, not answered: %s", r.Raw)
	}
	m := mb.next(t)
	fresh := tokenIn(t, m.body)
	if len(m.to) != 1 || m.to[0] != "pat@example.com" || fresh == old || !strings.Contains(m.body, "as executive") {
		t.Fatalf("mail to %v: %s", m.to, m.body)
	}
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(old), "", nil), 400, "the old link")
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(fresh), "", nil), 200, "the mailed link")

	r = e.expect(e.do("POST", path, admin, map[string]any{"mail": false}), 200, "copy link")
	if r.data()["mailed"] != false {
		t.Fatalf("mail:false mailed: %s", r.Raw)
	}
	tokenIn(t, r.data()["link"].(string))
	mb.empty(t)
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(fresh), "", nil), 400, "the mailed link after a copy")
}

// at parses an RFC 3339 time of an answer.
func at(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return tm
}
