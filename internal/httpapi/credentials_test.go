package httpapi_test

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// clock is a settable time for the service: TOTP steps and the login backoff follow it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) get() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (e *env) clock() *clock {
	c := &clock{now: time.Unix(time.Now().Unix()/30*30, 0).UTC()} // the start of a step
	e.svc.SetClock(c.get)
	return c
}

func (e *env) db() *sql.DB { return e.st.(interface{ DB() *sql.DB }).DB() }

// code is the TOTP code of secret at the clock's time.
func code(t *testing.T, secret string, c *clock) string {
	t.Helper()
	s, err := totp.GenerateCode(secret, c.get())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// enableTwoFactor sets up and enables role's demo user's second factor at the clock's time,
// returning the secret and the recovery codes.
func (e *env) enableTwoFactor(t *testing.T, role auth.Role, c *clock) (string, []string) {
	t.Helper()
	tok := e.tokenOf[role]
	secret := e.expect(e.do("POST", "/v1/auth/2fa/setup", tok, nil), 200, "setup").data()["secret"].(string)
	r := e.expect(e.do("POST", "/v1/auth/2fa/enable", tok, map[string]any{"code": code(t, secret, c)}), 200, "enable")
	var codes []string
	for _, v := range r.data()["recovery_codes"].([]any) {
		codes = append(codes, v.(string))
	}
	return secret, codes
}

// challenge logs role's demo user in with the password and returns the challenge.
func (e *env) challenge(t *testing.T, role auth.Role) string {
	t.Helper()
	r := e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(role), "password": demoPassword}), 200, "login")
	if r.data()["two_factor_required"] != true || r.data()["token"] != nil {
		t.Fatalf("login with two-factor on answered no challenge, or a token: %s", r.Raw)
	}
	return r.data()["challenge"].(string)
}

// unlimited lifts the per-IP login rate, which real time refills.
func unlimited(o *options) { o.loginRPS = 0 }

func TestTwoFactorLogin(t *testing.T) {
	e := newEnv(t, unlimited)
	c := e.clock()
	tok := e.tokenOf[auth.RoleExecutive]
	login := map[string]any{"email": seed.DemoEmail(auth.RoleExecutive), "password": demoPassword}

	st := e.expect(e.do("GET", "/v1/auth/2fa", tok, nil), 200, "status").data()
	if st["enabled"] != false || st["pending"] != false {
		t.Fatalf("status before setup: %v", st)
	}
	r := e.expect(e.do("POST", "/v1/auth/2fa/enable", tok, map[string]any{"code": "123456"}), 409, "enable before setup")
	if r.errReason() != twofactor.ReasonNotSetUp {
		t.Errorf("reason %q", r.errReason())
	}
	setup := e.expect(e.do("POST", "/v1/auth/2fa/setup", tok, nil), 200, "setup").data()
	secret := setup["secret"].(string)
	if url := setup["otpauth_url"].(string); !strings.HasPrefix(url, "otpauth://totp/") || !strings.Contains(url, "secret="+secret) {
		t.Errorf("otpauth url %q", url)
	}
	if svg, _ := setup["qr_svg"].(string); !strings.HasPrefix(svg, "<svg ") || !strings.Contains(svg, `<path fill="#000" d="M`) {
		t.Errorf("qr_svg %.80q: want the URL drawn as an SVG QR code", svg)
	}
	var sealed []byte
	if err := e.db().QueryRow(`SELECT secret FROM two_factor`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), secret) {
		t.Error("the TOTP secret is stored in clear")
	}
	if st := e.expect(e.do("GET", "/v1/auth/2fa", tok, nil), 200, "status").data(); st["pending"] != true || st["enabled"] != false {
		t.Fatalf("status after setup: %v", st)
	}
	if r := e.expect(e.do("POST", "/v1/auth/login", "", login), 200, "login while pending"); r.data()["token"] == nil {
		t.Fatalf("a pending second factor is asked at login: %s", r.Raw)
	}

	for _, bad := range []any{map[string]any{"code": "12345"}, map[string]any{"code": "abcdef"}, map[string]any{}, map[string]any{"code": "123456", "x": 1}, "[]"} {
		e.expect(e.do("POST", "/v1/auth/2fa/enable", tok, bad), 400, "enable with a malformed code")
	}
	wrong := "000000"
	if code(t, secret, c) == wrong {
		wrong = "111111"
	}
	if r := e.expect(e.do("POST", "/v1/auth/2fa/enable", tok, map[string]any{"code": wrong}), 400, "enable with a wrong code"); r.details()["code"] == nil {
		t.Errorf("no code detail: %s", r.Raw)
	}
	first := code(t, secret, c)
	r = e.expect(e.do("POST", "/v1/auth/2fa/enable", tok, map[string]any{"code": first}), 200, "enable")
	codes := r.data()["recovery_codes"].([]any)
	if len(codes) != twofactor.RecoveryCodes {
		t.Fatalf("%d recovery codes", len(codes))
	}
	var hashes []string
	rows, err := e.db().Query(`SELECT code_hash FROM two_factor_recovery_codes`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	if len(hashes) != twofactor.RecoveryCodes || strings.Contains(strings.Join(hashes, " "), strings.ReplaceAll(codes[0].(string), "-", "")) {
		t.Errorf("recovery codes stored: %v", hashes)
	}
	if r := e.expect(e.do("POST", "/v1/auth/2fa/setup", tok, nil), 409, "setup while enabled"); r.errReason() != twofactor.ReasonEnabled {
		t.Errorf("reason %q", r.errReason())
	}

	// The code that enabled it is used: not again within its step.
	ch := e.challenge(t, auth.RoleExecutive)
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": first}), 401, "the enabling code replayed")
	c.add(30 * time.Second)
	now := code(t, secret, c)
	r = e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": now}), 200, "second step")
	token := r.data()["token"].(string)
	me := e.expect(e.do("GET", "/v1/auth/me", token, nil), 200, "me with the two-factor login's token").data()["user"].(map[string]any)
	if me["id"] != seed.DemoUserID(auth.RoleExecutive).String() {
		t.Errorf("logged in as %v", me["id"])
	}
	ch = e.challenge(t, auth.RoleExecutive)
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": now}), 401, "a code replayed within its step")
	c.add(-60 * time.Second)
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": code(t, secret, c)}), 401, "an older step's code")
	c.add(60 * time.Second)

	// Recovery codes: each works once, typed in any case and without its dash.
	rc := codes[0].(string)
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "recovery_code": rc}), 200, "recovery code")
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "recovery_code": rc}), 401, "a used recovery code")
	typed := strings.ToUpper(strings.ReplaceAll(codes[1].(string), "-", ""))
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "recovery_code": typed}), 200, "recovery code typed otherwise")
	if st := e.expect(e.do("GET", "/v1/auth/2fa", tok, nil), 200, "status").data(); st["enabled"] != true || st["recovery_codes_left"] != float64(8) {
		t.Errorf("status after two recovery codes: %v", st)
	}

	// Challenges: expired, forged, of another audience; and a challenge is no token.
	p := auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(auth.RoleExecutive), Role: auth.RoleExecutive}
	other, err := auth.NewTokens([]byte("another-secret-another-secret-another"))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Issue(p, twofactor.ChallengeAudience, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.add(30 * time.Second)
	for what, bad := range map[string]string{
		"expired challenge":     e.issue(p, twofactor.ChallengeAudience, -time.Minute),
		"forged challenge":      forged,
		"login token":           tok,
		"websocket token":       e.issue(p, auth.AudienceWebSocket, time.Minute),
		"garbage":               "not-a-token",
		"tampered challenge":    ch[:len(ch)-2] + "xx",
		"another user's, wrong": e.issue(auth.Principal{TenantID: e.b.tenant, UserID: e.b.admin, Role: auth.RoleAdmin}, twofactor.ChallengeAudience, time.Minute),
	} {
		e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": bad, "code": code(t, secret, c)}), 401, what)
	}
	e.expect(e.do("GET", "/v1/auth/me", ch, nil), 401, "a challenge used as a token")
	for what, bad := range map[string]any{
		"no challenge":       map[string]any{"code": "123456"},
		"no code":            map[string]any{"challenge": ch},
		"both codes":         map[string]any{"challenge": ch, "code": "123456", "recovery_code": "abcde-fghij"},
		"short code":         map[string]any{"challenge": ch, "code": "1234"},
		"long recovery code": map[string]any{"challenge": ch, "recovery_code": strings.Repeat("a", 33)},
		"unknown field":      map[string]any{"challenge": ch, "code": "123456", "remember": true},
		"not an object":      "[]",
	} {
		e.expect(e.do("POST", "/v1/auth/login/2fa", "", bad), 400, what)
	}

	// Disabling needs the password and a code.
	e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"code": "123456"}), 400, "disable without password")
	e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"password": demoPassword}), 400, "disable without code")
	r = e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"password": "wrong", "code": code(t, secret, c)}), 400, "disable with a wrong password")
	if r.details()["password"] == nil {
		t.Errorf("no password detail: %s", r.Raw)
	}
	e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"password": demoPassword, "recovery_code": rc}), 400, "disable with a used recovery code")
	e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"password": demoPassword, "code": code(t, secret, c)}), 200, "disable")
	if n := count(t, e.db(), `SELECT COUNT(*) FROM two_factor_recovery_codes`) + count(t, e.db(), `SELECT COUNT(*) FROM two_factor`); n != 0 {
		t.Errorf("%d rows left after disabling", n)
	}
	if r := e.expect(e.do("POST", "/v1/auth/login", "", login), 200, "login after disabling"); r.data()["token"] == nil {
		t.Errorf("no token after disabling: %s", r.Raw)
	}
	c.add(30 * time.Second)
	r = e.expect(e.do("POST", "/v1/auth/2fa/disable", tok, map[string]any{"password": demoPassword, "code": code(t, secret, c)}), 409, "disable twice")
	if r.errReason() != twofactor.ReasonNotEnabled {
		t.Errorf("reason %q", r.errReason())
	}
	entries := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?object_type=two_factor", e.tokenOf[auth.RoleAdmin], nil), 200, "audit log"))
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
		if en.ObjectID != p.UserID.String() || en.ActorID == nil || *en.ActorID != p.UserID {
			t.Errorf("audit entry %+v", en)
		}
	}
	if strings.Join(actions, " ") != "two_factor.disabled two_factor.enabled" {
		t.Errorf("audited %v", actions)
	}
}

// TestTwoFactorCodesCountAgainstTheAccount: wrong codes lock the account as wrong passwords
// do, and then even the right code waits.
func TestTwoFactorCodesCountAgainstTheAccount(t *testing.T) {
	e := newEnv(t, unlimited)
	c := e.clock()
	secret, _ := e.enableTwoFactor(t, auth.RoleViewer, c)
	c.add(30 * time.Second)
	ch := e.challenge(t, auth.RoleViewer)
	right := code(t, secret, c)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	var last reply
	for range 6 {
		last = e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": wrong})
	}
	e.expect(last, 429, "the sixth wrong code")
	if last.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": right}), 429, "the right code while locked")
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(auth.RoleViewer), "password": demoPassword}), 429, "the password while locked")
	c.add(2 * time.Second)
	e.expect(e.do("POST", "/v1/auth/login/2fa", "", map[string]any{"challenge": ch, "code": right}), 200, "the right code after the lock")
}

var keyPattern = regexp.MustCompile(`^tik_[A-Za-z0-9_-]{43}$`)

// createKey makes a key with token and returns its id and the key.
func (e *env) createKey(token, name string, role auth.Role) (string, string) {
	e.t.Helper()
	r := e.expect(e.do("POST", "/v1/api-keys", token, map[string]any{"name": name, "role": role}), 201, "create key "+name)
	key := r.data()["key"].(string)
	k := r.data()["api_key"].(map[string]any)
	if !keyPattern.MatchString(key) || k["prefix"] != key[:12] || k["role"] != string(role) || k["last_used_at"] != nil {
		e.t.Fatalf("created key: %s", r.Raw)
	}
	return k["id"].(string), key
}

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	c := e.clock()
	exec, admin := e.tokenOf[auth.RoleExecutive], e.tokenOf[auth.RoleAdmin]
	id, key := e.createKey(exec, "CRM sync", auth.RoleExecutive)
	var stored int
	if err := e.db().QueryRow(`SELECT COUNT(*) FROM api_keys WHERE key_hash = ? OR prefix = ?`, key, key).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the key is stored in clear (%d, %v)", stored, err)
	}

	me := e.expect(e.do("GET", "/v1/auth/me", key, nil), 200, "me with a key").data()["user"].(map[string]any)
	if me["id"] != seed.DemoUserID(auth.RoleExecutive).String() {
		t.Errorf("the key acts as %v", me["id"])
	}
	e.expect(e.do("GET", "/v1/conversations", key, nil), 200, "conversations with a key")
	e.expect(e.do("POST", "/v1/tags", key, map[string]any{"name": "x", "color": "#123456"}), 403, "an executive key managing tags")

	for what, bad := range map[string]any{
		"no name":       map[string]any{"role": "viewer"},
		"blank name":    map[string]any{"name": "  ", "role": "viewer"},
		"long name":     map[string]any{"name": strings.Repeat("n", 101), "role": "viewer"},
		"no role":       map[string]any{"name": "n"},
		"unknown role":  map[string]any{"name": "n", "role": "owner"},
		"unknown field": map[string]any{"name": "n", "role": "viewer", "expires": 3},
		"wrong type":    map[string]any{"name": 3, "role": "viewer"},
		"not an object": "[]",
	} {
		e.expect(e.do("POST", "/v1/api-keys", exec, bad), 400, what)
	}
	e.expect(e.do("POST", "/v1/api-keys", exec, map[string]any{"name": "n", "role": "admin"}), 403, "a key above its owner")
	e.expect(e.do("POST", "/v1/api-keys", e.tokenOf[auth.RoleViewer], map[string]any{"name": "n", "role": "executive"}), 403, "a viewer's executive key")
	if n := count(t, e.db(), `SELECT COUNT(*) FROM api_keys`); n != 1 {
		t.Fatalf("%d keys after refused creations", n)
	}

	// A key with a lower role than its owner's acts with the key's role.
	_, viewerKeyOfAdmin := e.createKey(admin, "read only", auth.RoleViewer)
	e.expect(e.do("POST", "/v1/tags", viewerKeyOfAdmin, map[string]any{"name": "x", "color": "#123456"}), 403, "an admin's viewer key managing tags")
	e.expect(e.do("GET", "/v1/tags", viewerKeyOfAdmin, nil), 200, "an admin's viewer key reading")

	// last_used_at: set at first use, then written at most once a minute.
	lastUsed := func() int64 {
		var v sql.NullInt64
		if err := e.db().QueryRow(`SELECT last_used_at FROM api_keys WHERE id = ?`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v.Int64
	}
	first := lastUsed()
	if first == 0 {
		t.Fatal("last_used_at not set after use")
	}
	c.add(30 * time.Second)
	e.expect(e.do("GET", "/v1/conversations", key, nil), 200, "use")
	if lastUsed() != first {
		t.Error("last_used_at written again within a minute")
	}
	c.add(31 * time.Second)
	e.expect(e.do("GET", "/v1/conversations", key, nil), 200, "use")
	if lastUsed() == first {
		t.Error("last_used_at not written after a minute")
	}

	list := e.expect(e.do("GET", "/v1/api-keys", exec, nil), 200, "list").data()["api_keys"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != id || list[0].(map[string]any)["last_used_at"] == nil {
		t.Fatalf("the executive's keys: %v", list)
	}
	if _, leaked := list[0].(map[string]any)["key"]; leaked {
		t.Error("the list shows the key")
	}
	if all := e.expect(e.do("GET", "/v1/api-keys?scope=tenant", admin, nil), 200, "tenant keys").data()["api_keys"].([]any); len(all) != 2 {
		t.Errorf("an admin sees %d of the tenant's 2 keys", len(all))
	}
	e.expect(e.do("GET", "/v1/api-keys?scope=tenant", exec, nil), 403, "tenant keys for an executive")
	e.expect(e.do("GET", "/v1/api-keys?scope=all", exec, nil), 400, "unknown scope")
	if b := e.expect(e.do("GET", "/v1/api-keys?scope=tenant", e.b.token, nil), 200, "tenant B's keys").data()["api_keys"].([]any); len(b) != 0 {
		t.Errorf("tenant B sees %d of A's keys", len(b))
	}

	// Revocation: another tenant's admin and another user of the tenant get 404.
	e.expect(e.do("DELETE", "/v1/api-keys/"+id, e.b.token, nil), 404, "another tenant's key")
	e.expect(e.do("DELETE", "/v1/api-keys/"+id, e.tokenOf[auth.RoleViewer], nil), 404, "another user's key")
	e.expect(e.do("DELETE", "/v1/api-keys/not-a-uuid", exec, nil), 400, "malformed id")
	e.expect(e.do("DELETE", "/v1/api-keys/"+uuid.NewString(), exec, nil), 404, "unknown key")
	e.expect(e.do("GET", "/v1/conversations", key, nil), 200, "still works")
	e.expect(e.do("DELETE", "/v1/api-keys/"+id, exec, nil), 200, "revoke")
	e.expect(e.do("GET", "/v1/conversations", key, nil), 401, "a revoked key")
	e.expect(e.do("DELETE", "/v1/api-keys/"+id, exec, nil), 404, "revoke twice")

	// An admin revokes a user's key.
	id2, key2 := e.createKey(exec, "second", auth.RoleViewer)
	e.expect(e.do("DELETE", "/v1/api-keys/"+id2, admin, nil), 200, "an admin revokes an executive's key")
	e.expect(e.do("GET", "/v1/conversations", key2, nil), 401, "a key revoked by an admin")

	log := e.expect(e.do("GET", "/v1/audit-log?object_type=api_key", admin, nil), 200, "audit log")
	actions := map[string]int{}
	for _, en := range auditEntries(t, log) {
		actions[en.Action]++
	}
	if actions["api_key.created"] != 3 || actions["api_key.revoked"] != 2 || len(actions) != 2 {
		t.Errorf("audited %v", actions)
	}
	if strings.Contains(string(log.Raw), key) || strings.Contains(string(log.Raw), "hash") {
		t.Errorf("the audit log shows a key: %s", log.Raw)
	}

	for what, bad := range map[string]string{
		"prefix only":        "tik_",
		"short":              "tik_abc",
		"bad characters":     "tik_" + strings.Repeat("!", 43),
		"unknown":            "tik_" + strings.Repeat("A", 43),
		"long":               key + "A",
		"not a key or token": "tok_" + strings.Repeat("A", 43),
	} {
		e.expect(e.do("GET", "/v1/conversations", bad, nil), 401, what)
	}
}

// TestAPIKeysOnBothDatabases makes, uses, lists and revokes a key on each database; a NUL in
// its name is dropped, as PostgreSQL's text refuses it.
func TestAPIKeysOnBothDatabases(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			exec := e.tokenOf[auth.RoleExecutive]
			r := e.expect(e.do("POST", "/v1/api-keys", exec, `{"name":"CRM\u0000 sync","role":"viewer"}`), 201, "create")
			id, key := r.data()["api_key"].(map[string]any)["id"].(string), r.data()["key"].(string)
			e.expect(e.do("GET", "/v1/conversations", key, nil), 200, "use")
			list := e.expect(e.do("GET", "/v1/api-keys", exec, nil), 200, "list").data()["api_keys"].([]any)
			if k := list[0].(map[string]any); len(list) != 1 || k["name"] != "CRM sync" || k["last_used_at"] == nil {
				t.Errorf("listed %v", list)
			}
			e.expect(e.do("DELETE", "/v1/api-keys/"+id, e.b.token, nil), 404, "another tenant's key")
			e.expect(e.do("DELETE", "/v1/api-keys/"+id, exec, nil), 200, "revoke")
			e.expect(e.do("GET", "/v1/conversations", key, nil), 401, "a revoked key")
		})
	}
}

// TestAPIKeyFollowsItsOwner: a key never acts above its owner's current role, and stops
// with its owner's deactivation.
func TestAPIKeyFollowsItsOwner(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := uuid.Must(uuid.NewV7())
	if err := e.st.CreateUser(ctx, inbox.User{ID: owner, TenantID: seed.DemoTenantID, FirstName: "Ada", LastName: "Key", Email: "ada@demo.teaminbox.local",
		Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: e.now}); err != nil {
		t.Fatal(err)
	}
	tok := e.issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: owner, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
	_, key := e.createKey(tok, "admin key", auth.RoleAdmin)
	tag := map[string]any{"name": "by-key", "color": "#123456"}
	e.expect(e.do("POST", "/v1/tags", key, tag), 201, "an admin key managing tags")

	if _, err := e.db().Exec(`UPDATE users SET role = 'viewer' WHERE id = ?`, owner); err != nil {
		t.Fatal(err)
	}
	superAdmin := auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(auth.RoleSuperAdmin), Role: auth.RoleSuperAdmin}
	if _, err := e.svc.SetUserActive(ctx, superAdmin, owner, true); err != nil { // drops the cached user
		t.Fatal(err)
	}
	tag["name"] = "by-demoted-key"
	e.expect(e.do("POST", "/v1/tags", key, tag), 403, "an admin key of a demoted owner")
	e.expect(e.do("GET", "/v1/tags", key, nil), 200, "reading with it")

	if _, err := e.svc.SetUserActive(ctx, superAdmin, owner, false); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("GET", "/v1/tags", key, nil), 401, "a deactivated owner's key")
}

// details is the error's per-field details.
func (r reply) details() map[string]any {
	e, _ := r.Body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAPIKeyOutlivesLogout: logging out everywhere revokes the owner's login tokens, not their
// personal API keys, which are revoked one by one (the keys once carried no token version and
// were refused as soon as their owner had ever logged out).
func TestAPIKeyOutlivesLogout(t *testing.T) {
	e := newEnv(t)
	exec := e.tokenOf[auth.RoleExecutive]
	_, key := e.createKey(exec, "crm", auth.RoleExecutive)
	e.expect(e.do("POST", "/v1/auth/logout-all", exec, nil), 200, "log out everywhere")
	e.expect(e.do("GET", "/v1/auth/me", exec, nil), 401, "the login token after logging out")
	e.expect(e.do("GET", "/v1/auth/me", key, nil), 200, "the API key after its owner logged out")
}
