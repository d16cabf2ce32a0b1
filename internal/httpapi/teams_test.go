package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func teamOf(r reply) map[string]any {
	t, _ := r.data()["team"].(map[string]any)
	return t
}

func (e *env) teamNames(token string) []string {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/teams", token, nil), 200, "list teams")
	var names []string
	for _, raw := range r.data()["teams"].([]any) {
		t := raw.(map[string]any)
		if ids := t["member_ids"].([]any); float64(len(ids)) != t["member_count"] {
			e.t.Errorf("team %v: member_count %v beside %d member_ids", t["name"], t["member_count"], len(ids))
		}
		names = append(names, t["name"].(string))
	}
	return names
}

// TestTeams walks a team through the API: create with members, rename, members in and out,
// every bad input (nothing changes), another tenant's ids (404), and the roles that may not.
func TestTeams(t *testing.T) {
	e := newEnv(t)
	admin, exec := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleExecutive]
	execID, viewerID := seed.DemoUserID(auth.RoleExecutive).String(), seed.DemoUserID(auth.RoleViewer).String()
	before := e.teamNames(admin)

	for _, c := range []struct {
		what string
		body any
	}{
		{"no name", map[string]any{}},
		{"blank name", map[string]any{"name": "  "}},
		{"long name", map[string]any{"name": strings.Repeat("x", 101)}},
		{"bad member id", map[string]any{"name": "Billing", "member_ids": []string{"nope"}}},
		{"unknown field", map[string]any{"name": "Billing", "colour": "red"}},
		{"not an object", `["Billing"]`},
	} {
		e.expect(e.do("POST", "/v1/teams", admin, c.body), 400, "create team: "+c.what)
	}
	e.expect(e.do("POST", "/v1/teams", admin, map[string]any{"name": "Billing", "member_ids": []string{execID, e.b.admin.String()}}), 404, "create with another tenant's user")
	e.expect(e.do("POST", "/v1/teams", exec, map[string]any{"name": "Billing"}), 403, "an executive creates a team")
	if got := e.teamNames(admin); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Fatalf("refused creates changed the teams: %v, was %v", got, before)
	}

	created := teamOf(e.expect(e.do("POST", "/v1/teams", admin, map[string]any{"name": " Billing ", "member_ids": []string{execID, execID}}), 201, "create team"))
	id := created["id"].(string)
	if created["name"] != "Billing" || created["member_count"] != 1.0 || created["member_ids"].([]any)[0] != execID {
		t.Errorf("created team: %v", created)
	}
	r := e.expect(e.do("POST", "/v1/teams", admin, map[string]any{"name": "BILLING"}), 409, "same name in another case")
	if r.errReason() != inbox.ReasonNameTaken {
		t.Errorf("duplicate name reason %q", r.errReason())
	}
	if got := teamOf(e.expect(e.do("GET", "/v1/teams/"+id, exec, nil), 200, "get team")); got["name"] != "Billing" {
		t.Errorf("get team: %v", got)
	}

	// Rename.
	e.expect(e.do("PATCH", "/v1/teams/"+id, admin, map[string]any{}), 400, "rename without a name")
	e.expect(e.do("PATCH", "/v1/teams/"+id, admin, map[string]any{"name": strings.ToLower(before[0])}), 409, "rename onto another team's name")
	e.expect(e.do("PATCH", "/v1/teams/"+id, exec, map[string]any{"name": "Nope"}), 403, "an executive renames")
	e.expect(e.do("PATCH", "/v1/teams/not-a-uuid", admin, map[string]any{"name": "Nope"}), 400, "rename a bad id")
	if got := teamOf(e.expect(e.do("PATCH", "/v1/teams/"+id, admin, map[string]any{"name": "Invoices"}), 200, "rename")); got["name"] != "Invoices" {
		t.Errorf("renamed team: %v", got)
	}
	e.expect(e.do("PATCH", "/v1/teams/"+id, admin, map[string]any{"name": "invoices"}), 200, "rename to its own name in another case")

	// Members.
	members := "/v1/teams/" + id + "/members"
	e.expect(e.do("POST", members, admin, map[string]any{}), 400, "add without user_id")
	e.expect(e.do("POST", members, admin, map[string]any{"user_id": "x"}), 400, "add a bad user_id")
	e.expect(e.do("POST", members, admin, map[string]any{"user_id": e.b.admin}), 404, "add another tenant's user")
	e.expect(e.do("POST", members, exec, map[string]any{"user_id": viewerID}), 403, "an executive adds")
	if got := teamOf(e.expect(e.do("POST", members, admin, map[string]any{"user_id": viewerID}), 201, "add member")); got["member_count"] != 2.0 {
		t.Errorf("after adding: %v", got)
	}
	if got := teamOf(e.expect(e.do("POST", members, admin, map[string]any{"user_id": viewerID}), 200, "add a member again")); got["member_count"] != 2.0 {
		t.Errorf("after adding again: %v", got)
	}
	if got := teamOf(e.expect(e.do("DELETE", members+"/"+viewerID, admin, nil), 200, "remove member")); got["member_count"] != 1.0 {
		t.Errorf("after removing: %v", got)
	}
	e.expect(e.do("DELETE", members+"/"+viewerID, admin, nil), 404, "remove a member twice")
	e.expect(e.do("DELETE", members+"/"+e.b.admin.String(), admin, nil), 404, "remove another tenant's user")
	e.expect(e.do("DELETE", members+"/bad", admin, nil), 400, "remove a bad user id")

	// Tenant B's team is not there for A, nor A's for B.
	bTeam := teamOf(e.expect(e.do("POST", "/v1/teams", e.b.token, map[string]any{"name": "Invoices"}), 201, "tenant B may use A's team name"))["id"].(string)
	for _, req := range []struct{ method, path string }{
		{"GET", "/v1/teams/" + bTeam}, {"PATCH", "/v1/teams/" + bTeam}, {"DELETE", "/v1/teams/" + bTeam},
		{"POST", "/v1/teams/" + bTeam + "/members"}, {"DELETE", "/v1/teams/" + bTeam + "/members/" + execID},
	} {
		var body any
		switch req.method {
		case "PATCH":
			body = map[string]any{"name": "Stolen"}
		case "POST":
			body = map[string]any{"user_id": execID}
		}
		e.expect(e.do(req.method, req.path, admin, body), 404, req.method+" another tenant's team")
	}
	e.expect(e.do("GET", "/v1/teams/"+id, e.b.token, nil), 404, "tenant B reads A's team")
	if got := teamOf(e.expect(e.do("GET", "/v1/teams/"+bTeam, e.b.token, nil), 200, "B's team as it was")); got["name"] != "Invoices" || got["member_count"] != 0.0 {
		t.Errorf("B's team after A's attempts: %v", got)
	}
	e.expect(e.do("DELETE", "/v1/teams/"+id, exec, nil), 403, "an executive deletes")
	e.expect(e.do("DELETE", "/v1/teams/"+id, admin, nil), 200, "delete an unused team")
	e.expect(e.do("GET", "/v1/teams/"+id, admin, nil), 404, "deleted team")
	e.expect(e.do("DELETE", "/v1/teams/"+id, admin, nil), 404, "delete twice")

	// Each change that happened is in the audit log, after it happened; refusals are not.
	entries := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?object_type=team", admin, nil), 200, "audit log"))
	want := []string{"team.deleted", "team.member_removed", "team.member_added", "team.renamed", "team.renamed", "team.created"}
	var got []string
	for _, en := range entries {
		got = append(got, en.Action)
		if en.ObjectID != id {
			t.Errorf("%s about %s, want %s", en.Action, en.ObjectID, id)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log %v, want %v", got, want)
	}
	if len(entries) == len(want) && !strings.Contains(string(entries[2].After), viewerID) {
		t.Errorf("team.member_added after %s, want the viewer", entries[2].After)
	}
	if b := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?object_type=team", e.b.token, nil), 200, "B's audit log")); len(b) != 1 || b[0].Action != "team.created" {
		t.Errorf("tenant B's team entries: %+v", b)
	}
}

// TestDeleteTeamUnassigns: deleting a team takes it off its conversations, each with a
// system message and an assignment_update event, and keeps their assignee.
func TestDeleteTeamUnassigns(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			admin := e.tokenOf[auth.RoleAdmin]
			execID := seed.DemoUserID(auth.RoleExecutive).String()
			team := teamOf(e.expect(e.do("POST", "/v1/teams", admin, map[string]any{"name": "Short-lived"}), 201, "create team"))["id"].(string)
			list := e.expect(e.do("GET", "/v1/conversations?limit=3", admin, nil), 200, "list").data()["conversations"].([]any)
			var convs []string
			for i, raw := range list {
				id := raw.(map[string]any)["id"].(string)
				body := map[string]any{"assigned_team_id": team, "assigned_user_id": nil}
				if i == 0 {
					body["assigned_user_id"] = execID
				}
				e.expect(e.do("PATCH", "/v1/conversations/"+id+"/assign", admin, body), 200, "assign to the team")
				convs = append(convs, id)
			}
			already := len(e.events.ofType(inbox.EventAssignmentUpdate))

			r := e.expect(e.do("DELETE", "/v1/teams/"+team, admin, nil), 200, "delete team")
			if r.data()["unassigned_conversations"] != float64(len(convs)) {
				t.Errorf("delete answered %s, want %d unassigned", r.Raw, len(convs))
			}
			events := e.events.ofType(inbox.EventAssignmentUpdate)[already:]
			if len(events) != len(convs) {
				t.Fatalf("%d assignment_update events, want %d", len(events), len(convs))
			}
			for _, ev := range events {
				var u inbox.AssignmentUpdate
				if err := json.Unmarshal(ev.Data, &u); err != nil {
					t.Fatal(err)
				}
				if u.AssignedTeam != nil || !strings.Contains(u.Note, "Short-lived was deleted") {
					t.Errorf("event %s", ev.Data)
				}
			}
			for i, id := range convs {
				c := e.expect(e.do("GET", "/v1/conversations/"+id+"?limit=100", admin, nil), 200, "detail").data()["conversation"].(map[string]any)
				if c["assigned_team"] != nil {
					t.Errorf("conversation %s still has team %v", id, c["assigned_team"])
				}
				if u, _ := c["assigned_user"].(map[string]any); (i == 0) != (u != nil) {
					t.Errorf("conversation %d: assignee %v (the team's deletion must keep it)", i, c["assigned_user"])
				}
				msgs := c["messages"].([]any)
				last := msgs[len(msgs)-1].(map[string]any)
				if last["sender_type"] != "system" {
					t.Errorf("conversation %s: last message %v, want the system message of the deletion", id, last)
				}
			}
			e.expect(e.do("GET", "/v1/teams/"+team, admin, nil), 404, "deleted team")
			e.expect(e.do("PATCH", "/v1/conversations/"+convs[0]+"/assign", admin, map[string]any{"assigned_team_id": team}), 404, "assign to the deleted team")
		})
	}
}

// TestDeleteLargeTeam: a team with more conversations than one transaction unassigns is
// deleted in several, and every conversation loses it.
func TestDeleteLargeTeam(t *testing.T) {
	e := newEnv(t)
	admin := e.tokenOf[auth.RoleAdmin]
	teamID := teamOf(e.expect(e.do("POST", "/v1/teams", admin, map[string]any{"name": "Crowded"}), 201, "create team"))["id"].(string)
	team := uuid.MustParse(teamID)
	contact := uuid.MustParse(e.expect(e.do("GET", "/v1/contacts?limit=1", admin, nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)["id"].(string))
	channel := uuid.MustParse(e.channelOf(inbox.ChannelWeb))
	const n = 450 // three transactions of up to 200
	for range n {
		must(t, e.st.CreateConversation(context.Background(), inbox.Conversation{ID: uuid.Must(uuid.NewV7()), TenantID: seed.DemoTenantID,
			ContactID: contact, ChannelID: channel, Type: "support", Status: inbox.StatusClosed, Priority: inbox.PriorityLow,
			AssignedTeamID: &team, CreatedAt: e.now, UpdatedAt: e.now}))
	}
	already := len(e.events.ofType(inbox.EventAssignmentUpdate))
	r := e.expect(e.do("DELETE", "/v1/teams/"+teamID, admin, nil), 200, "delete team")
	if r.data()["unassigned_conversations"] != float64(n) {
		t.Errorf("delete answered %s, want %d unassigned", r.Raw, n)
	}
	if got := len(e.events.ofType(inbox.EventAssignmentUpdate)) - already; got != n {
		t.Errorf("%d assignment_update events, want %d", got, n)
	}
	left := e.expect(e.do("GET", "/v1/conversations?assigned_team="+teamID, admin, nil), 200, "list the team's").data()["pagination"]
	if left.(map[string]any)["total"] != 0.0 {
		t.Errorf("conversations left with the team: %v", left)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
