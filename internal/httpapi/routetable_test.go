package httpapi

import (
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// TestRoutesNameTheirPermissions: the exported route table carries each route's method,
// path and the permission its handler checks.
func TestRoutesNameTheirPermissions(t *testing.T) {
	want := map[Route]bool{
		{Method: "GET", Path: "/healthz"}:                                                            true,
		{Method: "GET", Path: "/v1/tags", Permission: auth.PermConversationsRead}:                    true,
		{Method: "POST", Path: "/v1/tags", Permission: auth.PermSettingsWrite}:                       true,
		{Method: "GET", Path: "/team-inbox/api/export-pdf/", Permission: auth.PermConversationsRead}: true,
		{Path: "/webhooks/"}: true,
	}
	for _, r := range Routes() {
		delete(want, r)
	}
	for r := range want {
		t.Errorf("Routes() lacks %+v", r)
	}
}
