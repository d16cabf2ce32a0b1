package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

// TestBusinessSettings: everyone reads their business; admins change its name, time zone and
// template language; bad input is a 400 naming the field and changes nothing; each business
// sees and changes only its own; a change is in the audit log with before and after.
func TestBusinessSettings(t *testing.T) {
	e := newEnv(t)
	admin, viewer := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleViewer]
	business := func(token string) map[string]any {
		t.Helper()
		return e.expect(e.do("GET", "/v1/business", token, nil), 200, "get business").data()["business"].(map[string]any)
	}
	b := business(viewer)
	if b["id"] != seed.DemoTenantID.String() || b["name"] != "Demo Business" || b["time_zone"] != "UTC" ||
		b["default_template_language"] != "en" || b["disabled_at"] != nil {
		t.Fatalf("demo business %v", b)
	}
	e.expect(e.do("GET", "/v1/business", "", nil), 401, "no token")
	e.expect(e.do("PATCH", "/v1/business", viewer, map[string]any{"name": "Mine"}), 403, "viewer writes")

	for what, tc := range map[string]struct {
		body  any
		field string
	}{
		"unknown zone":      {map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
		"server's own zone": {map[string]any{"time_zone": "Local"}, "time_zone"},
		"empty zone":        {map[string]any{"time_zone": ""}, "time_zone"},
		"zone not a string": {map[string]any{"time_zone": 5}, "time_zone"},
		"bad language":      {map[string]any{"default_template_language": "English"}, "default_template_language"},
		"empty name":        {map[string]any{"name": "  ", "time_zone": "Europe/Berlin"}, "name"},
		"long name":         {map[string]any{"name": strings.Repeat("n", 201)}, "name"},
		"nothing to change": {map[string]any{}, "body"},
		"unknown field":     {map[string]any{"disabled_at": "2026-01-01T00:00:00Z"}, "disabled_at"},
		"not an object":     {"[1]", "body"},
	} {
		r := e.expect(e.do("PATCH", "/v1/business", admin, tc.body), 400, what)
		if d, _ := r.Body["error"].(map[string]any)["details"].(map[string]any); d[tc.field] == nil {
			t.Errorf("%s: no detail for %s: %s", what, tc.field, r.Raw)
		}
	}
	if after := business(admin); after["name"] != "Demo Business" || after["time_zone"] != "UTC" {
		t.Fatalf("a refused change changed the business: %v", after)
	}

	r := e.expect(e.do("PATCH", "/v1/business", admin, map[string]any{"name": " Demo GmbH ", "time_zone": "Europe/Berlin",
		"default_template_language": "de"}), 200, "change settings")
	if got := r.data()["business"].(map[string]any); got["name"] != "Demo GmbH" || got["time_zone"] != "Europe/Berlin" || got["default_template_language"] != "de" {
		t.Errorf("changed business %v", got)
	}
	if got := business(viewer); got["time_zone"] != "Europe/Berlin" {
		t.Errorf("read after the change %v", got)
	}
	// The statistics still count every conversation, now by Berlin days.
	stats := e.expect(e.do("GET", "/v1/conversations/statistics", viewer, nil), 200, "statistics").data()
	days := 0
	for _, n := range stats["conversation_by_day"].(map[string]any) {
		days += int(n.(float64))
	}
	if total := int(stats["total_conversations"].(float64)); days != total || total == 0 {
		t.Errorf("by day adds up to %d of %d", days, total)
	}

	// Another business: its own, untouched by A's change, and A's untouched by its.
	if other := business(e.b.token); other["id"] != e.b.tenant.String() || other["time_zone"] != "UTC" {
		t.Errorf("business B %v", other)
	}
	e.expect(e.do("PATCH", "/v1/business", e.b.token, map[string]any{"name": "B renamed"}), 200, "B renames itself")
	if got := business(admin); got["name"] != "Demo GmbH" {
		t.Errorf("B's change reached A: %v", got)
	}

	entries := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?action=business.updated", admin, nil), 200, "audit log"))
	if len(entries) != 1 || entries[0].ObjectID != seed.DemoTenantID.String() || entries[0].ActorID == nil || *entries[0].ActorID != seed.DemoUserID(auth.RoleAdmin) {
		t.Fatalf("audit entries %+v", entries)
	}
	var before, after inbox.Tenant
	_ = json.Unmarshal(entries[0].Before, &before)
	_ = json.Unmarshal(entries[0].After, &after)
	if before.TimeZone != "UTC" || after.TimeZone != "Europe/Berlin" || before.Name != "Demo Business" || after.Name != "Demo GmbH" {
		t.Errorf("audit before %s after %s", entries[0].Before, entries[0].After)
	}
}

func signupBody(email string) map[string]any {
	return map[string]any{"business_name": "Acme", "first_name": "Ana", "last_name": "Lopez", "email": email,
		"password": "long enough password", "time_zone": "America/New_York"}
}

// TestSignup: off by default (404 in the envelope); on, it creates a business and its super
// admin and answers a login token, refuses bad input and a taken email, and is rate-limited.
func TestSignup(t *testing.T) {
	off := newEnv(t)
	off.expect(off.do("POST", "/v1/signup", "", signupBody("ana@acme.example")), 404, "sign-up off")

	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.signup, o.open, o.loginRPS = true, open, 0 })
			for what, tc := range map[string]struct {
				change map[string]any
				field  string
			}{
				"short password":    {map[string]any{"password": "short"}, "password"},
				"repeated password": {map[string]any{"password": "aaaaaaaaaaaa"}, "password"},
				"email as password": {map[string]any{"password": "ana@acme.example"}, "password"},
				"bad email":         {map[string]any{"email": "ana"}, "email"},
				"no business name":  {map[string]any{"business_name": ""}, "business_name"},
				"no first name":     {map[string]any{"first_name": " "}, "first_name"},
				"bad time zone":     {map[string]any{"time_zone": "Nowhere/Land"}, "time_zone"},
				"unknown field":     {map[string]any{"role": "viewer"}, "role"},
			} {
				body := signupBody("ana@acme.example")
				for k, v := range tc.change {
					body[k] = v
				}
				r := e.expect(e.do("POST", "/v1/signup", "", body), 400, what)
				if d, _ := r.Body["error"].(map[string]any)["details"].(map[string]any); d[tc.field] == nil {
					t.Errorf("%s: no detail for %s: %s", what, tc.field, r.Raw)
				}
			}
			r := e.expect(e.do("POST", "/v1/signup", "", signupBody("ana@acme.example")), 201, "sign up")
			token := r.data()["token"].(string)
			user := r.data()["user"].(map[string]any)
			if user["role"] != "super_admin" || user["email"] != "ana@acme.example" {
				t.Errorf("new user %v", user)
			}
			b := e.expect(e.do("GET", "/v1/business", token, nil), 200, "the new business").data()["business"].(map[string]any)
			if b["name"] != "Acme" || b["time_zone"] != "America/New_York" || b["id"] != user["business_id"] {
				t.Errorf("new business %v", b)
			}
			e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "ana@acme.example", "password": "long enough password"}), 200, "login")
			e.expect(e.do("PATCH", "/v1/business", token, map[string]any{"name": "Acme Inc"}), 200, "the owner changes settings")
			// The new business sees none of the demo's.
			convs := e.expect(e.do("GET", "/v1/conversations", token, nil), 200, "conversations").data()["conversations"].([]any)
			if len(convs) != 0 {
				t.Errorf("a new business lists %d conversations", len(convs))
			}

			r = e.expect(e.do("POST", "/v1/signup", "", signupBody("ANA@acme.example")), 409, "taken email")
			if r.errReason() != inbox.ReasonEmailTaken {
				t.Errorf("reason %q", r.errReason())
			}
			e.expect(e.do("POST", "/v1/signup", "", signupBody(seed.DemoEmail(auth.RoleViewer))), 409, "a demo user's email")
			tenants, err := e.st.ListTenants(context.Background())
			if err != nil || len(tenants) != 3 {
				t.Errorf("%d tenants (%v), want demo, B and Acme", len(tenants), err)
			}
		})
	}

	limited := newEnv(t, func(o *options) { o.signup, o.loginRPS = true, 0.001 })
	codes := map[int]int{}
	for range 8 {
		codes[limited.do("POST", "/v1/signup", "", signupBody("x")).Status]++
	}
	if codes[429] == 0 {
		t.Errorf("no 429 in 8 sign-ups at once: %v", codes)
	}
}

// TestDisabledBusiness: once an operator disables a business, its users' tokens answer 401,
// its logins are refused saying why; other businesses are not affected.
func TestDisabledBusiness(t *testing.T) {
	e := newEnv(t, func(o *options) { o.signup = true })
	r := e.expect(e.do("POST", "/v1/signup", "", signupBody("ana@acme.example")), 201, "sign up")
	token := r.data()["token"].(string)
	acme := r.data()["user"].(map[string]any)["business_id"].(string)
	// What `teaminbox tenant disable` does.
	svc := tenancy.New(e.st.(tenancy.Store), auth.NewHasher(cheapArgon, 1), audit.New(e.st.(audit.Store)), slog.New(slog.DiscardHandler))
	if _, _, err := svc.SetDisabled(context.Background(), uuid.MustParse(acme), true); err != nil {
		t.Fatal(err)
	}
	r = e.expect(e.do("GET", "/v1/business", token, nil), 401, "a disabled business's token")
	if !strings.Contains(r.errField("message"), "disabled") {
		t.Errorf("message %q does not say why", r.errField("message"))
	}
	r = e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "ana@acme.example", "password": "long enough password"}), 401, "login")
	if !strings.Contains(r.errField("message"), "disabled") {
		t.Errorf("login message %q does not say why", r.errField("message"))
	}
	// A wrong password learns nothing of the business.
	r = e.expect(e.do("POST", "/v1/auth/login", "", map[string]any{"email": "ana@acme.example", "password": "wrong password!"}), 401, "wrong password")
	if strings.Contains(r.errField("message"), "disabled") {
		t.Errorf("a wrong password learns the business is disabled: %q", r.errField("message"))
	}
	e.expect(e.do("GET", "/v1/business", e.tokenOf[auth.RoleViewer], nil), 200, "another business")
	e.expect(e.do("GET", "/v1/business", e.b.token, nil), 200, "business B")
}
