package auth_test

import (
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// TestCan checks the permissions of each role against the spec: Super Admin and Admin have
// full access, Executive views and updates conversations (and contacts), Viewer only reads;
// an unknown role may do nothing.
func TestCan(t *testing.T) {
	all := []auth.Permission{auth.PermConversationsRead, auth.PermConversationsUpdate, auth.PermContactsWrite, auth.PermSettingsWrite}
	for _, c := range []struct {
		role auth.Role
		may  []bool // in the order of all
	}{
		{auth.RoleSuperAdmin, []bool{true, true, true, true}},
		{auth.RoleAdmin, []bool{true, true, true, true}},
		{auth.RoleExecutive, []bool{true, true, true, false}},
		{auth.RoleViewer, []bool{true, false, false, false}},
		{auth.Role("owner"), []bool{false, false, false, false}},
		{auth.Role(""), []bool{false, false, false, false}},
	} {
		for i, perm := range all {
			if got := auth.Can(c.role, perm); got != c.may[i] {
				t.Errorf("Can(%q, %s) = %v, want %v", c.role, perm, got, c.may[i])
			}
			if got := (auth.Principal{Role: c.role}).Can(perm); got != c.may[i] {
				t.Errorf("Principal{%q}.Can(%s) = %v, want %v", c.role, perm, got, c.may[i])
			}
		}
	}
}

// TestParseRole checks that exactly the four roles of the v1 document parse.
func TestParseRole(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"super_admin", true}, {"admin", true}, {"executive", true}, {"viewer", true},
		{"Admin", false}, {"superadmin", false}, {"", false}, {"owner", false},
	} {
		r, err := auth.ParseRole(c.in)
		if (err == nil) != c.ok || (c.ok && string(r) != c.in) {
			t.Errorf("ParseRole(%q) = %q, %v; want ok %v", c.in, r, err, c.ok)
		}
	}
}
