package people

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// UserChange is an edit of a user; nil leaves a field as it is.
type UserChange struct {
	Role                *string
	FirstName, LastName *string
}

// UpdateUser changes a user's role or names; a new role revokes the user's tokens, which
// carry the old one. Nobody raises their own role, an admin neither
// grants super_admin nor changes a super admin, and the last active super admin keeps the
// role (409 LAST_SUPER_ADMIN).
func (s *Service) UpdateUser(ctx context.Context, p auth.Principal, id uuid.UUID, c UserChange) (inbox.User, error) {
	if err := requireAdmin(p, "manage users"); err != nil {
		return inbox.User{}, err
	}
	if c.Role == nil && c.FirstName == nil && c.LastName == nil {
		return inbox.User{}, inbox.Invalid(map[string]string{"body": "Give at least one of role, first_name, last_name"})
	}
	u, err := s.getUser(ctx, p.TenantID, id)
	if err != nil {
		return inbox.User{}, err
	}
	bad := inbox.Fields{}
	setName := func(dst *string, src *string, field string, required bool) {
		if src == nil {
			return
		}
		v := strings.TrimSpace(*src)
		if (required && v == "") || len(v) > 100 {
			bad.Add(field, "Must be 1 to 100 characters")
			return
		}
		*dst = v
	}
	setName(&u.FirstName, c.FirstName, "first_name", true)
	setName(&u.LastName, c.LastName, "last_name", false)
	if err := bad.Err(); err != nil {
		return inbox.User{}, err
	}
	stored := u
	if c.Role != nil {
		if u.Role, err = parseRole("role", *c.Role); err != nil {
			return inbox.User{}, err
		}
	}
	if err := s.mayManage(p, stored.Role); err != nil {
		return inbox.User{}, err
	}
	if u.Role != stored.Role {
		if err := s.checkRoleChange(ctx, p, stored, u.Role); err != nil {
			return inbox.User{}, err
		}
	}
	if err := s.o.Store.UpdateUser(ctx, u); errors.Is(err, inbox.ErrLastSuperAdmin) {
		return inbox.User{}, inbox.LastSuperAdmin("demote")
	} else if err != nil {
		return inbox.User{}, fmt.Errorf("update user: %w", err)
	}
	if u.Role != stored.Role { // tokens carry the role: the user logs in again under the new one
		if err := s.o.Store.BumpTokenVersion(ctx, u.TenantID, u.ID); err != nil {
			return inbox.User{}, fmt.Errorf("update user: %w", err)
		}
	}
	s.o.Inbox.ForgetUser(u.ID)
	action := "user.updated"
	if u.Role != stored.Role {
		action = "user.role_changed"
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: action, ObjectType: "user", ObjectID: u.ID.String(), Before: stored, After: u})
	return u, nil
}

// mayManage refuses an admin's change to a super admin.
func (s *Service) mayManage(p auth.Principal, target auth.Role) error {
	if target == auth.RoleSuperAdmin && p.Role != auth.RoleSuperAdmin {
		return inbox.Forbidden("Only a super admin can change a super admin")
	}
	return nil
}

// checkRoleChange applies the rules of changing stored's role to role.
func (s *Service) checkRoleChange(ctx context.Context, p auth.Principal, stored inbox.User, role auth.Role) error {
	switch {
	case stored.ID == p.UserID && rank(role) < rank(stored.Role):
		return inbox.Forbidden("You cannot raise your own role")
	case rank(role) < rank(p.Role):
		return inbox.Forbidden(fmt.Sprintf("You cannot grant %s, a role above your own (%s)", role, p.Role))
	}
	return nil
}

// SetActiveInput is a deactivation or reactivation; ReassignTo, when Set on a deactivation,
// moves the user's open conversations to another user (ID) or unassigns them (nil).
type SetActiveInput struct {
	Active     bool
	ReassignTo inbox.OptionalID
}

// Activation is the outcome of SetActive.
type Activation struct {
	User       inbox.User `json:"user"`
	Reassigned int        `json:"reassigned"` // conversations moved to reassign_to
}

// SetActive deactivates a user (their tokens stop working and their sockets close at once)
// or reactivates one. Nobody deactivates themselves nor the last active super admin.
func (s *Service) SetActive(ctx context.Context, p auth.Principal, id uuid.UUID, in SetActiveInput) (Activation, error) {
	if err := requireAdmin(p, "manage users"); err != nil {
		return Activation{}, err
	}
	u, err := s.getUser(ctx, p.TenantID, id)
	if err != nil {
		return Activation{}, err
	}
	if err := s.mayManage(p, u.Role); err != nil {
		return Activation{}, err
	}
	if !in.Active {
		if u.ID == p.UserID {
			return Activation{}, inbox.Forbidden("You cannot deactivate yourself")
		}
		if err := s.checkReassignTarget(ctx, p, id, in.ReassignTo); err != nil {
			return Activation{}, err
		}
	} else if in.ReassignTo.Set {
		return Activation{}, inbox.Invalid(map[string]string{"reassign_to": "Only a deactivation reassigns conversations"})
	}
	out := Activation{}
	if out.User, err = s.o.Inbox.SetUserActive(ctx, p, id, in.Active); err != nil {
		return Activation{}, err
	}
	action := "user.deactivated"
	if in.Active {
		action = "user.reactivated"
	}
	s.audit(ctx, p.TenantID, &p, audit.Change{Action: action, ObjectType: "user", ObjectID: id.String(), Before: u, After: out.User})
	if in.ReassignTo.Set {
		out.Reassigned, err = s.reassign(ctx, p, id, in.ReassignTo.ID)
	}
	return out, err
}

// Reassign moves every open (active or pending) conversation of user from to another user,
// or unassigns them when to is nil; it returns how many moved.
func (s *Service) Reassign(ctx context.Context, p auth.Principal, from uuid.UUID, to inbox.OptionalID) (int, error) {
	if err := requireAdmin(p, "reassign conversations"); err != nil {
		return 0, err
	}
	if _, err := s.getUser(ctx, p.TenantID, from); err != nil {
		return 0, err
	}
	if !to.Set {
		return 0, inbox.Invalid(map[string]string{"to_user_id": "Give a user id, or null to unassign"})
	}
	if err := s.checkReassignTarget(ctx, p, from, to); err != nil {
		return 0, err
	}
	n, err := s.reassign(ctx, p, from, to.ID)
	if n > 0 {
		s.audit(ctx, p.TenantID, &p, audit.Change{Action: "user.conversations_reassigned", ObjectType: "user", ObjectID: from.String(),
			After: map[string]any{"to_user_id": to.ID, "conversations": n}})
	}
	return n, err
}

func (s *Service) checkReassignTarget(ctx context.Context, p auth.Principal, from uuid.UUID, to inbox.OptionalID) error {
	if !to.Set || to.ID == nil {
		return nil
	}
	if *to.ID == from {
		return inbox.Invalid(map[string]string{"reassign_to": "Must be another user"})
	}
	target, err := s.getUser(ctx, p.TenantID, *to.ID)
	if err != nil {
		return err
	}
	if target.DeactivatedAt != nil {
		return inbox.Invalid(map[string]string{"reassign_to": "That user is deactivated"})
	}
	return nil
}

// reassign assigns each open conversation of from through inbox.Service.Assign, so each
// gets its system message and assignment_update event.
func (s *Service) reassign(ctx context.Context, p auth.Principal, from uuid.UUID, to *uuid.UUID) (int, error) {
	n := 0
	for _, status := range []inbox.Status{inbox.StatusActive, inbox.StatusPending} {
		for {
			// Each pass moves the page out of the filter, so page 1 is always the next.
			list, _, err := s.o.Inbox.ListConversations(ctx, p, inbox.ConversationFilter{Status: status, AssignedTo: &from, Page: 1, Limit: 100})
			if err != nil {
				return n, fmt.Errorf("reassign: %w", err)
			}
			if len(list) == 0 {
				break
			}
			for _, c := range list {
				if _, err := s.o.Inbox.Assign(ctx, p, c.ID, inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: to}}); err != nil {
					return n, fmt.Errorf("reassign conversation %s: %w", c.ID, err)
				}
				n++
			}
		}
	}
	return n, nil
}

// Logout revokes every token of p's user: the token version goes up, and tokens issued
// under the old one answer 401 (on this node at once, on others within 5 s).
func (s *Service) Logout(ctx context.Context, p auth.Principal) error {
	err := s.o.Store.BumpTokenVersion(ctx, p.TenantID, p.UserID)
	s.o.Inbox.ForgetUser(p.UserID)
	if errors.Is(err, inbox.ErrNotFound) {
		return inbox.NotFound("User")
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
