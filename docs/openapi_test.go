package docs

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/teaminbox/teaminbox/internal/httpapi"
)

// TestEveryRouteIsDocumented checks each method and path of the server's route table has an
// operation in openapi.yaml, and each documented path is served.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI 3.0: %v", err)
	}
	undocumented := map[string]bool{"/metrics": true, "/ws/team-inbox/{tenantId}/{$}": true, "/ws/team-inbox/{tenantId}": true,
		"/v1/media/": true, "/{$}": true, "/inbox": true, "/inbox/": true, "/reports": true, "/settings/": true, "/app/": true, "/webhooks/": true}
	routes := httpapi.Routes()
	served := map[string]bool{}
	for _, r := range routes {
		served[r.Path] = true
		if undocumented[r.Path] {
			continue
		}
		// The team-inbox surface answers with and without the trailing slash; it is
		// documented with it.
		item := doc.Paths.Find(r.Path)
		if item == nil {
			item = doc.Paths.Find(r.Path + "/")
		}
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is served but not in openapi.yaml", r.Method, r.Path)
		}
	}
	if len(routes) < 30 {
		t.Fatalf("the route table has only %d routes", len(routes))
	}
	for path := range doc.Paths.Map() {
		if !served[path] && !served[strings.TrimSuffix(path, "/")] {
			t.Errorf("openapi.yaml documents %s, which the server does not serve", path)
		}
	}
}
