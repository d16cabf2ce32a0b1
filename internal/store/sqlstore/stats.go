package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

const dayMicros = int64(24 * time.Hour / time.Microsecond)

// nobody stands for "no team" and "no assignee" in the counters' keys (see migration 0005).
var nobody = uuid.Nil

// ConversationStats adds up the counters of conversations per day of creation, team, status
// and channel, which triggers keep up to date (migration 0005): a few thousand rows however
// many conversations there are. A day is the business's local day (its time zone's, see
// migration 0021), and Start and End count whole such days: their dates are taken as is.
// The extras f asks for are computed from the conversations (see addExtras).
func (q *queries) ConversationStats(ctx context.Context, tenant uuid.UUID, f inbox.StatsFilter) (inbox.ConversationStats, error) {
	where, args := []string{"tenant_id = ?"}, []any{tenant}
	if f.Start != nil {
		where, args = append(where, "day >= ?"), append(args, micros(*f.Start)/dayMicros)
	}
	if f.End != nil {
		where, args = append(where, "day < ?"), append(args, micros(*f.End)/dayMicros)
	}
	if f.TeamID != nil {
		where, args = append(where, "team_id = ?"), append(args, *f.TeamID)
	}
	st := inbox.ConversationStats{ByStatus: map[inbox.Status]int{}, ByChannel: map[inbox.ChannelKind]int{}, ByDay: map[string]int{}}
	kinds, err := q.channelKinds(ctx, tenant)
	if err != nil {
		return st, err
	}
	rows, err := q.query(ctx, `SELECT status, channel_id, day, SUM(conversations),
		SUM(CAST(resolution_sum AS DOUBLE PRECISION)), SUM(resolved),
		SUM(CAST(first_response_sum AS DOUBLE PRECISION)), SUM(first_responded)
		FROM conversation_days_now WHERE `+strings.Join(where, " AND ")+` GROUP BY 1, 2, 3 HAVING SUM(conversations) > 0`, args...)
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
			n, resN, frN  int
			resSum, frSum float64
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
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("conversation stats: %w", err)
	}
	if f.Distributions || f.Agents {
		return st, q.addExtras(ctx, tenant, f, &st)
	}
	return st, nil
}

// average adds up sums and counts of microseconds from several groups.
type average struct {
	sum float64
	n   int
}

func (a *average) add(sum float64, n int) {
	a.sum, a.n = a.sum+sum, a.n+n
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

// InboxStats adds up the counters of conversations per assignee, team, status and channel
// (migration 0005), and finds each agent's oldest waiting conversation at the head of an
// index of the waiting ones.
func (q *queries) InboxStats(ctx context.Context, tenant uuid.UUID, _ time.Time) (inbox.InboxStats, error) {
	st := inbox.InboxStats{ByChannel: map[inbox.ChannelKind]int{}, Agents: []inbox.AgentLoad{}}
	kinds, err := q.channelKinds(ctx, tenant)
	if err != nil {
		return st, err
	}
	users, err := q.query(ctx, `SELECT u.id, u.first_name, u.last_name, u.email,
		(SELECT MIN(c.last_inbound_at) FROM conversations c WHERE c.tenant_id = u.tenant_id
			AND c.assigned_user_id = u.id AND c.unread_count > 0 AND c.status <> 'closed')
		FROM users u WHERE u.tenant_id = ? ORDER BY u.first_name, u.last_name, u.id`, tenant)
	if err != nil {
		return st, fmt.Errorf("agent workload: %w", err)
	}
	loads, err := collect(users, "agent workload", func(a *inbox.AgentLoad) []any {
		return []any{&a.User.ID, &a.User.FirstName, &a.User.LastName, &a.User.Email, optTimeCol{&a.OldestWaitingSince}}
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
	rows, err := q.query(ctx, `SELECT status, channel_id, user_id, SUM(conversations), SUM(unread_messages), SUM(unread),
		SUM(CAST(first_response_sum AS DOUBLE PRECISION)), SUM(first_responded)
		FROM conversation_loads_now WHERE tenant_id = ? GROUP BY 1, 2, 3 HAVING SUM(conversations) > 0`, tenant)
	if err != nil {
		return st, fmt.Errorf("inbox stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status                  string
			channel, assignee       uuid.UUID
			n, unread, waiting, frN int
			frSum                   float64
		)
		if err := rows.Scan(&status, &channel, &assignee, &n, &unread, &waiting, &frSum, &frN); err != nil {
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
		if assignee == nobody {
			if open {
				st.Unassigned += n
			}
			continue
		}
		a := byUser[assignee]
		if a == nil {
			continue // a user deleted since
		}
		firstResponse[assignee].add(frSum, frN)
		if open {
			a.OpenAssigned += n
			a.Unread += unread
		}
	}
	for i := range loads {
		loads[i].AvgFirstResponseSeconds = firstResponse[loads[i].User.ID].seconds()
	}
	st.Agents = loads
	return st, rows.Err()
}
