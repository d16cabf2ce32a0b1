package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

const dayMicros = int64(24 * time.Hour / time.Microsecond)

func (q *queries) ConversationStats(ctx context.Context, tenant uuid.UUID, f inbox.StatsFilter) (inbox.ConversationStats, error) {
	where, args := []string{"c.tenant_id = ?"}, []any{tenant}
	if f.Start != nil {
		where, args = append(where, "c.created_at >= ?"), append(args, micros(*f.Start))
	}
	if f.End != nil {
		where, args = append(where, "c.created_at < ?"), append(args, micros(*f.End))
	}
	if f.TeamID != nil {
		where, args = append(where, "c.assigned_team_id = ?"), append(args, *f.TeamID)
	}
	from := ` FROM conversations c JOIN channels ch ON ch.id = c.channel_id WHERE ` + strings.Join(where, " AND ")
	st := inbox.ConversationStats{ByStatus: map[inbox.Status]int{}, ByChannel: map[inbox.ChannelKind]int{}, ByDay: map[string]int{}}
	var resolution, firstResponse sql.NullFloat64
	if err := q.row(ctx, `SELECT COUNT(*),
		AVG(CASE WHEN c.resolved_at IS NOT NULL THEN c.resolved_at - c.created_at END),
		AVG(CASE WHEN c.first_response_at IS NOT NULL THEN c.first_response_at - c.created_at END)`+from, args...).
		Scan(&st.Total, &resolution, &firstResponse); err != nil {
		return st, fmt.Errorf("conversation stats: %w", err)
	}
	st.AvgResolutionSeconds, st.AvgFirstResponseSeconds = seconds(resolution), seconds(firstResponse)
	if err := q.countBy(ctx, `SELECT c.status, COUNT(*)`+from+` GROUP BY c.status`, args, func(k string, n int) { st.ByStatus[inbox.Status(k)] = n }); err != nil {
		return st, err
	}
	if err := q.countBy(ctx, `SELECT ch.kind, COUNT(*)`+from+` GROUP BY ch.kind`, args, func(k string, n int) { st.ByChannel[inbox.ChannelKind(k)] = n }); err != nil {
		return st, err
	}
	rows, err := q.query(ctx, `SELECT c.created_at / `+strconv.FormatInt(dayMicros, 10)+`, COUNT(*)`+from+` GROUP BY 1`, args...)
	if err != nil {
		return st, fmt.Errorf("conversations by day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return st, fmt.Errorf("conversations by day: %w", err)
		}
		st.ByDay[time.Unix(day*86400, 0).UTC().Format(time.DateOnly)] = n
	}
	return st, rows.Err()
}

// seconds turns an average of microseconds into seconds; nil when nothing was averaged.
func seconds(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	s := v.Float64 / 1e6
	return &s
}

// countBy runs a two-column (key, count) query.
func (q *queries) countBy(ctx context.Context, query string, args []any, set func(string, int)) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		set(k, n)
	}
	return rows.Err()
}

func (q *queries) InboxStats(ctx context.Context, tenant uuid.UUID, _ time.Time) (inbox.InboxStats, error) {
	st := inbox.InboxStats{ByChannel: map[inbox.ChannelKind]int{}, Agents: []inbox.AgentLoad{}}
	if err := q.row(ctx, `SELECT COUNT(*), COALESCE(SUM(unread_count), 0),
		COALESCE(SUM(CASE WHEN unread_count > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status <> 'closed' AND assigned_user_id IS NULL THEN 1 ELSE 0 END), 0)
		FROM conversations WHERE tenant_id = ?`, tenant).
		Scan(&st.TotalConversations, &st.UnreadMessages, &st.UnreadConversations, &st.OpenTickets, &st.Unassigned); err != nil {
		return st, fmt.Errorf("inbox stats: %w", err)
	}
	if err := q.countBy(ctx, `SELECT ch.kind, COUNT(*) FROM conversations c JOIN channels ch ON ch.id = c.channel_id
		WHERE c.tenant_id = ? GROUP BY ch.kind`, []any{tenant}, func(k string, n int) { st.ByChannel[inbox.ChannelKind(k)] = n }); err != nil {
		return st, err
	}
	rows, err := q.query(ctx, `SELECT u.id, u.first_name, u.last_name, u.email,
		COALESCE(SUM(CASE WHEN c.status <> 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.status <> 'closed' THEN c.unread_count ELSE 0 END), 0),
		MIN(CASE WHEN c.status <> 'closed' AND c.unread_count > 0 THEN c.last_inbound_at END),
		AVG(CASE WHEN c.first_response_at IS NOT NULL THEN c.first_response_at - c.created_at END)
		FROM users u LEFT JOIN conversations c ON c.tenant_id = u.tenant_id AND c.assigned_user_id = u.id
		WHERE u.tenant_id = ? GROUP BY u.id, u.first_name, u.last_name, u.email ORDER BY u.first_name, u.last_name, u.id`, tenant)
	if err != nil {
		return st, fmt.Errorf("agent workload: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a inbox.AgentLoad
		var firstResponse sql.NullFloat64
		if err := rows.Scan(&a.User.ID, &a.User.FirstName, &a.User.LastName, &a.User.Email, &a.OpenAssigned, &a.Unread,
			optTimeCol{&a.OldestWaitingSince}, &firstResponse); err != nil {
			return st, fmt.Errorf("agent workload: %w", err)
		}
		a.AvgFirstResponseSeconds = seconds(firstResponse)
		st.Agents = append(st.Agents, a)
	}
	return st, rows.Err()
}
