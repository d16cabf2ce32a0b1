package httpapi_test

import (
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// TestSetPriority: an agent changes a conversation's priority; the answer, the conversation
// and its new_message frame (the system message) all carry it, and bad values are refused.
func TestSetPriority(t *testing.T) {
	e := newEnv(t)
	exec := e.tokenOf[auth.RoleExecutive]
	id := e.firstConversation("status=active")
	path := "/v1/conversations/" + id + "/priority"
	before := e.expect(e.do("GET", "/v1/conversations/"+id, exec, nil), 200, "detail").data()["conversation"].(map[string]any)["priority"]
	want := "urgent"
	if before == want {
		want = "low"
	}

	got := e.expect(e.do("PATCH", path, exec, map[string]any{"priority": want}), 200, "set priority").data()["conversation"].(map[string]any)
	if got["priority"] != want || got["previous_priority"] != before || got["updated_by"].(map[string]any)["first_name"] == "" {
		t.Errorf("answer: %v", got)
	}
	dc := e.expect(e.do("GET", "/v1/conversations/"+id+"?latest=true&limit=1", exec, nil), 200, "detail").data()["conversation"].(map[string]any)
	if dc["priority"] != want {
		t.Errorf("stored priority %v, want %s", dc["priority"], want)
	}
	msgs := dc["messages"].([]any)
	if m := msgs[len(msgs)-1].(map[string]any); m["sender_type"] != "system" || m["content"] != "Priority changed from "+before.(string)+" to "+want+" by Alex Johnson" {
		t.Errorf("system message: %v", m)
	}
	frames := e.events.ofType(inbox.EventNewMessage)
	if len(frames) == 0 || !strings.Contains(string(frames[len(frames)-1].Data), `"priority":"`+want+`"`) {
		t.Errorf("new_message frame: %v", frames)
	}

	// The same priority again changes nothing and writes no message.
	e.expect(e.do("PATCH", path, exec, map[string]any{"priority": want}), 200, "same priority")
	if n := len(e.events.ofType(inbox.EventNewMessage)); n != len(frames) {
		t.Errorf("an unchanged priority wrote %d messages", n-len(frames))
	}
	for _, body := range []any{map[string]any{"priority": "asap"}, map[string]any{}, map[string]any{"priority": "low", "x": 1}} {
		e.expect(e.do("PATCH", path, exec, body), 400, "bad priority")
	}
}
