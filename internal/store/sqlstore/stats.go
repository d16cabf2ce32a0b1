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

// ConversationStats reads the conversations once, grouped by status, channel and day, from
// an index that holds every column it needs; the totals and averages add those groups up.
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
	st := inbox.ConversationStats{ByStatus: map[inbox.Status]int{}, ByChannel: map[inbox.ChannelKind]int{}, ByDay: map[string]int{}}
	kinds, err := q.channelKinds(ctx, tenant)
	if err != nil {
		return st, err
	}
	rows, err := q.query(ctx, `SELECT c.status, c.channel_id, c.created_at / `+strconv.FormatInt(dayMicros, 10)+`, COUNT(*),
		CAST(SUM(c.resolved_at - c.created_at) AS DOUBLE PRECISION), COUNT(c.resolved_at),
		CAST(SUM(c.first_response_at - c.created_at) AS DOUBLE PRECISION), COUNT(c.first_response_at)
		FROM `+q.d.StatsSource+` WHERE `+strings.Join(where, " AND ")+` GROUP BY 1, 2, 3`, args...)
	if err != nil {
		return st, fmt.Errorf("conversation stats: %w", err)
	}
	defer rows.Close()
	var resolution, firstResponse average
	for rows.Next() {
		var (
			status        string
			channel       uuid.UUID
			day           int64
			n             int
			resSum, frSum sql.NullFloat64
			resN, frN     int
		)
		if err := rows.Scan(&status, &channel, &day, &n, &resSum, &resN, &frSum, &frN); err != nil {
			return st, fmt.Errorf("conversation stats: %w", err)
		}
		st.Total += n
		st.ByStatus[inbox.Status(status)] += n
		st.ByChannel[kinds[channel]] += n
		st.ByDay[time.Unix(day*86400, 0).UTC().Format(time.DateOnly)] += n
		resolution.add(resSum, resN)
		firstResponse.add(frSum, frN)
	}
	st.AvgResolutionSeconds, st.AvgFirstResponseSeconds = resolution.seconds(), firstResponse.seconds()
	return st, rows.Err()
}

// average adds up sums and counts of microseconds from several groups.
type average struct {
	sum float64
	n   int
}

func (a *average) add(sum sql.NullFloat64, n int) {
	if sum.Valid {
		a.sum, a.n = a.sum+sum.Float64, a.n+n
	}
}

// seconds is the average in seconds; nil when nothing was averaged.
func (a average) seconds() *float64 {
	if a.n == 0 {
		return nil
	}
	s := a.sum / float64(a.n) / 1e6
	return &s
}

// channelKinds maps the tenant's channel ids to their kinds.
func (q *queries) channelKinds(ctx context.Context, tenant uuid.UUID) (map[uuid.UUID]inbox.ChannelKind, error) {
	rows, err := q.query(ctx, `SELECT id, kind FROM channels WHERE tenant_id = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("channel kinds: %w", err)
	}
	defer rows.Close()
	kinds := map[uuid.UUID]inbox.ChannelKind{}
	for rows.Next() {
		var id uuid.UUID
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, fmt.Errorf("channel kinds: %w", err)
		}
		kinds[id] = inbox.ChannelKind(kind)
	}
	return kinds, rows.Err()
}

// InboxStats reads the conversations once, grouped by status, channel and assignee, from
// the same covering index as ConversationStats, and lists every user with their load.
func (q *queries) InboxStats(ctx context.Context, tenant uuid.UUID, _ time.Time) (inbox.InboxStats, error) {
	st := inbox.InboxStats{ByChannel: map[inbox.ChannelKind]int{}, Agents: []inbox.AgentLoad{}}
	kinds, err := q.channelKinds(ctx, tenant)
	if err != nil {
		return st, err
	}
	users, err := q.query(ctx, `SELECT id, first_name, last_name, email FROM users WHERE tenant_id = ?
		ORDER BY first_name, last_name, id`, tenant)
	if err != nil {
		return st, fmt.Errorf("agent workload: %w", err)
	}
	loads, err := collect(users, "agent workload", func(a *inbox.AgentLoad) []any {
		return []any{&a.User.ID, &a.User.FirstName, &a.User.LastName, &a.User.Email}
	})
	if err != nil {
		return st, err
	}
	byUser := map[uuid.UUID]*inbox.AgentLoad{}
	firstResponse := map[uuid.UUID]*average{}
	for i := range loads {
		byUser[loads[i].User.ID] = &loads[i]
		firstResponse[loads[i].User.ID] = &average{}
	}
	rows, err := q.query(ctx, `SELECT c.status, c.channel_id, c.assigned_user_id, COUNT(*), COALESCE(SUM(c.unread_count), 0),
		COALESCE(SUM(CASE WHEN c.unread_count > 0 THEN 1 ELSE 0 END), 0),
		MIN(CASE WHEN c.unread_count > 0 THEN c.last_inbound_at END),
		CAST(SUM(c.first_response_at - c.created_at) AS DOUBLE PRECISION), COUNT(c.first_response_at)
		FROM `+q.d.StatsSource+` WHERE c.tenant_id = ? GROUP BY 1, 2, 3`, tenant)
	if err != nil {
		return st, fmt.Errorf("inbox stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status             string
			channel            uuid.UUID
			assignee           *uuid.UUID
			n, unread, waiting int
			oldest             *time.Time
			frSum              sql.NullFloat64
			frN                int
		)
		if err := rows.Scan(&status, &channel, optIDCol{&assignee}, &n, &unread, &waiting, optTimeCol{&oldest}, &frSum, &frN); err != nil {
			return st, fmt.Errorf("inbox stats: %w", err)
		}
		open := inbox.Status(status) != inbox.StatusClosed
		st.TotalConversations += n
		st.UnreadMessages += unread
		st.UnreadConversations += waiting
		st.ByChannel[kinds[channel]] += n
		if open {
			st.OpenTickets += n
		}
		if assignee == nil {
			if open {
				st.Unassigned += n
			}
			continue
		}
		a := byUser[*assignee]
		if a == nil {
			continue // a user deleted since
		}
		firstResponse[*assignee].add(frSum, frN)
		if !open {
			continue
		}
		a.OpenAssigned += n
		a.Unread += unread
		if oldest != nil && (a.OldestWaitingSince == nil || oldest.Before(*a.OldestWaitingSince)) {
			a.OldestWaitingSince = oldest
		}
	}
	for i := range loads {
		loads[i].AvgFirstResponseSeconds = firstResponse[loads[i].User.ID].seconds()
	}
	st.Agents = loads
	return st, rows.Err()
}
