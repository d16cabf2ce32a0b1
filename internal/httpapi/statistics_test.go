package httpapi_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// statistics is the answer of GET /v1/conversations/statistics, the extras typed.
type statistics struct {
	Total         int           `json:"total_conversations"`
	FirstResponse *distribution `json:"first_response"`
	Resolution    *distribution `json:"resolution"`
	Agents        []agentReport `json:"agents"`
}

type distribution struct {
	Count   int      `json:"count"`
	Median  *float64 `json:"median_seconds"`
	P75     *float64 `json:"p75_seconds"`
	P90     *float64 `json:"p90_seconds"`
	P95     *float64 `json:"p95_seconds"`
	Buckets []struct {
		UpTo  *float64 `json:"up_to_seconds"`
		Count int      `json:"count"`
	} `json:"buckets"`
}

type agentReport struct {
	UserID              uuid.UUID `json:"user_id"`
	FirstName           string    `json:"first_name"`
	LastName            string    `json:"last_name"`
	Active              bool      `json:"active"`
	Open                int       `json:"open"`
	Resolved            int       `json:"resolved"`
	MedianFirstResponse *float64  `json:"median_first_response_seconds"`
	MedianResolution    *float64  `json:"median_resolution_seconds"`
}

func (e *env) statistics(token, query string) statistics {
	e.t.Helper()
	r := e.expect(e.do("GET", "/v1/conversations/statistics?"+query, token, nil), 200, "statistics "+query)
	var out struct{ Data statistics }
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Data
}

// conversationsOf pages through the whole list as the token sees it.
func (e *env) conversationsOf(token string) []inbox.Conversation {
	e.t.Helper()
	var out []inbox.Conversation
	for page := 1; ; page++ {
		r := e.expect(e.do("GET", fmt.Sprintf("/v1/conversations?limit=100&page=%d", page), token, nil), 200, "list")
		var list struct {
			Data struct{ Conversations []inbox.ConversationView }
		}
		if err := json.Unmarshal(r.Raw, &list); err != nil {
			e.t.Fatal(err)
		}
		for _, v := range list.Data.Conversations {
			c := inbox.Conversation{ID: v.ID, Status: v.Status, CreatedAt: v.CreatedAt, FirstResponseAt: v.FirstResponseAt, ResolvedAt: v.ResolvedAt}
			if v.AssignedUser != nil {
				c.AssignedUserID = &v.AssignedUser.ID
			}
			if v.AssignedTeam != nil {
				c.AssignedTeamID = &v.AssignedTeam.ID
			}
			out = append(out, c)
		}
		if len(list.Data.Conversations) < 100 {
			return out
		}
	}
}

// wantStatistics computes the extras in Go from the conversations, in the answer's form, for
// the users the answer lists (their order checked apart).
func wantStatistics(convs []inbox.Conversation, got []agentReport) statistics {
	users := make([]inbox.AgentReport, len(got))
	for i, a := range got {
		users[i] = inbox.AgentReport{User: inbox.UserRef{ID: a.UserID, FirstName: a.FirstName, LastName: a.LastName}, Active: a.Active}
	}
	fr, res, agents := storetest.WantExtras(convs, users)
	out := statistics{Total: len(convs), FirstResponse: distributionOf(fr), Resolution: distributionOf(res)}
	for _, a := range agents {
		out.Agents = append(out.Agents, agentReport{UserID: a.User.ID, FirstName: a.User.FirstName, LastName: a.User.LastName, Active: a.Active,
			Open: a.Open, Resolved: a.Resolved, MedianFirstResponse: seconds(a.MedianFirstResponse), MedianResolution: seconds(a.MedianResolution)})
	}
	return out
}

func distributionOf(d *inbox.Distribution) *distribution {
	out := &distribution{Count: d.Count, Median: seconds(d.Median), P75: seconds(d.P75), P90: seconds(d.P90), P95: seconds(d.P95)}
	for i, n := range d.Buckets {
		b := struct {
			UpTo  *float64 `json:"up_to_seconds"`
			Count int      `json:"count"`
		}{Count: n}
		if i < len(inbox.DistributionBounds) {
			b.UpTo = seconds(&inbox.DistributionBounds[i])
		}
		out.Buckets = append(out.Buckets, b)
	}
	return out
}

func seconds(d *time.Duration) *float64 {
	if d == nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// TestStatisticsInclude: include=distributions,agents adds the extras (a viewer may read
// them, as the rest of the statistics), each alone adds its own, none adds nothing, and any
// other value is refused naming include.
func TestStatisticsInclude(t *testing.T) {
	e := newEnv(t)
	viewer := e.tokenOf[auth.RoleViewer]
	all := e.statistics(viewer, "include=distributions,agents")
	if want := wantStatistics(e.conversationsOf(viewer), all.Agents); !gocmp.Equal(want, all) {
		t.Errorf("statistics (-want +got):\n%s", gocmp.Diff(want, all))
	}
	if all.FirstResponse == nil || all.FirstResponse.Count == 0 || len(all.FirstResponse.Buckets) != 8 || all.FirstResponse.Buckets[7].UpTo != nil ||
		*all.FirstResponse.Buckets[0].UpTo != 60 || *all.FirstResponse.Buckets[6].UpTo != 259200 {
		t.Errorf("first response %+v", all.FirstResponse)
	}
	users := e.expect(e.do("GET", "/v1/users", viewer, nil), 200, "users").data()["users"].([]any)
	if len(all.Agents) != len(users) || !slices.IsSortedFunc(all.Agents, func(a, b agentReport) int {
		return cmp.Or(-boolCmp(a.Active, b.Active), cmp.Compare(a.FirstName, b.FirstName), cmp.Compare(a.LastName, b.LastName))
	}) {
		t.Errorf("agents %+v, want every one of the %d users, active ones first, then by name", all.Agents, len(users))
	}

	for query, want := range map[string][3]bool{ // first_response, resolution, agents
		"":                          {},
		"include=":                  {},
		"include=distributions":     {true, true, false},
		"include=agents":            {false, false, true},
		"include=agents,,%20agents": {false, false, true},
	} {
		r := e.expect(e.do("GET", "/v1/conversations/statistics?"+query, viewer, nil), 200, query).data()
		for i, key := range []string{"first_response", "resolution", "agents"} {
			if _, ok := r[key]; ok != want[i] {
				t.Errorf("%q: %s present %v, want %v", query, key, ok, want[i])
			}
		}
	}
	for _, query := range []string{"include=everything", "include=distributions,agent", "include=Agents", "include=distributions%3Bagents"} {
		r := e.expect(e.do("GET", "/v1/conversations/statistics?"+query, viewer, nil), 400, query)
		if d, _ := r.Body["error"].(map[string]any)["details"].(map[string]any); d["include"] == nil {
			t.Errorf("%s: no detail for include: %s", query, r.Raw)
		}
	}
	e.expect(e.do("GET", "/v1/conversations/statistics?include=distributions", "", nil), 401, "no token")
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// TestStatisticsOfSeededData: on the benchmarks' generated data (seed.Bulk, small), the
// extras equal what Go computes from the conversations the list API gives, for the whole
// time, a range of days and a team, on both databases: the reports' figures rest on this.
func TestStatisticsOfSeededData(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			tenant, admin, err := seed.Bulk(context.Background(), e.st, auth.NewHasher(cheapArgon, 1), 400, 2000, e.now, nil)
			if err != nil {
				t.Fatal(err)
			}
			token := e.issue(auth.Principal{TenantID: tenant, UserID: admin, Role: auth.RoleAdmin}, auth.AudienceAPI, time.Hour)
			convs := e.conversationsOf(token)
			if len(convs) != 400 {
				t.Fatalf("the list holds %d conversations", len(convs))
			}
			start, end := e.now.AddDate(0, 0, -40).Format(time.DateOnly), e.now.AddDate(0, 0, -10).Format(time.DateOnly)
			var team uuid.UUID
			for _, c := range convs {
				if c.AssignedTeamID != nil {
					team = *c.AssignedTeamID
					break
				}
			}
			for query, keep := range map[string]func(c inbox.Conversation) bool{
				"": func(inbox.Conversation) bool { return true },
				"start_date=" + start + "&end_date=" + end: func(c inbox.Conversation) bool {
					d := c.CreatedAt.UTC().Format(time.DateOnly)
					return d >= start && d <= end
				},
				"team_id=" + team.String(): func(c inbox.Conversation) bool { return c.AssignedTeamID != nil && *c.AssignedTeamID == team },
			} {
				got := e.statistics(token, query+"&include=distributions,agents")
				var kept []inbox.Conversation
				for _, c := range convs {
					if keep(c) {
						kept = append(kept, c)
					}
				}
				want := wantStatistics(kept, got.Agents)
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Errorf("%q (-want +got):\n%s", query, diff)
				}
				if got.FirstResponse.Count < 50 || got.Resolution.Count < 20 || len(got.Agents) != 12 {
					t.Errorf("%q: too little to compare: %d first responses, %d resolutions, %d agents", query,
						got.FirstResponse.Count, got.Resolution.Count, len(got.Agents))
				}
			}
		})
	}
}
