package httpapi_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
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
