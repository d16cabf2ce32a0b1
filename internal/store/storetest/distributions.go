package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

// WantDistribution is the distribution of values computed in Go, percentiles by
// percentile_disc's definition (the value at rank ceil(p·n)): what the store must answer.
func WantDistribution(values []time.Duration) *inbox.Distribution {
	v := slices.Clone(values)
	slices.Sort(v)
	d := &inbox.Distribution{Count: len(v), Buckets: make([]int, len(inbox.DistributionBounds)+1)}
	for _, x := range v {
		i, _ := slices.BinarySearch(inbox.DistributionBounds, x) // the first bound ≥ x
		d.Buckets[i]++
	}
	d.Median, d.P75, d.P90, d.P95 = percentileDisc(v, 0.5), percentileDisc(v, 0.75), percentileDisc(v, 0.9), percentileDisc(v, 0.95)
	return d
}

// percentileDisc is the value at rank ceil(p·n) of sorted; nil when it is empty.
func percentileDisc(sorted []time.Duration, p float64) *time.Duration {
	if len(sorted) == 0 {
		return nil
	}
	k := max(1, int(math.Ceil(p*float64(len(sorted)))))
	return &sorted[k-1]
}

// WantExtras computes in Go the extras of the statistics over convs, the conversations the
// range and team select, for users (in the order the answer lists them).
func WantExtras(convs []inbox.Conversation, users []inbox.AgentReport) (firstResponse, resolution *inbox.Distribution, agents []inbox.AgentReport) {
	var fr, res []time.Duration
	byUser := map[uuid.UUID][2][]time.Duration{}
	agents = slices.Clone(users)
	for _, c := range convs {
		var d [2][]time.Duration
		if c.FirstResponseAt != nil {
			d[0] = []time.Duration{c.FirstResponseAt.Sub(c.CreatedAt)}
		}
		if c.ResolvedAt != nil {
			d[1] = []time.Duration{c.ResolvedAt.Sub(c.CreatedAt)}
		}
		fr, res = append(fr, d[0]...), append(res, d[1]...)
		if c.AssignedUserID == nil {
			continue
		}
		i := slices.IndexFunc(agents, func(a inbox.AgentReport) bool { return a.User.ID == *c.AssignedUserID })
		if i < 0 {
			continue
		}
		switch {
		case c.Status != inbox.StatusClosed:
			agents[i].Open++
		case c.ResolvedAt != nil:
			agents[i].Resolved++
		}
		u := byUser[*c.AssignedUserID]
		byUser[*c.AssignedUserID] = [2][]time.Duration{append(u[0], d[0]...), append(u[1], d[1]...)}
	}
	for i := range agents {
		u := byUser[agents[i].User.ID]
		agents[i].MedianFirstResponse, agents[i].MedianResolution = WantDistribution(u[0]).Median, WantDistribution(u[1]).Median
	}
	return WantDistribution(fr), WantDistribution(res), agents
}

// testStatisticsExtras: the distributions and the agents' rows, which the store computes in
// SQL from the conversations, equal those computed in Go from the same conversations, for
// a business in New York (its local days are not UTC's), with ties, an odd and an even
// number of values, conversations just outside the range, another business's, another
// team's, unassigned ones and a deactivated agent's.
func testStatisticsExtras(t *testing.T, f *fixture) {
	ts := f.st.(tenancy.Store)
	biz := inbox.Tenant{ID: id(), Name: "New York shop", CreatedAt: t0, TimeZone: "America/New_York"}
	owner := inbox.User{ID: id(), TenantID: biz.ID, FirstName: "Ada", LastName: "Owner", Email: "ada-" + biz.ID.String() + "@example.com",
		Role: auth.RoleSuperAdmin, PasswordHash: "hash", CreatedAt: t0}
	f.must(ts.CreateBusiness(f.ctx, biz, owner))
	a, b := biz.ID, f.tenant("Elsewhere")
	ann, bob, cyd, dee := f.user(a, "Ann", auth.RoleExecutive), f.user(a, "Bob", auth.RoleExecutive), f.user(a, "Cyd", auth.RoleExecutive), f.user(a, "Dee", auth.RoleAdmin)
	f.must(f.st.SetUserDeactivated(f.ctx, a, cyd.ID, &t0))
	var teams []uuid.UUID
	for _, name := range []string{"Sales", "Support"} {
		team := inbox.Team{ID: id(), TenantID: a, Name: name, CreatedAt: t0}
		f.must(f.st.CreateTeam(f.ctx, team))
		teams = append(teams, team.ID)
	}
	ch, other := f.channel(a, inbox.ChannelWhatsApp), f.channel(b, inbox.ChannelWhatsApp)

	// Durations with ties, on the buckets' bounds and past the last one.
	durations := []time.Duration{30 * time.Second, 30 * time.Second, time.Minute, 90 * time.Second, 5 * time.Minute,
		5 * time.Minute, 14 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 20 * time.Hour, 24 * time.Hour,
		49 * time.Hour, 72 * time.Hour, 100 * time.Hour, 1500 * time.Millisecond}
	assignees := []*uuid.UUID{&ann.ID, &bob.ID, &cyd.ID, nil, &ann.ID}
	ny, err := time.LoadLocation("America/New_York")
	f.must(err)
	// November 1, 2026 ends daylight saving time in New York: 25 local hours.
	first := time.Date(2026, 10, 31, 0, 0, 0, 0, ny)
	var all []inbox.Conversation
	for i := range 41 {
		created := first.Add(time.Duration(i) * 137 * time.Minute)
		switch i { // the edges of the range November 1-3 (local)
		case 0:
			created = time.Date(2026, 10, 31, 23, 59, 59, 0, ny)
		case 1:
			created = time.Date(2026, 11, 1, 0, 0, 0, 0, ny)
		case 2:
			created = time.Date(2026, 11, 3, 23, 59, 59, 999999000, ny)
		case 3:
			created = time.Date(2026, 11, 4, 0, 0, 0, 0, ny)
		}
		c := f.conversation(a, f.contact(a, "C", fmt.Sprintf("+1555%07d", i)).ID, ch.ID, created.UTC(), func(c *inbox.Conversation) {
			c.AssignedUserID = assignees[i%len(assignees)]
			if i%3 > 0 {
				c.AssignedTeamID = &teams[i%3-1]
			}
			if i%4 != 3 {
				c.FirstResponseAt = ptr(c.CreatedAt.Add(durations[i%len(durations)]))
			}
			switch i % 5 {
			case 0, 2:
				c.Status, c.ResolvedAt, c.ClosedAt = inbox.StatusClosed, ptr(c.CreatedAt.Add(durations[(i*7)%len(durations)]+time.Hour)), ptr(c.CreatedAt)
			case 3:
				c.Status = inbox.StatusPending
			case 4:
				if i%2 == 0 {
					c.Status = inbox.StatusClosed // closed without a resolution: not resolved
				}
			}
		})
		all = append(all, c)
	}
	// Another business's conversation in the range must not count.
	f.conversation(b, f.contact(b, "X", "+15550009999").ID, other.ID, time.Date(2026, 11, 2, 12, 0, 0, 0, ny), func(c *inbox.Conversation) {
		c.FirstResponseAt, c.AssignedUserID = ptr(c.CreatedAt.Add(time.Second)), nil
	})

	users := []inbox.AgentReport{ // active ones first, then by name
		{User: inbox.UserRef{ID: owner.ID, FirstName: "Ada", LastName: "Owner"}, Active: true},
		{User: inbox.UserRef{ID: ann.ID, FirstName: "Ann", LastName: "Agent"}, Active: true},
		{User: inbox.UserRef{ID: bob.ID, FirstName: "Bob", LastName: "Agent"}, Active: true},
		{User: inbox.UserRef{ID: dee.ID, FirstName: "Dee", LastName: "Agent"}, Active: true},
		{User: inbox.UserRef{ID: cyd.ID, FirstName: "Cyd", LastName: "Agent"}},
	}
	day := func(s string) *time.Time { v, err := time.Parse(time.DateOnly, s); f.must(err); return &v }
	cases := []struct {
		name   string
		filter inbox.StatsFilter
		keep   func(c inbox.Conversation) bool
	}{
		{"everything", inbox.StatsFilter{}, func(inbox.Conversation) bool { return true }},
		{"November 1-3, local", inbox.StatsFilter{Start: day("2026-11-01"), End: day("2026-11-04")}, func(c inbox.Conversation) bool {
			d := c.CreatedAt.In(ny).Format(time.DateOnly)
			return d >= "2026-11-01" && d <= "2026-11-03"
		}},
		{"from November 2", inbox.StatsFilter{Start: day("2026-11-02")}, func(c inbox.Conversation) bool {
			return c.CreatedAt.In(ny).Format(time.DateOnly) >= "2026-11-02"
		}},
		{"Sales until November 2", inbox.StatsFilter{End: day("2026-11-03"), TeamID: &teams[0]}, func(c inbox.Conversation) bool {
			return c.CreatedAt.In(ny).Format(time.DateOnly) < "2026-11-03" && c.AssignedTeamID != nil && *c.AssignedTeamID == teams[0]
		}},
	}
	parity := map[int]bool{}
	for _, tc := range cases {
		var kept []inbox.Conversation
		for _, c := range all {
			if tc.keep(c) {
				kept = append(kept, c)
			}
		}
		tc.filter.Distributions, tc.filter.Agents = true, true
		got, err := f.st.ConversationStats(f.ctx, a, tc.filter)
		f.must(err)
		if got.Total != len(kept) {
			t.Errorf("%s: the day counters count %d conversations, the range holds %d", tc.name, got.Total, len(kept))
		}
		fr, res, agents := WantExtras(kept, users)
		parity[fr.Count%2], parity[res.Count%2] = true, true
		if diff := cmp.Diff(fr, got.FirstResponse); diff != "" {
			t.Errorf("%s: first response (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(res, got.Resolution); diff != "" {
			t.Errorf("%s: resolution (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(agents, got.Agents); diff != "" {
			t.Errorf("%s: agents (-want +got):\n%s", tc.name, diff)
		}
		// Without include, no extras.
		plain, err := f.st.ConversationStats(f.ctx, a, inbox.StatsFilter{Start: tc.filter.Start, End: tc.filter.End, TeamID: tc.filter.TeamID})
		f.must(err)
		if plain.FirstResponse != nil || plain.Resolution != nil || plain.Agents != nil || plain.Total != got.Total {
			t.Errorf("%s: without extras: %+v", tc.name, plain)
		}
	}
	if !parity[0] || !parity[1] {
		t.Errorf("the cases must have both odd and even counts of values: %v", parity)
	}

	// A business with no conversations: empty distributions, its users with nothing.
	empty, err := f.st.ConversationStats(f.ctx, b, inbox.StatsFilter{Start: day("2030-01-01"), Distributions: true, Agents: true})
	f.must(err)
	if diff := cmp.Diff(WantDistribution(nil), empty.FirstResponse); diff != "" || empty.Resolution == nil || empty.Agents == nil {
		t.Errorf("an empty range (-want +got):\n%s\n%+v", diff, empty)
	}
}
