// Package auth issues and verifies JWTs, hashes passwords and holds the one permission table
// that decides which role may do what, for REST and WebSocket alike.
package auth

import (
	"fmt"

	"github.com/google/uuid"
)

// Role is a business user's role, exactly as the v1 document names them.
type Role string

const (
	RoleSuperAdmin Role = "super_admin"
	RoleAdmin      Role = "admin"
	RoleExecutive  Role = "executive"
	RoleViewer     Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleSuperAdmin, RoleAdmin, RoleExecutive, RoleViewer}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q", s)
}

// Permission names one thing a user may do.
type Permission string

const (
	// PermConversationsRead covers every read of conversations, messages, contacts, tags,
	// users, teams, channels and statistics.
	PermConversationsRead Permission = "conversations:read"
	// PermConversationsUpdate covers status, assignment, tags on a conversation, replies,
	// notes, marking read, typing, and starting a conversation with a contact.
	PermConversationsUpdate Permission = "conversations:update"
	// PermContactsWrite covers creating and editing contacts.
	PermContactsWrite Permission = "contacts:write"
	// PermSettingsWrite covers tag definitions, channel accounts, users and teams.
	PermSettingsWrite Permission = "settings:write"
	// PermBusinessAdmin covers the business as a whole: exporting all of its data and
	// deleting it.
	PermBusinessAdmin Permission = "business:admin"
)

// permissions is the one permission table: super_admin may do everything, admin all but
// export and delete the business, executive views and updates conversations, viewer reads
// only.
var permissions = map[Role]map[Permission]bool{
	RoleSuperAdmin: {PermConversationsRead: true, PermConversationsUpdate: true, PermContactsWrite: true, PermSettingsWrite: true,
		PermBusinessAdmin: true},
	RoleAdmin:     {PermConversationsRead: true, PermConversationsUpdate: true, PermContactsWrite: true, PermSettingsWrite: true},
	RoleExecutive: {PermConversationsRead: true, PermConversationsUpdate: true, PermContactsWrite: true},
	RoleViewer:    {PermConversationsRead: true},
}

// Can reports whether role r holds permission p.
func Can(r Role, p Permission) bool { return permissions[r][p] }

// Principal is the authenticated caller: which tenant, which user, which role.
type Principal struct {
	TenantID uuid.UUID
	UserID   uuid.UUID
	Role     Role
	// TokenVersion is the user's token version the token was issued under (the "ver" claim).
	TokenVersion int64
}

// Can reports whether the principal holds permission p.
func (p Principal) Can(perm Permission) bool { return Can(p.Role, perm) }
