package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// The businesses' own settings and life cycle (internal/tenancy): their time zones, which
// the day counters of the statistics follow, and whether an operator disabled them.

// CreateBusiness creates a tenant, its time zone's offsets and its first user in one
// transaction. A taken email is inbox.ErrDuplicate.
func (s *Store) CreateBusiness(ctx context.Context, t inbox.Tenant, owner inbox.User) error {
	zone, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return fmt.Errorf("create business: %w", err)
	}
	return s.tx(ctx, func(q *queries) error {
		if err := q.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := q.setUTCOffsets(ctx, t.ID, zone); err != nil {
			return err
		}
		return q.CreateUser(ctx, owner)
	})
}

// UpdateBusiness writes a tenant's name, time zone and default template language. A new time
// zone moves every conversation of the tenant to the day counters of its local day.
func (s *Store) UpdateBusiness(ctx context.Context, t inbox.Tenant) error {
	zone, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return fmt.Errorf("update business: %w", err)
	}
	return s.tx(ctx, func(q *queries) error {
		var was string
		if err := q.scanOne(ctx, "update business", `SELECT time_zone FROM tenants WHERE id = ? `+q.d.SQL.Get("for_update"), []any{t.ID}, &was); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `UPDATE tenants SET name = ?, time_zone = ?, default_template_language = ? WHERE id = ?`,
			t.Name, t.TimeZone, t.DefaultTemplateLanguage, t.ID); err != nil {
			return fmt.Errorf("update business: %w", err)
		}
		if was == t.TimeZone {
			return nil
		}
		if err := q.countLocalDays(ctx, t.ID, -1); err != nil {
			return err
		}
		if err := q.setUTCOffsets(ctx, t.ID, zone); err != nil {
			return err
		}
		return q.countLocalDays(ctx, t.ID, 1)
	})
}

// SetTenantDisabled disables a tenant from at, or enables it when at is nil.
func (s *Store) SetTenantDisabled(ctx context.Context, id uuid.UUID, at *time.Time) error {
	return s.tx(ctx, func(q *queries) error {
		res, err := q.exec(ctx, `UPDATE tenants SET disabled_at = ? WHERE id = ?`, optMicros(at), id)
		if err != nil {
			return fmt.Errorf("set tenant disabled: %w", err)
		}
		return affected(res, "set tenant disabled")
	})
}

// UserCounts returns how many users each tenant has (tenants without users are absent).
func (s *Store) UserCounts(ctx context.Context) (map[uuid.UUID]int, error) {
	rows, err := s.query(ctx, `SELECT tenant_id, COUNT(*) FROM users GROUP BY tenant_id`)
	if err != nil {
		return nil, fmt.Errorf("user counts: %w", err)
	}
	defer rows.Close()
	counts := map[uuid.UUID]int{}
	for rows.Next() {
		var id uuid.UUID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("user counts: %w", err)
		}
		counts[id] = n
	}
	return counts, rows.Err()
}

// HasTenants reports whether the database holds any tenant.
func (s *Store) HasTenants(ctx context.Context) (bool, error) {
	err := s.exists(ctx, "has tenants", `SELECT 1 FROM tenants LIMIT 1`)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, inbox.ErrNotFound) {
		return false, nil
	}
	return false, err
}

// localDay is the number of the tenant's local day a conversation c was created on, as the
// day counters' triggers compute it (migration 0021).
const localDay = `(c.created_at + COALESCE((SELECT o.utc_offset FROM tenant_utc_offsets o WHERE o.tenant_id = c.tenant_id
	AND o.since <= c.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000000`

// countLocalDays adds every conversation of the tenant to the day counters of its local day
// (sign 1), or takes it out (sign -1). Taking them out under the old offsets and adding them
// under the new ones leaves the changes PostgreSQL has not folded in yet valid.
func (q *queries) countLocalDays(ctx context.Context, tenant uuid.UUID, sign int) error {
	n := strconv.Itoa(sign)
	if _, err := q.exec(ctx, `INSERT INTO conversation_days AS d
		SELECT c.tenant_id, `+localDay+`, COALESCE(c.assigned_team_id, ?), c.status, c.channel_id,
			`+n+` * COUNT(*), `+n+` * COALESCE(SUM(c.resolved_at - c.created_at), 0), `+n+` * COUNT(c.resolved_at),
			`+n+` * COALESCE(SUM(c.first_response_at - c.created_at), 0), `+n+` * COUNT(c.first_response_at)
		FROM conversations c WHERE c.tenant_id = ? GROUP BY 1, 2, 3, 4, 5
		ON CONFLICT (tenant_id, day, team_id, status, channel_id) DO UPDATE SET
			conversations = d.conversations + excluded.conversations,
			resolution_sum = d.resolution_sum + excluded.resolution_sum, resolved = d.resolved + excluded.resolved,
			first_response_sum = d.first_response_sum + excluded.first_response_sum,
			first_responded = d.first_responded + excluded.first_responded`,
		nobody, tenant); err != nil {
		return fmt.Errorf("count local days: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM conversation_days WHERE tenant_id = ? AND conversations = 0
		AND resolution_sum = 0 AND resolved = 0 AND first_response_sum = 0 AND first_responded = 0`, tenant); err != nil {
		return fmt.Errorf("count local days: %w", err)
	}
	return nil
}

// setUTCOffsets replaces the tenant's offsets with those of zone.
func (q *queries) setUTCOffsets(ctx context.Context, tenant uuid.UUID, zone *time.Location) error {
	if _, err := q.exec(ctx, `DELETE FROM tenant_utc_offsets WHERE tenant_id = ?`, tenant); err != nil {
		return fmt.Errorf("set utc offsets: %w", err)
	}
	for _, o := range utcOffsets(zone) {
		if _, err := q.exec(ctx, `INSERT INTO tenant_utc_offsets (tenant_id, since, utc_offset) VALUES (?, ?, ?)`,
			tenant, o.since, o.offset); err != nil {
			return fmt.Errorf("set utc offsets: %w", err)
		}
	}
	return nil
}

// utcOffset is a zone's offset (microseconds east of UTC) from since (unix microseconds).
type utcOffset struct{ since, offset int64 }

// offsetsFrom and offsetsUntil bound the transitions written: conversations are not older
// than the first, and a zone's rule past its last listed transition repeats the same way.
var (
	offsetsFrom  = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	offsetsUntil = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// utcOffsets lists zone's offsets from 1970 to 2100, the first from the beginning of time;
// none for a zone that is UTC throughout. Transitions are found by sampling every 6 hours
// (no zone changes twice within that) and bisecting to the second.
func utcOffsets(zone *time.Location) []utcOffset {
	offsetAt := func(t time.Time) int64 { _, s := t.In(zone).Zone(); return int64(s) * 1e6 }
	out := []utcOffset{{since: math.MinInt64, offset: offsetAt(offsetsFrom)}}
	const step = 6 * time.Hour
	for t := offsetsFrom; t.Before(offsetsUntil); t = t.Add(step) {
		next := t.Add(step)
		if offsetAt(next) == out[len(out)-1].offset {
			continue
		}
		// The first second in (t, next] with the new offset.
		n := sort.Search(int(step/time.Second), func(i int) bool {
			return offsetAt(t.Add(time.Duration(i+1)*time.Second)) != out[len(out)-1].offset
		})
		at := t.Add(time.Duration(n+1) * time.Second)
		out = append(out, utcOffset{since: micros(at), offset: offsetAt(at)})
	}
	if len(out) == 1 && out[0].offset == 0 {
		return nil
	}
	return out
}
