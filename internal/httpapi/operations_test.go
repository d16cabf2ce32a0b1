package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestReadyzNamesWhatIsDown: /readyz is 200 while the database and NATS are up, and 503
// naming NATS, in the error envelope, once the NATS server stops.
func TestReadyzNamesWhatIsDown(t *testing.T) {
	ns := natstest.Start(t, -1)
	bus, err := realtime.NewNATSBus(ns.ClientURL(), slog.New(slog.DiscardHandler), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	e := newEnv(t, func(o *options) { o.checks = []httpapi.Check{{Name: "nats", Ready: bus.Ready}} })

	r := e.expect(e.do("GET", "/readyz", "", nil), http.StatusOK, "ready")
	if checks, _ := r.data()["checks"].(map[string]any); checks["database"] != "up" || checks["nats"] != "up" {
		t.Errorf("checks %v, want database and nats up", r.data()["checks"])
	}

	ns.Shutdown()
	deadline := time.Now().Add(30 * time.Second)
	for bus.Ready(context.Background()) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the bus never saw NATS go")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r = e.expect(e.do("GET", "/readyz", "", nil), http.StatusServiceUnavailable, "NATS down")
	body, _ := r.Body["error"].(map[string]any)
	details, _ := body["details"].(map[string]any)
	if r.errCode() != "NOT_READY" || details["nats"] == nil || details["database"] != nil {
		t.Errorf("503 body %s, want NOT_READY naming nats alone", r.Raw)
	}
}

// syncBuffer is a bytes.Buffer the server's goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestRequestLogNamesThePrincipal: an authenticated request's log line carries its tenant
// and user, and its duration in milliseconds as a number.
func TestRequestLogNamesThePrincipal(t *testing.T) {
	var buf syncBuffer
	e := newEnv(t, func(o *options) { o.log = slog.New(slog.NewJSONHandler(&buf, nil)) })
	e.expect(e.do("GET", "/v1/auth/me", e.tokenOf[auth.RoleAdmin], nil), http.StatusOK, "me")
	e.expect(e.do("GET", "/healthz", "", nil), http.StatusOK, "health")
	seen := map[string]map[string]any{}
	for _, l := range buf.lines() {
		if l["msg"] == "request" {
			seen[l["path"].(string)] = l
		}
	}
	me, health := seen["/v1/auth/me"], seen["/healthz"]
	if me == nil || health == nil {
		t.Fatalf("request lines %v, want /v1/auth/me and /healthz", seen)
	}
	if me["tenant_id"] != seed.DemoTenantID.String() || me["user_id"] != seed.DemoUserID(auth.RoleAdmin).String() {
		t.Errorf("authenticated request line %v, want the admin's tenant_id and user_id", me)
	}
	if _, ok := health["tenant_id"]; ok {
		t.Errorf("unauthenticated request line %v names a tenant", health)
	}
	if ms, ok := me["duration_ms"].(float64); !ok || ms <= 0 || ms > 60_000 {
		t.Errorf("duration_ms %v, want milliseconds as a number", me["duration_ms"])
	}
	if _, ok := me["duration"]; ok {
		t.Errorf("request line %v still has the raw duration", me)
	}
}
