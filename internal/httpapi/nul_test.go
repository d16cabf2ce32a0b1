package httpapi_test

import (
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// NUL characters (U+0000, \u0000 in JSON) in what an agent writes are dropped: PostgreSQL's
// text refuses them, and a reply, a note, a contact or a tag holding one answered 500, as
// did a search (on SQLite too).
func TestNULCharactersAreDropped(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			admin := e.tokenOf[auth.RoleAdmin]
			field := func(r reply, object, key string) any {
				return r.data()[object].(map[string]any)[key]
			}
			stored := func(r reply) any {
				t.Helper()
				id := field(r, "message", "id").(string)
				content := field(e.expect(e.do("GET", "/team-inbox/api/messages/"+id+"/", admin, nil), 200, "read message"), "message", "content")
				return content.(map[string]any)["text"]
			}

			conv := e.firstConversation("channel=web")
			reply := e.expect(e.do("POST", "/v1/conversations/"+conv+"/messages", admin, `{"content":"Hello\u0000 there"}`), 201, "reply")
			if text := stored(reply); text != "Hello there" {
				t.Errorf("reply stored as %q", text)
			}
			note := e.expect(e.do("POST", "/v1/conversations/"+conv+"/notes", admin, `{"content":"Call\u0000 back"}`), 201, "note")
			if text := stored(note); text != "Call back" {
				t.Errorf("note stored as %q", text)
			}
			status := e.expect(e.do("PATCH", "/v1/conversations/"+conv+"/status", admin, `{"status":"pending","note":"wait\u0000ing"}`), 200, "set status")
			if note := field(status, "conversation", "note"); note != "waiting" {
				t.Errorf("status note %q", note)
			}

			contact := e.expect(e.do("POST", "/v1/contacts", admin, `{"first_name":"Quin\u0000tessa","last_name":"Klein\u0000"}`), 201, "create contact")
			contactID := field(contact, "contact", "id").(string)
			e.expect(e.do("PATCH", "/v1/contacts/"+contactID, admin, `{"last_name":"K\u0000lein"}`), 200, "update contact")
			contact = e.expect(e.do("GET", "/v1/contacts/"+contactID, admin, nil), 200, "read contact")
			if first, last := field(contact, "contact", "first_name"), field(contact, "contact", "last_name"); first != "Quintessa" || last != "Klein" {
				t.Errorf("contact stored as %q %q", first, last)
			}
			e.expect(e.do("POST", "/v1/conversations", admin, map[string]any{"contact_id": contactID, "channel_id": e.channelOf(inbox.ChannelWeb)}), 201, "start conversation")
			found := e.expect(e.do("GET", "/v1/conversations?search=Quin%00tessa", admin, nil), 200, "search")
			if list := found.data()["conversations"].([]any); len(list) != 1 {
				t.Errorf("a search for the name with a NUL found %d conversations, want 1", len(list))
			}

			tag := e.expect(e.do("POST", "/v1/tags", admin, `{"name":"call\u0000 back"}`), 201, "create tag")
			if name := field(tag, "tag", "name"); name != "call back" {
				t.Errorf("tag stored as %q", name)
			}
		})
	}
}
