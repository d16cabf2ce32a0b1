package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

var (
	_ inbox.TeamQueries         = (*queries)(nil)
	_ inbox.AvailabilityQueries = (*queries)(nil)
)

func (q *queries) RenameTeam(ctx context.Context, tenant, id uuid.UUID, name string) error {
	res, err := q.exec(ctx, `UPDATE teams SET name = ? WHERE tenant_id = ? AND id = ?`, name, tenant, id)
	if err != nil {
		return fmt.Errorf("rename team: %w", err)
	}
	return affected(res, "rename team")
}

func (q *queries) DeleteTeam(ctx context.Context, tenant, id uuid.UUID) error {
	err := q.exists(ctx, "team in use", `SELECT 1 FROM conversations WHERE tenant_id = ? AND assigned_team_id = ? LIMIT 1`, tenant, id)
	if err == nil {
		return fmt.Errorf("delete team: %w", inbox.ErrInUse)
	}
	if !errors.Is(err, inbox.ErrNotFound) {
		return err
	}
	res, err := q.exec(ctx, `DELETE FROM teams WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return fmt.Errorf("delete team: %w", err)
	}
	return affected(res, "delete team")
}

func (q *queries) AddTeamMember(ctx context.Context, tenant, team, user uuid.UUID) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO team_members (team_id, user_id)
		SELECT t.id, u.id FROM teams t, users u WHERE t.tenant_id = ? AND t.id = ? AND u.tenant_id = t.tenant_id AND u.id = ?
		ON CONFLICT (team_id, user_id) DO NOTHING`, tenant, team, user)
	if err != nil {
		return false, fmt.Errorf("add team member: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q *queries) RemoveTeamMember(ctx context.Context, tenant, team, user uuid.UUID) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM team_members WHERE team_id = ? AND user_id = ?
		AND team_id IN (SELECT id FROM teams WHERE tenant_id = ?)`, team, user, tenant)
	if err != nil {
		return false, fmt.Errorf("remove team member: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q *queries) TeamConversations(ctx context.Context, tenant, team uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := q.query(ctx, `SELECT id FROM conversations WHERE tenant_id = ? AND assigned_team_id = ? LIMIT ?`, tenant, team, limit)
	if err != nil {
		return nil, fmt.Errorf("team conversations: %w", err)
	}
	return collect(rows, "team conversations", func(id *uuid.UUID) []any { return []any{id} })
}

const availabilityColumns = `user_id, availability, manual, updated_at`

func availabilityDest(a *inbox.AgentAvailability) []any {
	return []any{&a.UserID, &a.Availability, &a.Manual, timeCol{&a.UpdatedAt}}
}

func (q *queries) LockAvailability(ctx context.Context, tenant, user uuid.UUID) (inbox.AgentAvailability, error) {
	// The row is made first, if it is missing, so that there is one to lock.
	_, err := q.exec(ctx, `INSERT INTO user_availability (`+availabilityColumns+`, tenant_id)
		SELECT id, ?, ?, 0, tenant_id FROM users WHERE tenant_id = ? AND id = ?
		ON CONFLICT (user_id) DO NOTHING`, string(inbox.AvailabilityOffline), false, tenant, user)
	if err != nil {
		return inbox.AgentAvailability{}, fmt.Errorf("lock availability: %w", err)
	}
	lock := ""
	if q.d.SQL.Get("for_update") != "" {
		lock = " " + q.d.SQL.Get("for_update")
	}
	var a inbox.AgentAvailability
	err = q.scanOne(ctx, "lock availability", `SELECT `+availabilityColumns+` FROM user_availability WHERE tenant_id = ? AND user_id = ?`+lock,
		[]any{tenant, user}, availabilityDest(&a)...)
	return a, err
}

func (q *queries) SaveAvailability(ctx context.Context, tenant uuid.UUID, a inbox.AgentAvailability) error {
	res, err := q.exec(ctx, `UPDATE user_availability SET availability = ?, manual = ?, updated_at = ? WHERE tenant_id = ? AND user_id = ?`,
		string(a.Availability), a.Manual, micros(a.UpdatedAt), tenant, a.UserID)
	if err != nil {
		return fmt.Errorf("save availability: %w", err)
	}
	return affected(res, "save availability")
}

func (q *queries) TenantAvailability(ctx context.Context, tenant uuid.UUID) (map[uuid.UUID]inbox.AgentAvailability, error) {
	rows, err := q.query(ctx, `SELECT `+availabilityColumns+` FROM user_availability WHERE tenant_id = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("tenant availability: %w", err)
	}
	list, err := collect(rows, "tenant availability", availabilityDest)
	out := make(map[uuid.UUID]inbox.AgentAvailability, len(list))
	for _, a := range list {
		out[a.UserID] = a
	}
	return out, err
}

func (q *queries) SetConnection(ctx context.Context, tenant, user uuid.UUID, node string, open bool, until time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO agent_connections (tenant_id, user_id, node, open, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, user_id, node) DO UPDATE SET open = excluded.open, expires_at = excluded.expires_at`,
		tenant, user, node, open, micros(until))
	if err != nil {
		return fmt.Errorf("set connection: %w", err)
	}
	return nil
}

func (q *queries) LiveConnections(ctx context.Context, tenant, user uuid.UUID, now time.Time) (int, error) {
	if _, err := q.exec(ctx, `DELETE FROM agent_connections WHERE tenant_id = ? AND user_id = ? AND expires_at <= ?`, tenant, user, micros(now)); err != nil {
		return 0, fmt.Errorf("end connections: %w", err)
	}
	var n int
	if err := q.row(ctx, `SELECT COUNT(*) FROM agent_connections WHERE tenant_id = ? AND user_id = ?`, tenant, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("count connections: %w", err)
	}
	return n, nil
}

func (q *queries) RenewConnections(ctx context.Context, node string, until time.Time) error {
	if _, err := q.exec(ctx, `UPDATE agent_connections SET expires_at = ? WHERE node = ? AND open = ?`, micros(until), node, true); err != nil {
		return fmt.Errorf("renew connections: %w", err)
	}
	return nil
}

func (q *queries) EndedConnections(ctx context.Context, now time.Time, limit int) ([]inbox.UserKey, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT tenant_id, user_id FROM agent_connections WHERE expires_at <= ? LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("ended connections: %w", err)
	}
	return collect(rows, "ended connections", func(k *inbox.UserKey) []any { return []any{&k.Tenant, &k.User} })
}
