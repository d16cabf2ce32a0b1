package httpapi_test

import (
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/httpapi"
)

// bodySeeds are request bodies clients get wrong, and some they get right.
var bodySeeds = []string{
	``, `null`, `{}`, `[]`, `"text"`, `42`, `true`, `{`, `{}{}`, `{} x`, `{"a":1}`, ` {"content":"hi"} `,
	`{"content":"hi","content_type":"text"}`, `{"content":"` + strings.Repeat("x", 5000) + `"}`, `{"content":null}`,
	`{"content":"re","reply_to_id":"not-a-uuid"}`, `{"content":"hi","attachments":[{"url":"ftp://x"}]}`,
	`{"content":"hi","template":{"name":"t"}}`, `{"content":"@Ann","mentioned_users":["x",7]}`,
	`{"status":"closed"}`, `{"status":"active"}`, `{"status":1e309}`, `{"assigned_user_id":null}`,
	`{"assigned_user_id":{"id":1}}`, `{"assigned_team_id":"00000000-0000-0000-0000-000000000000"}`,
	`{"tag_id":"x"}`, `{"first_name":"A","phone":"+15551234567"}`, `{"first_name":"\ud800"}`, "{\"first_name\":\"\xff\"}",
	`{"name":"fuzz","color":"#112233"}`, `{"name":"","color":"red"}`, `{"kind":"web","name":"n","config":{"a":"b"}}`,
	`{"kind":"nope","config":[]}`, `{"contact_id":"x","channel_id":"y"}`, `{"email":"a@b.c","password":"p"}`,
	`{"email":["a"],"password":{}}`, strings.Repeat(`[`, 10000), `{"a":` + strings.Repeat(`{"a":`, 5000) + `1`,
	"{\"content\":\"hi\"}\x00",
}

// FuzzRequestBodies sends arbitrary bodies to every route that reads a JSON body: none may
// fail with a 5xx or answer outside the error envelope, and a body that is not one JSON
// object is a 400. `go test` runs the seeds only; `go test -fuzz FuzzRequestBodies` explores.
func FuzzRequestBodies(f *testing.F) {
	e := newEnv(f)
	admin := e.tokenOf[auth.RoleAdmin]
	conv := e.firstConversation("status=active&channel=web")
	contact := e.expect(e.do("GET", "/v1/contacts?limit=1", admin, nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)["id"].(string)
	tag := e.expect(e.do("GET", "/v1/tags", admin, nil), 200, "tags").data()["tags"].([]any)[0].(map[string]any)["id"].(string)
	channel := e.channelOf("web")
	routes := []struct{ method, path string }{
		{"POST", "/v1/auth/login"},
		{"POST", "/v1/conversations"},
		{"PATCH", "/v1/conversations/" + conv + "/status"},
		{"PATCH", "/v1/conversations/" + conv + "/assign"},
		{"POST", "/v1/conversations/" + conv + "/messages"},
		{"POST", "/v1/conversations/" + conv + "/notes"},
		{"POST", "/v1/conversations/" + conv + "/tags"},
		{"POST", "/v1/contacts"},
		{"PATCH", "/v1/contacts/" + contact},
		{"POST", "/v1/tags"},
		{"PATCH", "/v1/tags/" + tag},
		{"POST", "/v1/channels"},
		{"PATCH", "/v1/channels/" + channel},
		{"POST", "/v1/auth/login/2fa"},
		{"POST", "/v1/auth/2fa/enable"},
		{"POST", "/v1/auth/2fa/disable"},
		{"POST", "/v1/api-keys"},
	}
	for i, body := range bodySeeds {
		f.Add(uint8(i), []byte(body))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		e := e.on(t)
		r := routes[int(route)%len(routes)]
		res := e.do(r.method, r.path, admin, string(body))
		if res.Status >= 500 || res.Status < 200 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, res.Status, res.Raw)
		}
		if res.Status >= 400 {
			e.expect(res, res.Status, r.method+" "+r.path)
		}
		if !httpapi.OneObject(body) && res.Status != 400 && res.Status != 429 { // login's limits come before the body
			t.Errorf("%s %s %q is not one JSON object: %d, want 400", r.method, r.path, body, res.Status)
		}
	})
}
