package docs

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestEveryRouteIsDocumented reads the route table's source and checks each method and
// path has an operation in openapi.yaml.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI 3.0: %v", err)
	}
	src, err := os.ReadFile("../internal/httpapi/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	// mux.Handle("GET /v1/conversations/{conversationId}", ...) and the team-inbox loop's
	// mux.Handle("GET /team-inbox/api/messages"+suffix, ...), documented with the slash.
	re := regexp.MustCompile(`mux\.Handle\("([A-Z]+) ([^"]+)"(\+suffix)?`)
	undocumented := map[string]bool{"/metrics": true, "/ws/team-inbox/{tenant_id}/{$}": true, "/ws/team-inbox/{tenant_id}": true,
		"/v1/media/": true, "/{$}": true, "/app/": true}
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		method, path := m[1], m[2]
		if undocumented[path] {
			continue
		}
		if m[3] != "" {
			path += "/"
		}
		found++
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s is served but not in openapi.yaml", method, path)
		}
	}
	if found < 30 {
		t.Fatalf("found only %d routes in routes.go: has its form changed?", found)
	}
	for path := range doc.Paths.Map() {
		if !strings.Contains(string(src), strings.TrimSuffix(path, "/")) && !strings.HasPrefix(path, "/team-inbox") {
			t.Errorf("openapi.yaml documents %s, which routes.go does not serve", path)
		}
	}
}
