package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
)

var _ audit.Store = (*Store)(nil)

func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	return s.write(ctx, func(q *queries) error {
		_, err := q.exec(ctx, `INSERT INTO audit_log (id, tenant_id, actor_id, action, object_type, object_id, ip, before, after, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.TenantID, optID(e.ActorID), e.Action, e.ObjectType, e.ObjectID, e.IP,
			rawArg(e.Before), rawArg(e.After), micros(e.CreatedAt))
		if err != nil {
			return fmt.Errorf("append audit entry: %w", err)
		}
		return nil
	})
}

func (s *Store) ListAudit(ctx context.Context, tenant uuid.UUID, f audit.Filter) ([]audit.Entry, error) {
	where, args := []string{"tenant_id = ?"}, []any{tenant}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.ActorID != nil {
		add("actor_id = ?", *f.ActorID)
	}
	if f.From != nil {
		add("created_at >= ?", micros(*f.From))
	}
	if f.To != nil {
		add("created_at < ?", micros(*f.To))
	}
	if f.Before != nil {
		var at int64
		err := s.scanOne(ctx, "audit cursor", `SELECT created_at FROM audit_log WHERE tenant_id = ? AND id = ?`,
			[]any{tenant, *f.Before}, &at)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "(created_at < ? OR (created_at = ? AND id < ?))"), append(args, at, at, *f.Before)
	}
	rows, err := s.query(ctx, `SELECT id, tenant_id, actor_id, action, object_type, object_id, ip, before, after, created_at
		FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return collect(rows, "list audit log", func(e *audit.Entry) []any {
		return []any{&e.ID, &e.TenantID, optIDCol{&e.ActorID}, &e.Action, &e.ObjectType, &e.ObjectID, &e.IP,
			jsonCol{&e.Before}, jsonCol{&e.After}, timeCol{&e.CreatedAt}}
	})
}
