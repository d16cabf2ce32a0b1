package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/people"
)

// The people store: invitations, password resets, roles and token versions.

var _ people.Store = (*Store)(nil)

func (s *Store) TeamsExist(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	unique := map[uuid.UUID]bool{}
	for _, id := range ids {
		unique[id] = true
	}
	var n int
	args := append([]any{tenant}, idArgs(ids)...)
	if err := s.row(ctx, `SELECT COUNT(*) FROM teams WHERE tenant_id = ? AND id IN (`+placeholders(len(ids))+`)`, args...).Scan(&n); err != nil {
		return fmt.Errorf("teams exist: %w", err)
	}
	if n != len(unique) {
		return fmt.Errorf("teams exist: %w", inbox.ErrNotFound)
	}
	return nil
}

func (s *Store) UpdateUser(ctx context.Context, u inbox.User) error {
	return s.tx(ctx, func(q *queries) error {
		if u.Role != auth.RoleSuperAdmin {
			if err := q.keepASuperAdmin(ctx, u.TenantID, u.ID); err != nil {
				return err
			}
		}
		res, err := q.exec(ctx, `UPDATE users SET role = ?, first_name = ?, last_name = ? WHERE tenant_id = ? AND id = ?`,
			string(u.Role), u.FirstName, u.LastName, u.TenantID, u.ID)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		return affected(res, "update user")
	})
}

func (q *queries) setPassword(ctx context.Context, tenant, id uuid.UUID, hash string) error {
	res, err := q.exec(ctx, `UPDATE users SET password_hash = ?, token_version = token_version + 1 WHERE tenant_id = ? AND id = ?`, hash, tenant, id)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return affected(res, "set password")
}

func (s *Store) SetPassword(ctx context.Context, tenant, id uuid.UUID, hash string) error {
	return s.write(ctx, func(q *queries) error { return q.setPassword(ctx, tenant, id, hash) })
}

func (s *Store) BumpTokenVersion(ctx context.Context, tenant, id uuid.UUID) error {
	res, err := s.execWrite(ctx, `UPDATE users SET token_version = token_version + 1 WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return fmt.Errorf("bump token version: %w", err)
	}
	return affected(res, "bump token version")
}

func (s *Store) CreateInvitation(ctx context.Context, inv people.Invitation) error {
	teams, err := jsonArg(nonNilIDs(inv.TeamIDs))
	if err != nil {
		return err
	}
	_, err = s.execWrite(ctx, `INSERT INTO invitations (id, tenant_id, email, role, team_ids, token_hash, invited_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, inv.TenantID, inv.Email, string(inv.Role), teams, inv.TokenHash,
		optID(inv.InvitedBy), micros(inv.CreatedAt), micros(inv.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	return nil
}

const invitationColumns = `i.id, i.tenant_id, i.email, i.role, i.team_ids, i.token_hash, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`

func invitationDest(inv *people.Invitation) []any {
	return []any{&inv.ID, &inv.TenantID, &inv.Email, &inv.Role, jsonCol{&inv.TeamIDs}, &inv.TokenHash, optIDCol{&inv.InvitedBy},
		timeCol{&inv.CreatedAt}, timeCol{&inv.ExpiresAt}, optTimeCol{&inv.AcceptedAt}, optTimeCol{&inv.RevokedAt}}
}

// pending is the condition that the invitation aliased i is pending at the time given as its argument.
const pending = `i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?`

func (s *Store) PendingInvitations(ctx context.Context, tenant uuid.UUID, email string, now time.Time) ([]people.Invitation, error) {
	query, args := `SELECT `+invitationColumns+` FROM invitations i WHERE i.tenant_id = ? AND `+pending, []any{tenant, micros(now)}
	if email != "" {
		query, args = query+` AND lower(i.email) = ?`, append(args, strings.ToLower(email))
	}
	rows, err := s.query(ctx, query+` ORDER BY i.created_at DESC, i.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("pending invitations: %w", err)
	}
	return collect(rows, "pending invitations", invitationDest)
}

func (s *Store) RevokeInvitation(ctx context.Context, tenant, id uuid.UUID, now time.Time) error {
	res, err := s.execWrite(ctx, `UPDATE invitations SET revoked_at = ? WHERE tenant_id = ? AND id = ?
		AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, micros(now), tenant, id, micros(now))
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	return affected(res, "revoke invitation")
}

func (s *Store) RenewInvitation(ctx context.Context, tenant, id uuid.UUID, hash string, expires, now time.Time) error {
	res, err := s.execWrite(ctx, `UPDATE invitations SET token_hash = ?, expires_at = ? WHERE tenant_id = ? AND id = ?
		AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, hash, micros(expires), tenant, id, micros(now))
	if err != nil {
		return fmt.Errorf("renew invitation: %w", err)
	}
	return affected(res, "renew invitation")
}

func (s *Store) InvitationByToken(ctx context.Context, hash string) (people.Invitation, error) {
	var inv people.Invitation
	err := s.scanOne(ctx, "invitation by token", `SELECT `+invitationColumns+`, t.name FROM invitations i
		JOIN tenants t ON t.id = i.tenant_id WHERE i.token_hash = ?`, []any{hash}, append(invitationDest(&inv), &inv.TenantName)...)
	return inv, err
}

func (s *Store) AcceptInvitation(ctx context.Context, hash string, u inbox.User, now time.Time) error {
	return s.tx(ctx, func(q *queries) error {
		var inv people.Invitation
		if err := q.scanOne(ctx, "accept invitation", `UPDATE invitations SET accepted_at = ?
			WHERE token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
			RETURNING team_ids`, []any{micros(now), hash, micros(now)}, jsonCol{&inv.TeamIDs}); err != nil {
			return err
		}
		if err := q.CreateUser(ctx, u); err != nil {
			return err
		}
		for _, team := range inv.TeamIDs {
			err := q.exists(ctx, "invited team", `SELECT 1 FROM teams WHERE tenant_id = ? AND id = ?`, u.TenantID, team)
			if errors.Is(err, inbox.ErrNotFound) {
				continue // deleted since the invitation
			}
			if err != nil {
				return err
			}
			if _, err := q.exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, team, u.ID); err != nil {
				return fmt.Errorf("add team member: %w", err)
			}
		}
		return nil
	})
}

func (s *Store) CreateReset(ctx context.Context, r people.Reset) error {
	_, err := s.execWrite(ctx, `INSERT INTO password_resets (id, tenant_id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.TenantID, r.UserID, r.TokenHash, micros(r.CreatedAt), micros(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	return nil
}

func (s *Store) PendingReset(ctx context.Context, hash string, now time.Time) (people.Reset, error) {
	var r people.Reset
	err := s.scanOne(ctx, "pending password reset", `SELECT id, tenant_id, user_id, token_hash, created_at, expires_at
		FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, []any{hash, micros(now)},
		&r.ID, &r.TenantID, &r.UserID, &r.TokenHash, timeCol{&r.CreatedAt}, timeCol{&r.ExpiresAt})
	return r, err
}

func (s *Store) ConsumeReset(ctx context.Context, hash, passwordHash string, now time.Time) error {
	return s.tx(ctx, func(q *queries) error {
		var tenant, user uuid.UUID
		if err := q.scanOne(ctx, "consume password reset", `UPDATE password_resets SET used_at = ?
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING tenant_id, user_id`,
			[]any{micros(now), hash, micros(now)}, &tenant, &user); err != nil {
			return err
		}
		return q.setPassword(ctx, tenant, user, passwordHash)
	})
}
