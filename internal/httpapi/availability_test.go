package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestSetAvailability: an agent sets its own availability; the change is an event, and the
// user list, me and the agent workload show it; bad input changes nothing.
func TestSetAvailability(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) { setAvailability(t, newEnv(t, func(o *options) { o.open = open })) })
	}
}

func setAvailability(t *testing.T, e *env) {
	exec := e.tokenOf[auth.RoleExecutive]
	execID := seed.DemoUserID(auth.RoleExecutive)
	availabilityIn := func(token string) map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, raw := range e.expect(e.do("GET", "/v1/users", token, nil), 200, "users").data()["users"].([]any) {
			u := raw.(map[string]any)
			out[u["id"].(string)] = u["availability"]
		}
		return out
	}
	if got := availabilityIn(exec)[execID.String()]; got != "offline" {
		t.Fatalf("a user never connected is %v, want offline", got)
	}

	for _, body := range []any{map[string]any{}, map[string]any{"availability": "busy"}, map[string]any{"availability": 1}, `"away"`} {
		e.expect(e.do("PUT", "/v1/auth/me/availability", exec, body), 400, "bad availability")
	}
	if n := len(e.events.ofType(inbox.EventAgentAvailability)); n != 0 {
		t.Fatalf("%d availability events after bad input", n)
	}

	r := e.expect(e.do("PUT", "/v1/auth/me/availability", exec, map[string]any{"availability": "away"}), 200, "set away")
	if a := r.data()["availability"].(map[string]any); a["availability"] != "away" || a["manual"] != true || a["user_id"] != execID.String() {
		t.Errorf("set away answered %s", r.Raw)
	}
	events := e.events.ofType(inbox.EventAgentAvailability)
	if len(events) != 1 || events[0].Seq == 0 || events[0].TenantID != seed.DemoTenantID {
		t.Fatalf("events %+v, want one logged agent_availability of the demo tenant", events)
	}
	var ev inbox.AgentAvailability
	if err := json.Unmarshal(events[0].Data, &ev); err != nil || ev.UserID != execID || ev.Availability != inbox.AvailabilityAway {
		t.Errorf("event data %s (%v)", events[0].Data, err)
	}
	e.expect(e.do("PUT", "/v1/auth/me/availability", exec, map[string]any{"availability": "away"}), 200, "set away again")
	if n := len(e.events.ofType(inbox.EventAgentAvailability)); n != 1 {
		t.Errorf("setting the same availability again emitted %d events in all", n)
	}

	if got := availabilityIn(e.tokenOf[auth.RoleViewer])[execID.String()]; got != "away" {
		t.Errorf("users list shows %v, want away", got)
	}
	if me := e.expect(e.do("GET", "/v1/auth/me", exec, nil), 200, "me").data()["user"].(map[string]any); me["availability"] != "away" {
		t.Errorf("me shows %v", me["availability"])
	}
	stats := e.expect(e.do("GET", "/team-inbox/api/stats", exec, nil), 200, "stats").data()["agent_workload"].([]any)
	found := false
	for _, raw := range stats {
		a := raw.(map[string]any)
		if a["agent"].(map[string]any)["id"] == execID.String() {
			found = a["availability"] == "away"
		}
	}
	if !found {
		t.Errorf("the workload does not show the executive away: %v", stats)
	}
	// Tenant B's users are untouched and unseen.
	if got := availabilityIn(e.b.token); len(got) != 1 || got[e.b.admin.String()] != "offline" {
		t.Errorf("tenant B's users: %v", got)
	}
}
