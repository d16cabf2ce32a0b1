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

// The extras of the statistics that counters cannot give (percentiles, a histogram, the
// agents' medians) are aggregates over the conversations created in the range, read through
// the index on (tenant_id, created_at, …) that holds their columns (migration 0028). Only the
// percentile differs between the databases (queries.sql: percentile); both answer
// percentile_disc.

// sampleColumns are the columns of the conversations the aggregates read, durations in
// microseconds (NULL when the conversation has none).
const sampleColumns = `c.status AS status, c.first_response_at - c.created_at AS first_response,
	c.resolved_at - c.created_at AS resolution`

// durationColumns are the sample's durations, in the order of the statistics' fields.
var durationColumns = []string{"first_response", "resolution"}

// percentiles are the Distribution's, in the order of its fields.
var percentiles = []float64{0.5, 0.75, 0.9, 0.95}

// addExtras fills the extras f asks for.
func (q *queries) addExtras(ctx context.Context, tenant uuid.UUID, f inbox.StatsFilter, st *inbox.ConversationStats) error {
	where, args, err := q.createdIn(ctx, tenant, f)
	if err != nil {
		return err
	}
	if f.Distributions {
		if st.FirstResponse, st.Resolution, err = q.distributions(ctx, where, args); err != nil {
			return err
		}
	}
	if f.Agents {
		if st.Agents, err = q.agentReports(ctx, tenant, where, args); err != nil {
			return err
		}
	}
	return nil
}

// createdIn is the condition on conversations c of the statistics' filter and its
// arguments: created in the business's local days [Start, End), assigned to TeamID. The
// local midnights come from the business's time zone, as the day counters' offsets do
// (migration 0021), so the two agree on which conversations a range holds.
func (q *queries) createdIn(ctx context.Context, tenant uuid.UUID, f inbox.StatsFilter) (string, []any, error) {
	conds, args := []string{"c.tenant_id = ?"}, []any{tenant}
	if f.Start != nil || f.End != nil {
		var name string
		if err := q.scanOne(ctx, "statistics time zone", `SELECT time_zone FROM tenants WHERE id = ?`, []any{tenant}, &name); err != nil {
			return "", nil, err
		}
		zone, err := time.LoadLocation(name)
		if err != nil {
			return "", nil, fmt.Errorf("statistics time zone: %w", err)
		}
		midnight := func(day time.Time) int64 {
			y, m, d := day.UTC().Date()
			return micros(time.Date(y, m, d, 0, 0, 0, 0, zone))
		}
		if f.Start != nil {
			conds, args = append(conds, "c.created_at >= ?"), append(args, midnight(*f.Start))
		}
		if f.End != nil {
			conds, args = append(conds, "c.created_at < ?"), append(args, midnight(*f.End))
		}
	}
	if f.TeamID != nil {
		conds, args = append(conds, "c.assigned_team_id = ?"), append(args, *f.TeamID)
	}
	return strings.Join(conds, " AND "), args, nil
}

// aggregate runs the aggregates over the sample of the conversations that match where:
// grouped by group (an expression on conversations c, first in each row), or in one row of
// them all when group is "".
func (q *queries) aggregate(ctx context.Context, group, where string, args []any, aggregates []string) (*sql.Rows, error) {
	selected, grouped := strings.Join(aggregates, ", "), ""
	if group != "" {
		selected, grouped = "g, "+selected, " GROUP BY g"
	} else {
		group = "0"
	}
	return q.query(ctx, `SELECT `+selected+` FROM (SELECT `+group+` AS g, `+sampleColumns+`
		FROM conversations c WHERE `+where+`) s`+grouped, args...)
}

// percentile is the aggregate percentile_disc(p) of a duration column.
func (q *queries) percentile(col string, p float64) string {
	return strings.NewReplacer("{col}", col, "{p}", strconv.FormatFloat(p, 'f', -1, 64)).Replace(q.d.SQL.Get("percentile"))
}

// distributions computes the first response and resolution times' distributions.
func (q *queries) distributions(ctx context.Context, where string, args []any) (firstResponse, resolution *inbox.Distribution, err error) {
	var aggregates []string
	for _, col := range durationColumns {
		aggregates = append(aggregates, "COUNT("+col+")")
		for _, p := range percentiles {
			aggregates = append(aggregates, q.percentile(col, p))
		}
		for _, b := range inbox.DistributionBounds {
			aggregates = append(aggregates, "COUNT(CASE WHEN "+col+" <= "+strconv.FormatInt(b.Microseconds(), 10)+" THEN 1 END)")
		}
	}
	rows, err := q.aggregate(ctx, "", where, args, aggregates)
	if err != nil {
		return nil, nil, fmt.Errorf("distributions: %w", err)
	}
	defer rows.Close()
	dists := make([]distributionRow, len(durationColumns))
	var dest []any
	for i := range dists {
		dists[i] = distributionRow{percentiles: make([]sql.NullInt64, len(percentiles)), atMost: make([]int, len(inbox.DistributionBounds))}
		dest = append(dest, dists[i].dest()...)
	}
	if !rows.Next() {
		return nil, nil, fmt.Errorf("distributions: no row: %w", rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, nil, fmt.Errorf("distributions: %w", err)
	}
	return dists[0].distribution(), dists[1].distribution(), rows.Close()
}

// distributionRow is a duration column's share of the distributions' row.
type distributionRow struct {
	count       int
	percentiles []sql.NullInt64 // as the percentiles list
	atMost      []int           // how many are at most each of DistributionBounds
}

func (d *distributionRow) dest() []any {
	dest := []any{&d.count}
	for i := range d.percentiles {
		dest = append(dest, &d.percentiles[i])
	}
	for i := range d.atMost {
		dest = append(dest, &d.atMost[i])
	}
	return dest
}

func (d *distributionRow) distribution() *inbox.Distribution {
	out := &inbox.Distribution{Count: d.count, Median: duration(d.percentiles[0]), P75: duration(d.percentiles[1]),
		P90: duration(d.percentiles[2]), P95: duration(d.percentiles[3])}
	below := 0
	for _, n := range append(d.atMost, d.count) {
		out.Buckets = append(out.Buckets, n-below)
		below = n
	}
	return out
}

// duration reads microseconds; nil for NULL.
func duration(v sql.NullInt64) *time.Duration {
	if !v.Valid {
		return nil
	}
	d := time.Duration(v.Int64) * time.Microsecond
	return &d
}

// agentReports lists every user of the tenant, active ones first, then by name, with the
// conversations assigned to them among those that match where.
func (q *queries) agentReports(ctx context.Context, tenant uuid.UUID, where string, args []any) ([]inbox.AgentReport, error) {
	users, err := q.query(ctx, `SELECT id, first_name, last_name, deactivated_at IS NULL FROM users WHERE tenant_id = ?
		ORDER BY deactivated_at IS NOT NULL, first_name, last_name, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("agent reports: %w", err)
	}
	reports, err := collect(users, "agent reports", func(r *inbox.AgentReport) []any {
		return []any{&r.User.ID, &r.User.FirstName, &r.User.LastName, &r.Active}
	})
	if err != nil {
		return nil, err
	}
	byUser := map[uuid.UUID]*inbox.AgentReport{}
	for i := range reports {
		byUser[reports[i].User.ID] = &reports[i]
	}
	rows, err := q.aggregate(ctx, "c.assigned_user_id", where+" AND c.assigned_user_id IS NOT NULL", args, []string{
		"COUNT(CASE WHEN status IN ('active', 'pending') THEN 1 END)",
		"COUNT(CASE WHEN status = 'closed' AND resolution IS NOT NULL THEN 1 END)",
		q.percentile("first_response", 0.5), q.percentile("resolution", 0.5),
	})
	if err != nil {
		return nil, fmt.Errorf("agent reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			user                      uuid.UUID
			open, resolved            int
			firstResponse, resolution sql.NullInt64
		)
		if err := rows.Scan(&user, &open, &resolved, &firstResponse, &resolution); err != nil {
			return nil, fmt.Errorf("agent reports: %w", err)
		}
		r := byUser[user]
		if r == nil {
			continue // a user deleted since
		}
		r.Open, r.Resolved = open, resolved
		r.MedianFirstResponse, r.MedianResolution = duration(firstResponse), duration(resolution)
	}
	return reports, rows.Err()
}
