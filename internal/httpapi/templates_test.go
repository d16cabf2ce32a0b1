package httpapi_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/templates"
)

// templateSource stands for a business account's template list (the WhatsApp provider's is
// tested against a fake of Meta's API in internal/channels).
type templateSource struct {
	mu   sync.Mutex
	list []templates.Template
	err  error
}

func (f *templateSource) FetchTemplates(context.Context, inbox.Channel) ([]templates.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list, f.err
}

func (f *templateSource) set(list []templates.Template, err error) {
	f.mu.Lock()
	f.list, f.err = list, err
	f.mu.Unlock()
}

// TestTemplateRoutesContract: sync and list answer as docs/openapi.yaml says, a provider
// that does not answer is a 502 that keeps the stored set, another business's channel is a
// 404, a viewer may list but not sync.
func TestTemplateRoutesContract(t *testing.T) {
	e := newEnv(t)
	admin := e.tokenOf[auth.RoleAdmin]
	var wa string
	for _, c := range e.expect(e.do("GET", "/v1/channels", admin, nil), 200, "channels").data()["channels"].([]any) {
		if c := c.(map[string]any); c["kind"] == "whatsapp" {
			wa = c["id"].(string)
		}
	}
	e.templates.set([]templates.Template{
		{Name: "order_update", Language: "en_US", Category: "UTILITY", Status: "APPROVED", Components: json.RawMessage(
			`[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Hi {{1}}"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"Go","url":"https://x.example/{{1}}"}]}]`)},
		{Name: "old", Language: "en", Category: "MARKETING", Status: "REJECTED", Components: json.RawMessage(`[]`)},
	}, nil)
	synced := e.expect(e.do("POST", "/v1/channels/"+wa+"/templates/sync", admin, nil), 200, "sync").data()["templates"].([]any)
	if len(synced) != 1 || synced[0].(map[string]any)["name"] != "order_update" {
		t.Fatalf("synced %v", synced)
	}
	e.templates.set(nil, inbox.ProviderFailed("WhatsApp could not be reached or failed: network"))
	e.expect(e.do("POST", "/v1/channels/"+wa+"/templates/sync", admin, nil), 502, "sync, provider down")
	listed := e.expect(e.do("GET", "/v1/channels/"+wa+"/templates", e.tokenOf[auth.RoleViewer], nil), 200, "list").data()["templates"].([]any)
	if len(listed) != 1 {
		t.Errorf("after a failed sync: %v", listed)
	}
	e.expect(e.do("POST", "/v1/channels/"+wa+"/templates/sync", e.tokenOf[auth.RoleViewer], nil), 403, "a viewer syncs")
	for _, path := range []string{"/templates", "/templates/sync"} {
		method := map[string]string{"/templates": "GET", "/templates/sync": "POST"}[path]
		e.expect(e.do(method, "/v1/channels/"+e.b.channel.String()+path, admin, nil), 404, "another business's channel")
	}
}
