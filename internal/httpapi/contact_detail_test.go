package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestContactDetail reads a contact with its channel identities, edits its names, email and
// phone, and checks that the edit shows in the conversation list and is announced with a
// contact_update event that carries no personal data.
func TestContactDetail(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			contactDetail(t, e)
		})
	}
}

func contactDetail(t *testing.T, e *env) {
	admin, exec, viewer := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleExecutive], e.tokenOf[auth.RoleViewer]
	conv := e.expect(e.do("GET", "/v1/conversations?limit=1", admin, nil), 200, "list").data()["conversations"].([]any)[0].(row)
	contactID := conv["end_user"].(row)["id"].(string)
	channel := conv["channel"].(row)

	c := e.expect(e.do("GET", "/v1/contacts/"+contactID, viewer, nil), 200, "contact").data()["contact"].(row)
	found := false
	for _, i := range c["identities"].([]any) {
		i := i.(row)
		if i["address"] == "" || i["channel_name"] == "" {
			t.Errorf("identity without address or channel name: %v", i)
		}
		found = found || i["channel_id"] == channel["id"] && i["channel_kind"] == channel["name"]
	}
	if !found {
		t.Errorf("the contact's identities %v lack the channel %v of its conversation", c["identities"], channel)
	}
	fresh := e.expect(e.do("POST", "/v1/contacts", exec, map[string]any{"first_name": "Nora"}), 201, "create").data()["contact"].(row)
	if ids := e.expect(e.do("GET", "/v1/contacts/"+fresh["id"].(string), exec, nil), 200, "new contact").data()["contact"].(row)["identities"]; ids == nil || len(ids.([]any)) != 0 {
		t.Errorf("a new contact's identities = %v, want []", ids)
	}

	edit := map[string]any{"first_name": "Renamed", "last_name": "Person", "email": "renamed@example.com", "phone": "+4915100001111"}
	got := e.expect(e.do("PATCH", "/v1/contacts/"+contactID, exec, edit), 200, "edit").data()["contact"].(row)
	after := e.expect(e.do("GET", "/v1/contacts/"+contactID, exec, nil), 200, "after the edit").data()["contact"].(row)
	for k, v := range edit {
		if got[k] != v || after[k] != v {
			t.Errorf("%s: %v in the PATCH reply, %v read back; want %v", k, got[k], after[k], v)
		}
	}
	if len(after["identities"].([]any)) != len(c["identities"].([]any)) {
		t.Errorf("the edit changed the identities: %v, then %v", c["identities"], after["identities"])
	}
	listed := e.expect(e.do("GET", "/v1/conversations?contact_id="+contactID, exec, nil), 200, "list").data()["conversations"].([]any)[0].(row)
	if u := listed["end_user"].(row); u["first_name"] != "Renamed" || u["phone"] != "+4915100001111" {
		t.Errorf("the list shows the contact as %v after the edit", u)
	}
	e.expect(e.do("PATCH", "/v1/contacts/"+contactID, exec, map[string]any{"email": "not an address"}), 400, "bad email")

	events := e.events.ofType(inbox.EventContactUpdate)
	if len(events) != 1 {
		t.Fatalf("%d contact_update events, want 1 (the failed edit announces nothing)", len(events))
	}
	var data map[string]any
	if err := json.Unmarshal(events[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if events[0].Seq == 0 || data["id"] != contactID || data["updated_by"].(map[string]any)["id"] != userID(auth.RoleExecutive) {
		t.Errorf("contact_update seq %d, data %s", events[0].Seq, events[0].Data)
	}
	for _, personal := range []string{"first_name", "last_name", "email", "phone"} {
		if _, ok := data[personal]; ok {
			t.Errorf("contact_update carries %s: %s", personal, events[0].Data)
		}
	}
}

// TestUsersForMentions checks that every role, a viewer included, reads what the composer's
// @mention list shows of every user.
func TestUsersForMentions(t *testing.T) {
	e := newEnv(t)
	for _, r := range auth.Roles {
		users := e.expect(e.do("GET", "/v1/users", e.tokenOf[r], nil), 200, "users as "+string(r)).data()["users"].([]any)
		if len(users) != len(auth.Roles) {
			t.Errorf("%s reads %d users, want %d", r, len(users), len(auth.Roles))
		}
		for _, u := range users {
			for _, field := range []string{"id", "first_name", "last_name", "email", "role", "availability"} {
				if v, _ := u.(row)[field].(string); v == "" {
					t.Errorf("%s reads a user without %s: %v", r, field, u)
				}
			}
		}
	}
}
