package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestFirstRunSetup: a server on a new PostgreSQL database creates no demo, logs a setup
// link, serves the app's setup page only with its token, and the token creates one business, once.
func TestFirstRunSetup(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	logs := captureStderr(t)
	s := startServerWith(t, map[string]string{"DATABASE_URL": dbURL})
	link := logs.setupURL(t)
	token := strings.TrimPrefix(link[strings.Index(link, "/setup?"):], "/setup?token=")

	cfg := &config.Config{DatabaseURL: dbURL}
	st, err := openExistingStore(context.Background(), cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if tenants, err := st.ListTenants(context.Background()); err != nil || len(tenants) != 0 {
		t.Fatalf("a new PostgreSQL database without --demo holds %d businesses (%v), want none", len(tenants), err)
	}

	page := func(token string) int {
		res, err := http.Get(s.base + "/setup?token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 && !strings.Contains(string(body), `<div id="app"></div>`) {
			t.Errorf("setup page: %s", body)
		}
		return res.StatusCode
	}
	if code := page("wrong"); code != 403 {
		t.Errorf("setup page with a wrong token: %d, want 403", code)
	}
	if code := page(token); code != 200 {
		t.Errorf("setup page: %d, want 200", code)
	}
	body := map[string]any{"business_name": "First Co", "first_name": "Fay", "last_name": "First", "email": "fay@first.example",
		"password": "first password", "time_zone": "Europe/Berlin"}
	with := func(token string) map[string]any {
		b := map[string]any{"token": token}
		for k, v := range body {
			b[k] = v
		}
		return b
	}
	s.call(t, "POST", "/v1/setup", "", body).data(t, 400, "no token")
	s.call(t, "POST", "/v1/setup", "", with("wrong")).data(t, 403, "wrong token")
	weak := with(token)
	weak["password"] = "short"
	s.call(t, "POST", "/v1/setup", "", weak).data(t, 400, "weak password")
	d := s.call(t, "POST", "/v1/setup", "", with(token)).data(t, 201, "setup")
	business := s.call(t, "GET", "/v1/business", d["token"].(string), nil).data(t, 200, "the new business")["business"].(map[string]any)
	if business["name"] != "First Co" || business["time_zone"] != "Europe/Berlin" {
		t.Errorf("business %v", business)
	}
	body["email"] = "other@first.example"
	if a := s.call(t, "POST", "/v1/setup", "", with(token)); a.status != 403 {
		t.Errorf("second setup: %d, want 403: %v", a.status, a.body)
	}
	if code := page(token); code != 403 {
		t.Errorf("setup page after the setup: %d, want 403", code)
	}
	entries, err := st.ListAudit(context.Background(), uuid.MustParse(business["id"].(string)), audit.Filter{Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Action != "business.set_up" || entries[0].ActorID == nil {
		t.Errorf("audit entries %+v (%v), want business.set_up by the new user", entries, err)
	}
}

// TestDemoPolicy: the embedded database gets the demo, PostgreSQL only with --demo, and
// --no-demo wins.
func TestDemoPolicy(t *testing.T) {
	for _, tc := range []struct {
		databaseURL  string
		demo, noDemo bool
		want         bool
	}{
		{"", false, false, true},
		{"", false, true, false},
		{"postgres://db/x", false, false, false},
		{"postgres://db/x", true, false, true},
		{"postgres://db/x", true, true, false},
	} {
		if got := wantsDemo(&config.Config{DatabaseURL: tc.databaseURL, Demo: tc.demo}, tc.noDemo); got != tc.want {
			t.Errorf("wantsDemo(url %q, demo %v, no-demo %v) = %v", tc.databaseURL, tc.demo, tc.noDemo, got)
		}
	}
	s := startServerWith(t, map[string]string{"TEAMINBOX_DEMO_PASSWORD": "known for tests"})
	s.call(t, "POST", "/v1/auth/login", "", map[string]any{"email": seed.DemoEmail("viewer"), "password": "known for tests"}).
		data(t, 200, "demo login with TEAMINBOX_DEMO_PASSWORD")
}

// TestTenantCommands: tenant list shows every business with its users; disable and enable
// change it and are in its audit log; bad arguments fail saying why.
func TestTenantCommands(t *testing.T) {
	dir, _ := serverData(t, "")
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runTenant(context.Background(), &out, args)
		return out.String(), err
	}
	out, err := run("list", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], seed.DemoTenantID.String()) ||
		!strings.Contains(lines[1], "Demo Business") || strings.Fields(lines[1])[3] != "4" || !strings.HasSuffix(lines[1], "-") {
		t.Fatalf("tenant list:\n%s", out)
	}
	id := seed.DemoTenantID.String()
	if out, err = run("disable", "--data", dir, id); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %q, %v", out, err)
	}
	out, _ = run("list", "--data", dir)
	if strings.HasSuffix(strings.TrimSpace(out), "-") {
		t.Errorf("list after disable shows no date:\n%s", out)
	}
	if out, err = run("enable", "--data", dir, id); err != nil || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %q, %v", out, err)
	}
	for what, args := range map[string][]string{
		"no subcommand":    nil,
		"unknown":          {"remove", "--data", dir, id},
		"no id":            {"disable", "--data", dir},
		"bad id":           {"disable", "--data", dir, "nope"},
		"unknown business": {"disable", "--data", dir, uuid.NewString()},
	} {
		if _, err := run(args...); err == nil {
			t.Errorf("%s: no error", what)
		}
	}
	st, err := openExistingStore(context.Background(), &config.Config{DataDir: dir}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := st.GetTenant(context.Background(), seed.DemoTenantID)
	if err != nil || b.DisabledAt != nil {
		t.Errorf("after enable: %+v, %v", b, err)
	}
	entries, err := st.ListAudit(context.Background(), seed.DemoTenantID, audit.Filter{Limit: 10})
	if err != nil || len(entries) != 2 || entries[0].Action != "business.enabled" || entries[1].Action != "business.disabled" || entries[1].ActorID != nil {
		t.Errorf("audit entries %+v (%v)", entries, err)
	}
}

// stderrLog is what the server logs to stderr while a test runs.
type stderrLog struct{ lines chan string }

// captureStderr sends what is written to os.Stderr, from here until t ends, to a pipe it reads.
func captureStderr(t *testing.T) *stderrLog {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	l := &stderrLog{lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case l.lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() { os.Stderr = old; w.Close() })
	return l
}

// setupURL is the setup_url of the first log line that has one.
func (l *stderrLog) setupURL(t *testing.T) string {
	t.Helper()
	for {
		select {
		case line := <-l.lines:
			var entry struct {
				SetupURL string `json:"setup_url"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.SetupURL != "" {
				return entry.SetupURL
			}
		case <-time.After(time.Minute): // the line is written before the server listens
			t.Fatal("the server logged no setup link")
		}
	}
}
