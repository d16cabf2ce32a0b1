package httpapi_test

import (
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	mailer "github.com/teaminbox/teaminbox/internal/mail"
	"github.com/teaminbox/teaminbox/internal/people"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// mailbox is a real SMTP server in the test process that keeps every message it receives.
type mailbox struct {
	got chan received
}

type received struct {
	to   []string
	body string // decoded
}

// newMailbox starts an SMTP server on 127.0.0.1:0 and returns the env option that mails
// through it.
func newMailbox(t *testing.T) (*mailbox, func(*options)) {
	t.Helper()
	mb := &mailbox{got: make(chan received, 16)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	m, err := mailer.NewSMTP("smtp://"+ln.Addr().String(), "teaminbox <no-reply@inbox.example>")
	if err != nil {
		t.Fatal(err)
	}
	return mb, func(o *options) { o.mailer = m }
}

type session struct {
	mb *mailbox
	to []string
}

func (s *session) Reset()                                    { s.to = nil }
func (s *session) Logout() error                             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	s.mb.got <- received{to: s.to, body: string(b)}
	return nil
}

// next returns the next message; the mail is sent before the request that sends it answers.
func (mb *mailbox) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-mb.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no mail arrived")
		return received{}
	}
}

// empty fails if a message is waiting: every mail is delivered before its request answers.
func (mb *mailbox) empty(t *testing.T) {
	t.Helper()
	select {
	case m := <-mb.got:
		t.Fatalf("unexpected mail to %v: %s", m.to, m.body)
	default:
	}
}

var linkPattern = regexp.MustCompile(`https://inbox\.example/[a-z-]+\?token=[A-Za-z0-9_%-]+`)

// tokenOf returns the token of the link in s.
func tokenIn(t *testing.T, s string) string {
	t.Helper()
	link := linkPattern.FindString(s)
	if link == "" {
		t.Fatalf("no link in %q", s)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func (e *env) demoTeam() string {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/teams", e.tokenOf[auth.RoleAdmin], nil), 200, "teams")
	teams := r.data()["teams"].([]any)
	return teams[0].(map[string]any)["id"].(string)
}

func (e *env) auditActions() []string {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/audit-log", e.tokenOf[auth.RoleSuperAdmin], nil), 200, "audit log")
	var out []string
	for _, en := range r.data()["entries"].([]any) {
		out = append(out, en.(map[string]any)["action"].(string))
	}
	return out
}

func hasAction(list []string, action string) bool {
	for _, a := range list {
		if a == action {
			return true
		}
	}
	return false
}

// TestInvitationByMail follows an invitation from the admin's request through the mail and
// its link to the new user's first request.
func TestInvitationByMail(t *testing.T) {
	mb, withMail := newMailbox(t)
	e := newEnv(t, withMail, unlimitedLogins)
	admin := e.tokenOf[auth.RoleAdmin]
	team := e.demoTeam()
	r := e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "New.Agent@Example.com", "role": "executive", "team_ids": []string{team}}), 201, "invite")
	if r.data()["mailed"] != true || r.data()["link"] != nil {
		t.Fatalf("with SMTP the link is mailed, not answered: %s", r.Raw)
	}
	m := mb.next(t)
	if len(m.to) != 1 || m.to[0] != "new.agent@example.com" || !strings.Contains(m.body, "Demo Business") {
		t.Fatalf("mail to %v: %s", m.to, m.body)
	}
	token := tokenIn(t, m.body)

	v := e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(token), "", nil), 200, "look up").data()["invitation"].(map[string]any)
	if v["email"] != "new.agent@example.com" || v["role"] != "executive" || v["business_name"] != "Demo Business" {
		t.Fatalf("invitation view: %v", v)
	}
	for _, weak := range []string{"short1", "aaaaaaaaaaaa", "new.agent@example.com"} {
		r = e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Nina", "password": weak}), 400, "weak "+weak)
		if !strings.Contains(string(r.Raw), "at least 10 characters") {
			t.Errorf("weak password %q: the error does not state the rule: %s", weak, r.Raw)
		}
	}
	r = e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Nina", "last_name": "New", "password": "a long enough secret"}), 201, "accept")
	userToken := r.data()["token"].(string)
	me := e.expect(e.do("GET", "/v1/auth/me", userToken, nil), 200, "me").data()["user"].(map[string]any)
	if me["email"] != "new.agent@example.com" || me["role"] != "executive" || me["first_name"] != "Nina" {
		t.Fatalf("new user: %v", me)
	}
	teams := e.expect(e.do("GET", "/v1/teams", userToken, nil), 200, "teams").data()["teams"].([]any)
	inTeam := false
	for _, tm := range teams {
		tm := tm.(map[string]any)
		if tm["id"] == team && strings.Contains(string(mustJSON(t, tm["member_ids"])), me["id"].(string)) {
			inTeam = true
		}
	}
	if !inTeam {
		t.Errorf("the new user is not in the invited team: %v", teams)
	}
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "new.agent@example.com", "password": "a long enough secret"}), 200, "login")

	// Used once: both the look-up and a second accept say so, and change nothing.
	r = e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Eve", "password": "another long secret"}), 400, "reuse")
	if !strings.Contains(string(r.Raw), "already used") {
		t.Errorf("reuse: %s", r.Raw)
	}
	e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(token), "", nil), 400, "look up used")
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "new.agent@example.com", "password": "another long secret"}), 401, "the reuse changed nothing")
	actions := e.auditActions()
	if !hasAction(actions, "user.invited") || !hasAction(actions, "invitation.accepted") {
		t.Errorf("audit log: %v", actions)
	}
}

// TestInvitationRules checks the answer's link without SMTP, and every refusal.
func TestInvitationRules(t *testing.T) {
	e := newEnv(t, unlimitedLogins)
	admin, super := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleSuperAdmin]
	r := e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "pat@example.com", "role": "viewer"}), 201, "invite")
	if r.data()["mailed"] != false {
		t.Fatalf("mailed without SMTP: %s", r.Raw)
	}
	token := tokenIn(t, r.data()["link"].(string))
	invitation := r.data()["invitation"].(map[string]any)["id"].(string)

	r = e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "x@example.com", "role": "owner"}), 400, "unknown role")
	if !strings.Contains(r.errField("message")+string(r.Raw), "super_admin, admin, executive, viewer") {
		t.Errorf("unknown role: the valid ones are not named: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "not an email", "role": "viewer"}), 400, "bad email")
	e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "x@example.com", "role": "super_admin"}), 403, "admin invites a super admin")
	e.expect(e.do("POST", "/v1/invitations", super, map[string]any{"email": "boss@example.com", "role": "super_admin"}), 201, "super admin invites a super admin")
	e.expect(e.do("POST", "/v1/invitations", e.tokenOf[auth.RoleExecutive], map[string]any{"email": "x@example.com", "role": "viewer"}), 403, "executive")
	r = e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "PAT@example.com", "role": "viewer"}), 409, "pending")
	if r.errReason() != people.ReasonEmailTaken || !strings.Contains(r.errField("message"), "pending invitation") {
		t.Errorf("pending: %s", r.Raw)
	}
	r = e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "viewer@demo.teaminbox.local", "role": "viewer"}), 409, "a user")
	if !strings.Contains(r.errField("message"), "already has an account") {
		t.Errorf("existing user: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "y@example.com", "role": "viewer", "team_ids": []string{e.b.tenant.String()}}), 400, "another tenant's team")
	e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "y@example.com", "role": "viewer", "team_ids": []string{"nope"}}), 400, "bad team id")

	list := e.expect(e.do("GET", "/v1/invitations", admin, nil), 200, "list").data()["invitations"].([]any)
	if len(list) != 2 {
		t.Fatalf("pending invitations: %v", list)
	}
	if l := e.expect(e.do("GET", "/v1/invitations", e.b.token, nil), 200, "B's list").data()["invitations"].([]any); len(l) != 0 {
		t.Errorf("tenant B sees A's invitations: %v", l)
	}
	e.expect(e.do("DELETE", "/v1/invitations/"+invitation, e.b.token, nil), 404, "B revokes A's invitation")
	e.expect(e.do("GET", "/v1/invitations", e.tokenOf[auth.RoleViewer], nil), 403, "viewer lists")
	e.expect(e.do("DELETE", "/v1/invitations/"+invitation, admin, nil), 200, "revoke")
	e.expect(e.do("DELETE", "/v1/invitations/"+invitation, admin, nil), 404, "revoke twice")
	e.expect(e.do("DELETE", "/v1/invitations/nope", admin, nil), 400, "bad id")
	r = e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Pat", "password": "a long enough secret"}), 400, "revoked")
	if !strings.Contains(string(r.Raw), "revoked") {
		t.Errorf("revoked: %s", r.Raw)
	}
	e.expect(e.do("GET", "/v1/invitations/accept?token=garbage", "", nil), 400, "unknown token")
	e.expect(e.do("GET", "/v1/invitations/accept", "", nil), 400, "no token")

	// Revoked, it may be sent again; expired, it stops working and changes nothing.
	r = e.expect(e.do("POST", "/v1/invitations", admin, map[string]any{"email": "pat@example.com", "role": "viewer"}), 201, "invite again")
	token = tokenIn(t, r.data()["link"].(string))
	e.svc.SetClock(func() time.Time { return time.Now().UTC().Add(8 * 24 * time.Hour) })
	r = e.expect(e.do("GET", "/v1/invitations/accept?token="+url.QueryEscape(token), "", nil), 400, "expired")
	if !strings.Contains(string(r.Raw), "expired") {
		t.Errorf("expired: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Pat", "password": "a long enough secret"}), 400, "accept expired")
	e.svc.SetClock(func() time.Time { return time.Now().UTC() })
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "pat@example.com", "password": "a long enough secret"}), 401, "no user was made")
	if a := e.auditActions(); !hasAction(a, "invitation.revoked") {
		t.Errorf("audit log: %v", a)
	}
}

func (e *env) login(email, password string) string {
	e.t.Helper()
	r := e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": password}), 200, "login "+email)
	return r.data()["token"].(string)
}

// TestPasswordChangeAndLogout checks that a new password and a logout revoke the tokens
// issued before, and only those.
func TestPasswordChangeAndLogout(t *testing.T) {
	e := newEnv(t, unlimitedLogins)
	email := "executive@demo.teaminbox.local"
	first := e.login(email, demoPassword)
	second := e.login(email, demoPassword)
	r := e.expect(e.do("POST", "/v1/auth/password", first, map[string]any{"old_password": demoPassword, "new_password": "short"}), 400, "weak")
	if !strings.Contains(string(r.Raw), people.PasswordRule) {
		t.Errorf("weak: the rule is not stated: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/auth/password", first, map[string]any{"old_password": "wrong", "new_password": "a brand new secret"}), 400, "wrong old")
	e.expect(e.do("POST", "/v1/auth/password", first, map[string]any{"new_password": "a brand new secret"}), 400, "no old")
	e.expect(e.do("GET", "/v1/auth/me", first, nil), 200, "refusals changed nothing")
	r = e.expect(e.do("POST", "/v1/auth/password", first, map[string]any{"old_password": demoPassword, "new_password": "a brand new secret"}), 200, "change")
	fresh := r.data()["token"].(string)
	e.expect(e.do("GET", "/v1/auth/me", first, nil), 401, "the token that changed it")
	e.expect(e.do("GET", "/v1/auth/me", second, nil), 401, "another session")
	e.expect(e.do("GET", "/v1/auth/me", fresh, nil), 200, "the new token")
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": demoPassword}), 401, "old password")
	other := e.login(email, "a brand new secret")

	e.expect(e.do("POST", "/v1/auth/logout", fresh, nil), 200, "logout")
	e.expect(e.do("GET", "/v1/auth/me", fresh, nil), 401, "logged out")
	e.expect(e.do("GET", "/v1/auth/me", other, nil), 401, "logout is everywhere")
	last := e.login(email, "a brand new secret")
	e.expect(e.do("POST", "/v1/auth/logout-all", last, nil), 200, "logout-all")
	e.expect(e.do("GET", "/v1/auth/me", last, nil), 401, "logged out everywhere")
	e.expect(e.do("POST", "/v1/auth/logout", last, nil), 401, "logout twice")
	e.expect(e.do("GET", "/v1/auth/me", e.tokenOf[auth.RoleViewer], nil), 200, "another user is still logged in")
}

// TestPasswordReset follows a mailed reset link, and an admin-issued one.
func TestPasswordReset(t *testing.T) {
	mb, withMail := newMailbox(t)
	e := newEnv(t, withMail, unlimitedLogins)
	email := "viewer@demo.teaminbox.local"
	before := e.login(email, demoPassword)
	e.expect(e.do("POST", "/v1/auth/password-reset", "", map[string]any{"email": "nobody@example.com"}), 202, "unknown email")
	mb.empty(t)
	e.expect(e.do("POST", "/v1/auth/password-reset", "", map[string]any{"email": "Viewer@Demo.Teaminbox.Local"}), 202, "known email")
	m := mb.next(t)
	if len(m.to) != 1 || m.to[0] != email {
		t.Fatalf("reset mailed to %v", m.to)
	}
	token := tokenIn(t, m.body)
	e.expect(e.do("POST", "/v1/auth/password-reset", "", map[string]any{}), 400, "no email")
	r := e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "new_password": email}), 400, "the email as password")
	if !strings.Contains(string(r.Raw), people.PasswordRule) {
		t.Errorf("weak: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": "garbage", "new_password": "a reset secret!"}), 400, "unknown token")
	e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "new_password": "a reset secret!"}), 200, "confirm")
	e.expect(e.do("GET", "/v1/auth/me", before, nil), 401, "tokens before the reset")
	e.login(email, "a reset secret!")
	r = e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "new_password": "yet another secret"}), 400, "reuse")
	if !strings.Contains(string(r.Raw), "already used") {
		t.Errorf("reuse: %s", r.Raw)
	}
	e.login(email, "a reset secret!")

	// Admin-issued: the link is answered, for the admin to hand over.
	exec := seed.DemoUserID(auth.RoleExecutive).String()
	r = e.expect(e.do("POST", "/v1/users/"+exec+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 201, "issue")
	token = tokenIn(t, r.data()["link"].(string))
	mb.empty(t)
	e.expect(e.do("POST", "/v1/users/"+exec+"/password-reset", e.tokenOf[auth.RoleExecutive], nil), 403, "executive issues")
	e.expect(e.do("POST", "/v1/users/"+e.b.admin.String()+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 404, "another tenant's user")
	e.expect(e.do("POST", "/v1/users/"+seed.DemoUserID(auth.RoleSuperAdmin).String()+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 403, "admin resets a super admin")
	e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "new_password": "the executive's new one"}), 200, "confirm issued")
	e.login("executive@demo.teaminbox.local", "the executive's new one")

	// Expired after an hour.
	r = e.expect(e.do("POST", "/v1/users/"+exec+"/password-reset", e.tokenOf[auth.RoleAdmin], nil), 201, "issue again")
	token = tokenIn(t, r.data()["link"].(string))
	e.svc.SetClock(func() time.Time { return time.Now().UTC().Add(61 * time.Minute) })
	e.expect(e.do("POST", "/v1/auth/password-reset/confirm", "", map[string]any{"token": token, "new_password": "too late for this"}), 400, "expired")
	e.svc.SetClock(func() time.Time { return time.Now().UTC() })
	e.login("executive@demo.teaminbox.local", "the executive's new one")
	if a := e.auditActions(); !hasAction(a, "user.password_reset_issued") {
		t.Errorf("audit log: %v", a)
	}
}

// TestRoleChanges checks who may give which role to whom.
func TestRoleChanges(t *testing.T) {
	e := newEnv(t)
	admin, super := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleSuperAdmin]
	exec := "/v1/users/" + seed.DemoUserID(auth.RoleExecutive).String()
	r := e.expect(e.do("PATCH", exec, admin, map[string]any{"role": "viewer", "first_name": "Vic"}), 200, "demote")
	if u := r.data()["user"].(map[string]any); u["role"] != "viewer" || u["first_name"] != "Vic" {
		t.Fatalf("demoted: %v", u)
	}
	e.expect(e.do("GET", "/v1/conversations", e.tokenOf[auth.RoleExecutive], nil), 401, "a token of the old role")
	r = e.expect(e.do("PATCH", exec, admin, map[string]any{"role": "owner"}), 400, "unknown role")
	if !strings.Contains(string(r.Raw), "super_admin, admin, executive, viewer") {
		t.Errorf("unknown role: %s", r.Raw)
	}
	e.expect(e.do("PATCH", exec, admin, map[string]any{}), 400, "nothing to change")
	e.expect(e.do("PATCH", exec, admin, map[string]any{"first_name": ""}), 400, "empty name")
	e.expect(e.do("PATCH", exec, admin, map[string]any{"role": "super_admin"}), 403, "admin grants super_admin")
	superPath := "/v1/users/" + seed.DemoUserID(auth.RoleSuperAdmin).String()
	e.expect(e.do("PATCH", superPath, admin, map[string]any{"first_name": "Demoted"}), 403, "admin changes a super admin")
	e.expect(e.do("PATCH", "/v1/users/"+seed.DemoUserID(auth.RoleAdmin).String(), admin, map[string]any{"role": "super_admin"}), 403, "admin raises themselves")
	r = e.expect(e.do("PATCH", superPath, super, map[string]any{"role": "admin"}), 409, "last super admin")
	if r.errReason() != inbox.ReasonLastSuperAdmin {
		t.Errorf("last super admin: %s", r.Raw)
	}
	e.expect(e.do("PATCH", "/v1/users/"+e.b.admin.String(), admin, map[string]any{"role": "viewer"}), 404, "another tenant's user")
	e.expect(e.do("PATCH", exec, e.tokenOf[auth.RoleViewer], map[string]any{"role": "admin"}), 403, "viewer")
	// With a second super admin, the first may step down.
	e.expect(e.do("PATCH", exec, super, map[string]any{"role": "super_admin"}), 200, "promote")
	if a := e.auditActions(); !hasAction(a, "user.role_changed") {
		t.Errorf("audit log: %v", a)
	}
	e.expect(e.do("PATCH", superPath, super, map[string]any{"role": "admin"}), 200, "step down")
	e.expect(e.do("GET", "/v1/auth/me", super, nil), 401, "the token of the old role")
}

// TestDeactivation deactivates a user with their conversations reassigned, and back.
func TestDeactivation(t *testing.T) {
	e := newEnv(t, unlimitedLogins)
	admin := e.tokenOf[auth.RoleAdmin]
	execID := seed.DemoUserID(auth.RoleExecutive).String()
	adminID := seed.DemoUserID(auth.RoleAdmin).String()
	open := func(user string) int {
		n := 0
		for _, status := range []string{"active", "pending"} {
			r := e.expect(e.do("GET", "/v1/conversations?limit=100&status="+status+"&assigned_to="+user, admin, nil), 200, "list")
			n += int(r.data()["pagination"].(map[string]any)["total"].(float64))
		}
		return n
	}
	mine := open(execID)
	if mine == 0 {
		t.Fatal("the demo executive has no open conversation to reassign")
	}
	theirs := open(adminID)
	e.expect(e.do("POST", "/v1/users/"+execID+"/deactivate", admin, map[string]any{"reassign_to": "nope"}), 400, "bad reassign_to")
	e.expect(e.do("POST", "/v1/users/"+execID+"/deactivate", admin, map[string]any{"reassign_to": execID}), 400, "reassign to themselves")
	e.expect(e.do("POST", "/v1/users/"+execID+"/deactivate", admin, map[string]any{"reassign_to": e.b.admin.String()}), 404, "reassign to another tenant's user")
	e.expect(e.do("GET", "/v1/auth/me", e.tokenOf[auth.RoleExecutive], nil), 200, "refusals changed nothing")
	r := e.expect(e.do("POST", "/v1/users/"+execID+"/deactivate", admin, map[string]any{"reassign_to": adminID}), 200, "deactivate")
	if int(r.data()["reassigned"].(float64)) != mine || r.data()["user"].(map[string]any)["deactivated_at"] == nil {
		t.Fatalf("deactivated: %s (want %d reassigned)", r.Raw, mine)
	}
	if open(execID) != 0 || open(adminID) != theirs+mine {
		t.Errorf("after reassignment: executive %d, admin %d (had %d)", open(execID), open(adminID), theirs)
	}
	e.expect(e.do("GET", "/v1/auth/me", e.tokenOf[auth.RoleExecutive], nil), 401, "a deactivated user's token")
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "executive@demo.teaminbox.local", "password": demoPassword}), 401, "login")
	e.expect(e.do("POST", "/v1/users/"+adminID+"/deactivate", admin, nil), 403, "deactivate oneself")
	e.expect(e.do("POST", "/v1/users/"+seed.DemoUserID(auth.RoleSuperAdmin).String()+"/deactivate", admin, nil), 403, "admin deactivates a super admin")
	e.expect(e.do("POST", "/v1/users/"+e.b.admin.String()+"/deactivate", admin, nil), 404, "another tenant's user")
	e.expect(e.do("POST", "/v1/users/"+execID+"/deactivate", e.tokenOf[auth.RoleViewer], nil), 403, "viewer")

	e.expect(e.do("POST", "/v1/users/"+execID+"/reactivate", admin, nil), 200, "reactivate")
	e.login("executive@demo.teaminbox.local", demoPassword)
	e.expect(e.do("POST", "/v1/users/"+e.b.admin.String()+"/reactivate", admin, nil), 404, "reactivate another tenant's user")

	// Reassign on its own: back to the executive, then unassigned.
	r = e.expect(e.do("POST", "/v1/users/"+adminID+"/reassign", admin, map[string]any{"to_user_id": execID}), 200, "reassign")
	if int(r.data()["reassigned"].(float64)) != theirs+mine || open(execID) != theirs+mine {
		t.Errorf("reassigned %s; the executive has %d open", r.Raw, open(execID))
	}
	e.expect(e.do("POST", "/v1/users/"+execID+"/reassign", admin, map[string]any{}), 400, "no to_user_id")
	e.expect(e.do("POST", "/v1/users/"+execID+"/reassign", admin, map[string]any{"to_user_id": nil}), 200, "unassign")
	if open(execID) != 0 {
		t.Errorf("unassigned, the executive still has %d", open(execID))
	}
	e.expect(e.do("POST", "/v1/users/"+e.b.admin.String()+"/reassign", admin, map[string]any{"to_user_id": nil}), 404, "another tenant's user")
	a := e.auditActions()
	if !hasAction(a, "user.deactivated") || !hasAction(a, "user.reactivated") {
		t.Errorf("audit log: %v", a)
	}
}

// unlimitedLogins lifts the per-IP limit of logins, invitation acceptances and resets: these
// tests make more than its burst in a row.
func unlimitedLogins(o *options) { o.loginRPS = 0 }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
