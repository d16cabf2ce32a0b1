package httpapi_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestDemoDetailsMatchTheDocument reads every demo conversation's detail, as the v1
// document's example shows it: the broadcast key is always there (null when no broadcast
// started the conversation), and every internal note names the business user who wrote it.
func TestDemoDetailsMatchTheDocument(t *testing.T) {
	e := newEnv(t)
	admin := e.tokenOf[auth.RoleAdmin]
	demoUsers := map[string]bool{}
	for _, r := range auth.Roles {
		demoUsers[seed.DemoUserID(r).String()] = true
	}
	list := e.expect(e.do("GET", "/v1/conversations?limit=100", admin, nil), 200, "list")
	var withBroadcast, withoutBroadcast, notes int
	for _, c := range list.data()["conversations"].([]any) {
		id := c.(map[string]any)["id"].(string)
		conv := e.expect(e.do("GET", "/v1/conversations/"+id+"?limit=200", admin, nil), 200, "detail").data()["conversation"].(map[string]any)
		b, ok := conv["broadcast"]
		switch {
		case !ok:
			t.Errorf("conversation %s: no broadcast key", id)
		case b == nil:
			withoutBroadcast++
		default:
			withBroadcast++
			if b.(map[string]any)["campaign_name"] == "" {
				t.Errorf("conversation %s: broadcast without its campaign: %v", id, b)
			}
		}
		for _, m := range conv["messages"].([]any) {
			msg := m.(map[string]any)
			if msg["is_internal"] != true {
				continue
			}
			notes++
			if sender, _ := msg["sender_id"].(string); !demoUsers[sender] || msg["sender_type"] != "business_user" {
				t.Errorf("conversation %s: note %s has sender %v (%v), not a demo user", id, msg["id"], msg["sender_id"], msg["sender_type"])
			}
		}
	}
	if withBroadcast == 0 || withoutBroadcast == 0 || notes == 0 {
		t.Fatalf("the demo lacks a case: %d with a broadcast, %d without, %d notes", withBroadcast, withoutBroadcast, notes)
	}
}

// TestNoteNeedsAnExistingAuthor: a valid token whose user does not exist (deleted, or made
// for another id) is refused (401) and cannot write a note without an author; nothing is stored.
func TestNoteNeedsAnExistingAuthor(t *testing.T) {
	e := newEnv(t)
	id := e.firstConversation("status=active")
	for name, user := range map[string]uuid.UUID{"unknown user": uuid.New(), "nil user": uuid.Nil} {
		ghost := e.issue(auth.Principal{TenantID: seed.DemoTenantID, UserID: user, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
		for path, body := range map[string]any{
			"/v1/conversations/" + id + "/notes":    map[string]any{"content": "who wrote this?"},
			"/v1/conversations/" + id + "/messages": map[string]any{"content": "who wrote this?", "is_internal": true},
		} {
			e.expect(e.do("POST", path, ghost, body), 401, name+" "+path) // the token's user is checked first
		}
	}
	d := e.expect(e.do("GET", "/v1/conversations/"+id+"?limit=200", e.tokenOf[auth.RoleAdmin], nil), 200, "detail")
	for _, m := range d.data()["conversation"].(map[string]any)["messages"].([]any) {
		if m.(map[string]any)["content"] == "who wrote this?" {
			t.Errorf("a note without an author was stored: %v", m)
		}
	}
}
