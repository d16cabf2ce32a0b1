package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// channelOf returns the id of the demo channel of a kind.
func (e *env) channelOf(kind inbox.ChannelKind) string {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/channels", e.tokenOf[auth.RoleAdmin], nil), 200, "list channels")
	for _, c := range r.data()["channels"].([]any) {
		m := c.(map[string]any)
		if m["kind"] == string(kind) {
			return m["id"].(string)
		}
	}
	e.t.Fatalf("the demo has no %s channel: %s", kind, r.Raw)
	return ""
}

// TestConversationLifecycle walks a conversation through the v1 API: start, reply, note with
// a mention, tags, close (system message, 409 on reply), reopen, assign, read, statistics.
func TestConversationLifecycle(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			lifecycle(t, e)
		})
	}
}

func lifecycle(t *testing.T, e *env) {
	exec := e.tokenOf[auth.RoleExecutive]
	contact := e.expect(e.do("POST", "/v1/contacts", exec, map[string]any{"first_name": "Lena", "last_name": "Test", "phone": "+4915199998888", "email": "lena@example.com"}), 201, "create contact")
	contactID := contact.data()["contact"].(map[string]any)["id"].(string)
	web := e.channelOf(inbox.ChannelWeb)

	started := e.expect(e.do("POST", "/v1/conversations", exec, map[string]any{"contact_id": contactID, "channel_id": web, "priority": "high"}), 201, "start conversation")
	conv := started.data()["conversation"].(map[string]any)
	id := conv["id"].(string)
	if conv["status"] != "active" || conv["priority"] != "high" {
		t.Errorf("started conversation: %v", conv)
	}
	again := e.expect(e.do("POST", "/v1/conversations", exec, map[string]any{"contact_id": contactID, "channel_id": web}), 200, "start again returns the open one")
	if again.data()["conversation"].(map[string]any)["id"] != id {
		t.Errorf("a second start opened another conversation")
	}

	msg := e.expect(e.do("POST", "/v1/conversations/"+id+"/messages", exec, map[string]any{"content": "Hello Lena", "content_type": "text"}), 201, "send")
	m := msg.data()["message"].(map[string]any)
	if m["sender_type"] != "business_user" || m["content"] != "Hello Lena" || m["is_internal"] != false {
		t.Errorf("sent message: %v", m)
	}
	note := e.expect(e.do("POST", "/v1/conversations/"+id+"/notes", exec, map[string]any{
		"content": "@Jane please check", "mentioned_users": []string{seed.DemoUserID(auth.RoleAdmin).String()}}), 201, "note")
	nm := note.data()["message"].(map[string]any)
	mentions, _ := nm["mentioned_users"].([]any)
	if nm["is_internal"] != true || len(mentions) != 1 || mentions[0].(map[string]any)["first_name"] != "Jane" {
		t.Errorf("note: %v", nm)
	}
	e.expect(e.do("POST", "/v1/conversations/"+id+"/notes", exec, map[string]any{"content": "x", "mentioned_users": []string{e.b.admin.String()}}), 404, "mention another tenant's user")

	tags := e.expect(e.do("GET", "/v1/tags", exec, nil), 200, "tags").data()["tags"].([]any)
	tagID := tags[0].(map[string]any)["id"].(string)
	tagName := tags[0].(map[string]any)["name"].(string)
	tagged := e.expect(e.do("POST", "/v1/conversations/"+id+"/tags", exec, map[string]any{"tag_id": tagID}), 200, "add tag")
	if !strings.Contains(string(tagged.Raw), tagName) {
		t.Errorf("tag %q not in the answer: %s", tagName, tagged.Raw)
	}
	e.expect(e.do("DELETE", "/v1/conversations/"+id+"/tags/"+tagID, exec, nil), 200, "remove tag")
	e.expect(e.do("DELETE", "/v1/conversations/"+id+"/tags/"+tagID, exec, nil), 404, "remove a tag that is not there")

	closed := e.expect(e.do("PATCH", "/v1/conversations/"+id+"/status", exec, map[string]any{"status": "closed", "note": "solved"}), 200, "close")
	if c := closed.data()["conversation"].(map[string]any); c["status"] != "closed" || c["previous_status"] != "active" {
		t.Errorf("closed: %v", c)
	}
	refused := e.expect(e.do("POST", "/v1/conversations/"+id+"/messages", exec, map[string]any{"content": "one more"}), 409, "reply to closed")
	if refused.errReason() != inbox.ReasonConversationClosed {
		t.Errorf("409 reason %q, want %q: %s", refused.errReason(), inbox.ReasonConversationClosed, refused.Raw)
	}
	// A note is still allowed on a closed conversation? The closed conversation refuses replies
	// to the customer; notes are internal.
	e.expect(e.do("PATCH", "/v1/conversations/"+id+"/status", exec, map[string]any{"status": "active"}), 200, "reopen")
	e.expect(e.do("POST", "/v1/conversations/"+id+"/messages", exec, map[string]any{"content": "back again"}), 201, "reply after reopen")

	admin := seed.DemoUserID(auth.RoleAdmin).String()
	assigned := e.expect(e.do("PATCH", "/v1/conversations/"+id+"/assign", exec, map[string]any{"assigned_user_id": admin}), 200, "assign")
	if u, _ := assigned.data()["conversation"].(map[string]any)["assigned_user"].(map[string]any); u == nil || u["id"] != admin {
		t.Errorf("assigned: %s", assigned.Raw)
	}
	e.expect(e.do("PATCH", "/v1/conversations/"+id+"/assign", exec, map[string]any{"assigned_user_id": e.b.admin.String()}), 404, "assign to another tenant's user")

	detail := e.expect(e.do("GET", "/v1/conversations/"+id+"?limit=50", exec, nil), 200, "detail")
	dc := detail.data()["conversation"].(map[string]any)
	var system []string
	for _, raw := range dc["messages"].([]any) {
		m := raw.(map[string]any)
		if m["sender_type"] == "system" {
			system = append(system, m["content"].(string))
		}
	}
	if len(system) != 3 { // closed, reopened, assigned
		t.Errorf("system messages = %q, want one per status change and assignment", system)
	}
	latest := e.expect(e.do("GET", "/v1/conversations/"+id+"?latest=true&limit=2", exec, nil), 200, "latest page")
	lp := latest.data()["conversation"].(map[string]any)
	if msgs := lp["messages"].([]any); len(msgs) != 2 || lp["pagination"].(map[string]any)["oldest_id"] == nil {
		t.Errorf("latest page: %s", latest.Raw)
	}
	older := lp["pagination"].(map[string]any)["oldest_id"].(string)
	prev := e.expect(e.do("GET", "/v1/conversations/"+id+"?before="+older+"&limit=100", exec, nil), 200, "before cursor")
	if n := len(prev.data()["conversation"].(map[string]any)["messages"].([]any)); n != len(dc["messages"].([]any))-2 {
		t.Errorf("before cursor returned %d messages", n)
	}

	for _, typ := range []inbox.EventType{inbox.EventNewMessage, inbox.EventTicketUpdate, inbox.EventAssignmentUpdate, inbox.EventTagUpdate} {
		evs := e.events.ofType(typ)
		if len(evs) == 0 {
			t.Errorf("no %s event published", typ)
		}
		for _, ev := range evs {
			if ev.TenantID != seed.DemoTenantID || ev.Seq == 0 {
				t.Errorf("%s event with tenant %v seq %d", typ, ev.TenantID, ev.Seq)
			}
		}
	}

	stats := e.expect(e.do("GET", "/v1/conversations/statistics", exec, nil), 200, "statistics")
	if !strings.Contains(string(stats.Raw), `"conversation_by_channel":{`) {
		t.Errorf("statistics: %s", stats.Raw)
	}
	list := e.expect(e.do("GET", "/v1/conversations?search=Lena%20Test&limit=5", exec, nil), 200, "search by name")
	if n := list.Body["data"].(map[string]any)["pagination"].(map[string]any)["total"]; n != float64(1) {
		t.Errorf("search Lena total = %v: %s", n, list.Raw)
	}
}

// TestReadAndFilters checks list filters and mark-read against the demo data.
func TestReadAndFilters(t *testing.T) {
	e := newEnv(t)
	admin := e.tokenOf[auth.RoleAdmin]
	for _, q := range []string{"status=active", "status=closed", "status=pending", "channel=whatsapp", "timeframe=30d", "sort_by=priority&sort_direction=asc",
		"sort_by=unread_count", "assigned_to=" + seed.DemoUserID(auth.RoleExecutive).String(), "page=2&limit=5"} {
		r := e.expect(e.do("GET", "/v1/conversations?"+q, admin, nil), 200, q)
		p := r.Body["data"].(map[string]any)["pagination"].(map[string]any)
		if p["total"] == nil || p["pages"] == nil {
			t.Errorf("%s: pagination %v", q, p)
		}
	}
	r := e.expect(e.do("GET", "/v1/conversations?status=closed&limit=100", admin, nil), 200, "closed")
	for _, c := range r.data()["conversations"].([]any) {
		if c.(map[string]any)["status"] != "closed" {
			t.Errorf("status filter let through %v", c)
		}
	}
	id := e.firstConversation("sort_by=unread_count")
	read := e.expect(e.do("POST", "/v1/conversations/"+id+"/read", admin, nil), 200, "mark read")
	if read.data()["marked_read"].(float64) < 1 {
		t.Errorf("mark read changed nothing: %s", read.Raw)
	}
	after := e.expect(e.do("GET", "/v1/conversations/"+id, admin, nil), 200, "detail")
	if n := after.data()["conversation"].(map[string]any)["unread_count"]; n != float64(0) {
		t.Errorf("unread after read = %v", n)
	}
}

// TestBadInput sends what clients get wrong and expects the error envelope, with the
// status's one code, each time.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(o *options) { o.maxBody = 4096 })
	tok := e.tokenOf[auth.RoleAdmin]
	id := e.firstConversation("status=active")
	cases := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/v1/conversations?status=open", nil, 400},
		{"GET", "/v1/conversations?limit=0", nil, 400},
		{"GET", "/v1/conversations?limit=abc", nil, 400},
		{"GET", "/v1/conversations?assigned_to=not-a-uuid", nil, 400},
		{"GET", "/v1/conversations?timeframe=1y", nil, 400},
		{"GET", "/v1/conversations/not-a-uuid", nil, 400},
		{"GET", "/v1/conversations/" + "0190f3c4-0000-7000-8000-000000000000", nil, 404},
		{"PATCH", "/v1/conversations/" + id + "/status", `{"status":`, 400},
		{"PATCH", "/v1/conversations/" + id + "/status", `{"status":"closed","extra":1}`, 400},
		{"PATCH", "/v1/conversations/" + id + "/status", `{"status":42}`, 400},
		{"PATCH", "/v1/conversations/" + id + "/status", `{"status":"archived"}`, 400},
		{"PATCH", "/v1/conversations/" + id + "/status", `[]`, 400},
		{"PATCH", "/v1/conversations/" + id + "/assign", `{"assigned_user_id":"nope"}`, 400},
		{"POST", "/v1/conversations/" + id + "/messages", `{"content":""}`, 400},
		{"POST", "/v1/conversations/" + id + "/messages", `{"content":"` + strings.Repeat("x", 5000) + `"}`, 413},
		{"POST", "/v1/conversations/" + id + "/tags", `{"tag_id":"` + e.b.tag.String() + `"}`, 404},
		{"POST", "/v1/contacts", `{"first_name":"A","phone":"12345"}`, 400},
		{"POST", "/v1/contacts", `{"first_name":"A","email":"not-an-email"}`, 400},
		{"GET", "/v1/nothing-here", nil, 404},
		{"PUT", "/v1/conversations", nil, 405},
	}
	for _, tc := range cases {
		e.expect(e.do(tc.method, tc.path, tok, tc.body), tc.status, fmt.Sprintf("%s %s %v", tc.method, tc.path, tc.body))
	}
	// Nothing of the rejected requests was written.
	d := e.expect(e.do("GET", "/v1/conversations/"+id, tok, nil), 200, "detail")
	if s := d.data()["conversation"].(map[string]any)["status"]; s != "active" {
		t.Errorf("a rejected request changed the status to %v", s)
	}
	_ = http.StatusOK
}
