package httpapi_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// rowCounts counts the rows of the tables a request can write, to show that a refused one
// wrote nothing.
func (e *env) rowCounts() map[string]int {
	e.t.Helper()
	db := e.st.(interface{ DB() *sql.DB }).DB()
	counts := map[string]int{}
	for _, table := range []string{"tenants", "users", "contacts", "tags", "channels", "conversations", "conversation_tags",
		"messages", "message_mentions", "message_status_history", "outbox", "events"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			e.t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// unchanged fails when the row counts differ from before.
func (e *env) unchanged(before map[string]int, what string) {
	e.t.Helper()
	after := e.rowCounts()
	for table, n := range before {
		if after[table] != n {
			e.t.Errorf("%s: %s went from %d to %d rows", what, table, n, after[table])
		}
	}
}

// TestReplyToMustBeOfTheConversation: reply_to_id names a message of the same conversation,
// else 404 and nothing is stored.
func TestReplyToMustBeOfTheConversation(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenOf[auth.RoleAdmin]
	conv := e.firstConversation("status=active&channel=web")
	var own, elsewhere string
	for _, raw := range e.expect(e.do("GET", "/team-inbox/api/messages/?limit=100", tok, nil), 200, "messages").data()["messages"].([]any) {
		m := raw.(map[string]any)
		if m["conversation_id"] == conv {
			own = m["id"].(string)
		} else {
			elsewhere = m["id"].(string)
		}
	}
	if own == "" || elsewhere == "" {
		t.Fatalf("the demo has no message in %s or none elsewhere", conv)
	}
	before := e.rowCounts()
	for name, id := range map[string]string{"made up": uuid.NewString(), "another tenant's": e.b.message.String(), "another conversation's": elsewhere} {
		e.expect(e.do("POST", "/v1/conversations/"+conv+"/messages", tok, map[string]any{"content": "re", "reply_to_id": id}), 404, name+" reply_to_id")
	}
	e.unchanged(before, "replies to foreign messages")
	r := e.expect(e.do("POST", "/v1/conversations/"+conv+"/messages", tok, map[string]any{"content": "re", "reply_to_id": own}), 201, "reply to a message of the conversation")
	if got := r.data()["message"].(map[string]any)["reply_to_id"]; got != own {
		t.Errorf("reply_to_id %v, want %s", got, own)
	}
}

// TestEmptyUpdates: a PATCH whose body is not an object, or names no field, is a 400 and
// writes nothing, not even updated_at.
func TestEmptyUpdates(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenOf[auth.RoleAdmin]
	contact := e.expect(e.do("GET", "/v1/contacts?limit=1", tok, nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)
	tag := e.expect(e.do("GET", "/v1/tags", tok, nil), 200, "tags").data()["tags"].([]any)[0].(map[string]any)
	channel := e.channelOf("web")
	before := e.rowCounts()
	// null fields change nothing either: each path with a body of only nulls.
	for path, nulls := range map[string]string{
		"/v1/contacts/" + contact["id"].(string): `{"first_name":null,"email":null}`,
		"/v1/tags/" + tag["id"].(string):         `{"name":null,"color":null}`,
		"/v1/channels/" + channel:                `{"name":null,"config":null}`,
	} {
		for _, body := range []string{"null", " null ", "{}", " {} ", "[]", `"x"`, "42", "true", "", "{} {}", "{", nulls} {
			e.expect(e.do("PATCH", path, tok, body), 400, fmt.Sprintf("PATCH %s %q", path, body))
		}
	}
	e.unchanged(before, "empty updates")
	after := e.expect(e.do("GET", "/v1/contacts/"+contact["id"].(string), tok, nil), 200, "contact").data()["contact"].(map[string]any)
	if after["updated_at"] != contact["updated_at"] {
		t.Errorf("updated_at moved from %v to %v", contact["updated_at"], after["updated_at"])
	}
	for _, tg := range e.expect(e.do("GET", "/v1/tags", tok, nil), 200, "tags").data()["tags"].([]any) {
		if m := tg.(map[string]any); m["id"] == tag["id"] && (m["name"] != tag["name"] || m["color"] != tag["color"]) {
			t.Errorf("tag changed: %v, was %v", m, tag)
		}
	}
	// One field is enough.
	e.expect(e.do("PATCH", "/v1/contacts/"+contact["id"].(string), tok, `{"last_name":"Changed"}`), 200, "a real change")
}

// TestTokensOfUnknownUsers: a correctly signed token whose user does not exist, or is not of
// the token's tenant, is a 401 on every route and writes nothing.
func TestTokensOfUnknownUsers(t *testing.T) {
	e := newEnv(t)
	conv := e.firstConversation("status=active&channel=web")
	contact := e.expect(e.do("GET", "/v1/contacts?limit=1", e.tokenOf[auth.RoleAdmin], nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)["id"].(string)
	tokens := map[string]string{
		"unknown user of the tenant": e.issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: uuid.New(), Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour),
		"unknown tenant":             e.issue(auth.Principal{TenantID: uuid.New(), UserID: uuid.New(), Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour),
		"user of another tenant":     e.issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: e.b.admin, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour),
		"user under an unknown tenant": e.issue(auth.Principal{TenantID: uuid.New(), UserID: seed.DemoUserID(auth.RoleAdmin), Role: auth.RoleAdmin},
			auth.AudienceAPI, time.Hour),
	}
	before := e.rowCounts()
	for name, tok := range tokens {
		for _, r := range []route{
			{"GET", "/v1/auth/me", nil, ""},
			{"GET", "/v1/conversations", nil, ""},
			{"POST", "/v1/conversations/" + conv + "/notes", map[string]any{"content": "from nobody"}, ""},
			{"POST", "/v1/conversations/" + conv + "/messages", map[string]any{"content": "from nobody"}, ""},
			{"PATCH", "/v1/conversations/" + conv + "/status", map[string]any{"status": "closed"}, ""},
			{"PATCH", "/v1/contacts/" + contact, map[string]any{"first_name": "Nobody"}, ""},
			{"POST", "/v1/tags", map[string]any{"name": "ghost", "color": "#123456"}, ""},
			{"POST", "/v1/channels", map[string]any{"kind": "web", "name": "ghost"}, ""},
			{"GET", "/team-inbox/api/messages/", nil, ""},
			{"GET", "/team-inbox/api/stats/", nil, ""},
		} {
			e.expect(e.do(r.method, r.path, tok, r.body), 401, name+": "+r.method+" "+r.path)
		}
	}
	e.unchanged(before, "requests with tokens of nobody")
}

// TestDeactivatedUser: deactivating a user refuses their tokens from the next request on
// (the cached check is dropped on this node) and their login; reactivating lets them back.
func TestDeactivatedUser(t *testing.T) {
	e := newEnv(t)
	exec := e.tokenOf[auth.RoleExecutive]
	login := map[string]any{"email": seed.DemoEmail(auth.RoleExecutive), "password": demoPassword}
	e.expect(e.do("GET", "/v1/conversations", exec, nil), 200, "before") // now in the cache
	admin := auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(auth.RoleAdmin), Role: auth.RoleAdmin}
	u, err := e.svc.SetUserActive(context.Background(), admin, seed.DemoUserID(auth.RoleExecutive), false)
	if err != nil || u.DeactivatedAt == nil {
		t.Fatalf("deactivate: %v %+v", err, u)
	}
	e.expect(e.do("GET", "/v1/conversations", exec, nil), 401, "a deactivated user's token")
	e.expect(e.do("POST", "/v1/auth/login", "", login), 401, "a deactivated user's login")
	users := e.expect(e.do("GET", "/v1/users", e.tokenOf[auth.RoleAdmin], nil), 200, "users").data()["users"].([]any)
	for _, raw := range users {
		if m := raw.(map[string]any); m["id"] == seed.DemoUserID(auth.RoleExecutive).String() && m["deactivated_at"] == nil {
			t.Errorf("the user list does not show the deactivation: %v", m)
		}
	}
	_, err = e.svc.SetUserActive(context.Background(), admin, seed.DemoUserID(auth.RoleExecutive), true)
	if err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("GET", "/v1/conversations", exec, nil), 200, "reactivated")
	e.expect(e.do("POST", "/v1/auth/login", "", login), 200, "a reactivated user's login")
	_, err = e.svc.SetUserActive(context.Background(), admin, e.b.admin, false)
	var ie *inbox.Error
	if !errors.As(err, &ie) || ie.Code != inbox.CodeNotFound {
		t.Errorf("deactivating another tenant's user: %v, want %s", err, inbox.CodeNotFound)
	}
}

// checkCounter records the hashes a login checks passwords against.
type checkCounter struct {
	*auth.Hasher
	mu     sync.Mutex
	hashes []string
}

func (c *checkCounter) Check(ctx context.Context, hash, password string) error {
	c.mu.Lock()
	c.hashes = append(c.hashes, hash)
	c.mu.Unlock()
	return c.Hasher.Check(ctx, hash, password)
}

func (c *checkCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hashes
	c.hashes = nil
	return h
}

// TestLoginDoesTheSameWorkForUnknownEmails: an unknown email's password is checked against a
// hash of the same cost, so its login takes as long as a known email's.
func TestLoginDoesTheSameWorkForUnknownEmails(t *testing.T) {
	var checks *checkCounter
	e := newEnv(t, func(o *options) {
		o.passwords = func(h *auth.Hasher) inbox.PasswordChecker { checks = &checkCounter{Hasher: h}; return checks }
	})
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "nobody@example.com", "password": "guess"}), 401, "unknown email")
	if got := checks.take(); len(got) != 1 || got[0] != checks.DummyHash() {
		t.Errorf("an unknown email checked %d hashes %q, want the dummy hash once", len(got), got)
	}
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(auth.RoleViewer), "password": "guess"}), 401, "wrong password")
	if got := checks.take(); len(got) != 1 || got[0] == checks.DummyHash() || !strings.HasPrefix(got[0], "$argon2id$") {
		t.Errorf("a known email checked %q, want its stored hash once", got)
	}
}

// TestLoginBackoff: after five failures an account is locked, whatever the IP, for a window
// that doubles with each further failure; a success clears it. Unknown emails lock alike.
func TestLoginBackoff(t *testing.T) {
	e := newEnv(t, func(o *options) { o.loginRPS = 0 }) // no per-IP limit: only the account's
	now := e.now
	e.svc.SetClock(func() time.Time { return now })
	good := map[string]any{"email": seed.DemoEmail(auth.RoleViewer), "password": demoPassword}
	bad := map[string]any{"email": seed.DemoEmail(auth.RoleViewer), "password": "wrong"}
	locked := func(what, retryAfter string) {
		t.Helper()
		r := e.expect(e.do("POST", "/v1/auth/login", "", good), 429, what)
		if got := r.Header.Get("Retry-After"); got != retryAfter {
			t.Errorf("%s: Retry-After %q, want %q", what, got, retryAfter)
		}
	}
	for i := range 5 {
		e.expect(e.do("POST", "/v1/auth/login", "", bad), 401, fmt.Sprint("failure ", i+1))
	}
	locked("the right password during the first lock", "1")
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail(auth.RoleAdmin), "password": demoPassword}), 200,
		"another account is not locked")
	now = now.Add(time.Second)
	e.expect(e.do("POST", "/v1/auth/login", "", bad), 401, "a sixth failure after the lock")
	locked("the second lock", "2")
	now = now.Add(2 * time.Second)
	e.expect(e.do("POST", "/v1/auth/login", "", bad), 401, "a seventh failure")
	locked("the third lock", "4")
	now = now.Add(4 * time.Second)
	e.expect(e.do("POST", "/v1/auth/login", "", good), 200, "the right password after the lock")
	e.expect(e.do("POST", "/v1/auth/login", "", bad), 401, "a success cleared the failures")
	e.expect(e.do("POST", "/v1/auth/login", "", good), 200, "one failure does not lock")

	ghost := map[string]any{"email": "nobody@example.com", "password": "guess"}
	for i := range 5 {
		e.expect(e.do("POST", "/v1/auth/login", "", ghost), 401, fmt.Sprint("unknown email, failure ", i+1))
	}
	e.expect(e.do("POST", "/v1/auth/login", "", ghost), 429, "an unknown email locks like a known one")
	// The guard keeps emails of at most 254 characters (RFC 5321), so longer ones are refused.
	e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": strings.Repeat("a", 250) + "@x.org", "password": "p"}), 400, "an overlong email")
}
