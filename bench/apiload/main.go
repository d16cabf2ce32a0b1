// Command apiload measures the REST API on a running server: in read mode the conversation
// list with each single filter, the searches, both statistics endpoints and a thread PDF; in
// write mode internal notes and replies. It sends a bounded number of requests, loopback only,
// and prints p50/p99/max and the requests per second per scenario.
//
//	go run ./bench/apiload -url http://127.0.0.1:8080 -token "$(teaminbox token --role admin --tenant ID --user ID)"
//	go run ./bench/apiload -mode write -c 16 -n 2000 -url ... -token ...
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/teaminbox/teaminbox/bench/internal/rest"
)

// scenario sends request i of a series.
type scenario struct {
	name string
	do   func(ctx context.Context, i int) error
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL (loopback)")
	token := flag.String("token", "", "bearer token of a user of the tenant to measure")
	mode := flag.String("mode", "read", "read: lists, searches, statistics; write: notes and replies")
	n := flag.Int("n", 300, "requests per scenario")
	conc := flag.Int("c", 1, "concurrent requests")
	only := flag.String("only", "", "run only the scenarios whose name matches this regular expression (\"search\": the searches)")
	flag.Parse()
	if err := run(*base, *token, *mode, *only, *n, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

func run(base, token, mode, only string, n, conc int) error {
	pick, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	api, err := rest.New(base, token, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	c := &client{api}
	var scenarios []scenario
	switch mode {
	case "read":
		scenarios, err = c.reads()
	case "write":
		scenarios, err = c.writes()
	default:
		err = fmt.Errorf("-mode must be read or write, got %q", mode)
	}
	if err != nil {
		return err
	}
	fmt.Printf("%-42s %8s %8s %8s %8s %8s\n", "scenario", "p50", "p99", "max", "req/s", "errors")
	for _, s := range scenarios {
		if !pick.MatchString(s.name) {
			continue
		}
		lat, elapsed, errs := measure(s.do, n, conc)
		fmt.Printf("%-42s %8s %8s %8s %8.0f %8d\n", s.name, pct(lat, 50), pct(lat, 99), pct(lat, 100), float64(len(lat))/elapsed.Seconds(), errs)
	}
	return nil
}

// reads are the read scenarios, each a GET of one path.
func (c *client) reads() ([]scenario, error) {
	ids, err := c.discover()
	if err != nil {
		return nil, err
	}
	paths := []struct{ name, path string }{
		{"list (default sort)", "/v1/conversations"},
		{"list status=active", "/v1/conversations?status=active"},
		{"list status=closed sort=created_at asc", "/v1/conversations?status=closed&sort_by=created_at&sort_direction=asc"},
		{"list assigned_to", "/v1/conversations?assigned_to=" + ids["user"]},
		{"list assigned_team", "/v1/conversations?assigned_team=" + ids["team"]},
		{"list campaign_id", "/v1/conversations?campaign_id=" + ids["campaign"]},
		{"list broadcast_id", "/v1/conversations?broadcast_id=" + ids["broadcast"]},
		{"list timeframe=24h", "/v1/conversations?timeframe=24h"},
		{"list timeframe=7d", "/v1/conversations?timeframe=7d"},
		{"list channel=telegram", "/v1/conversations?channel=telegram"},
		{"list page 50", "/v1/conversations?page=50"},
		{"search message content", "/v1/conversations?search=" + url.QueryEscape("enterprise plan")},
		// In 2 % of the messages and a fifth of the conversations: the first walk finds a few.
		{"search a word in 2 % of messages", "/v1/conversations?search=germany"},
		// Every message with "enterprise plan" has these words, in the other order.
		{"search words in the other order", "/v1/conversations?search=" + url.QueryEscape("plan enterprise")},
		{"search contact name", "/v1/conversations?search=" + url.QueryEscape(ids["name"])},
		{"search phone", "/v1/conversations?search=" + url.QueryEscape(ids["phone"])},
		{"search + status", "/v1/conversations?status=active&search=invoice"},
		// Only internal notes hold it: its trigrams are common, its matches none.
		{"search phrase in notes only", "/v1/conversations?search=refund"},
		{"statistics v1 (all)", "/v1/conversations/statistics"},
		{"team-inbox stats", "/team-inbox/api/stats/"},
		{"team-inbox messages", "/team-inbox/api/messages/"},
		{"detail with messages", "/v1/conversations/" + ids["conversation"]},
		{"thread PDF of a contact", "/team-inbox/api/export-pdf/?contact_id=" + ids["contact"]},
	}
	scenarios := make([]scenario, len(paths))
	for i, p := range paths {
		scenarios[i] = scenario{p.name, func(ctx context.Context, _ int) error { return c.get(ctx, p.path, nil) }}
	}
	return scenarios, nil
}

// writes are the write scenarios: a note in an active conversation, and a reply in an active
// conversation of the web channel (which has no provider: the reply is stored and announced,
// and nothing is sent out), each request to the next of 100 conversations.
func (c *client) writes() ([]scenario, error) {
	var notes, replies []string
	for _, f := range []struct {
		query string
		ids   *[]string
	}{{"status=active", &notes}, {"status=active&channel=web", &replies}} {
		var list struct {
			Data struct {
				Conversations []struct{ ID string } `json:"conversations"`
			} `json:"data"`
		}
		if err := c.get(context.Background(), "/v1/conversations?limit=100&"+f.query, &list); err != nil {
			return nil, err
		}
		for _, cv := range list.Data.Conversations {
			*f.ids = append(*f.ids, cv.ID)
		}
		if len(*f.ids) == 0 {
			return nil, fmt.Errorf("found no conversation (%s): seed the tenant first", f.query)
		}
	}
	post := func(ids []string, route string, body map[string]any) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			b := maps.Clone(body)
			b["content"] = fmt.Sprint(b["content"], " ", i)
			return c.post(ctx, "/v1/conversations/"+ids[i%len(ids)]+route, b)
		}
	}
	return []scenario{
		{"note", post(notes, "/notes", map[string]any{"content": "Benchmark note"})},
		{"reply (web channel)", post(replies, "/messages", map[string]any{"content": "Benchmark reply", "content_type": "text"})},
	}, nil
}

// client is the REST client with the scenarios' requests.
type client struct{ *rest.Client }

func (c *client) get(ctx context.Context, path string, out any) error {
	return c.Do(ctx, http.MethodGet, path, nil, out)
}

func (c *client) post(ctx context.Context, path string, body any) error {
	return c.Do(ctx, http.MethodPost, path, body, nil)
}

// discover finds ids to filter by: an assigned user and team, a campaign and broadcast,
// and a contact's name and phone.
func (c *client) discover() (map[string]string, error) {
	var list struct {
		Data struct {
			Conversations []struct {
				ID      string `json:"id"`
				EndUser struct {
					ID        string `json:"id"`
					FirstName string `json:"first_name"`
					Phone     string `json:"phone"`
				} `json:"end_user"`
				AssignedUser *struct{ ID string } `json:"assigned_user"`
				AssignedTeam *struct{ ID string } `json:"assigned_team"`
			} `json:"conversations"`
		} `json:"data"`
	}
	ctx := context.Background()
	// The oldest conversations are the seeded ones, whatever traffic came in since.
	if err := c.get(ctx, "/v1/conversations?limit=100&sort_by=created_at&sort_direction=asc", &list); err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, cv := range list.Data.Conversations {
		ids["name"], ids["phone"], ids["contact"] = cv.EndUser.FirstName, cv.EndUser.Phone, cv.EndUser.ID
		ids["conversation"] = cv.ID
		if cv.AssignedUser != nil && cv.AssignedTeam != nil {
			ids["user"], ids["team"] = cv.AssignedUser.ID, cv.AssignedTeam.ID
		}
	}
	var first struct {
		Data struct {
			Conversation struct {
				Broadcast *struct {
					ID         string `json:"id"`
					CampaignID string `json:"campaign_id"`
				} `json:"broadcast"`
			} `json:"conversation"`
		} `json:"data"`
	}
	// A broadcast-linked conversation: scan a few list pages' ids through the detail route.
	var page struct {
		Data struct {
			Conversations []struct{ ID string } `json:"conversations"`
		} `json:"data"`
	}
	if err := c.get(ctx, "/v1/conversations?limit=100&sort_by=created_at&sort_direction=asc", &page); err != nil {
		return nil, err
	}
	for _, cv := range page.Data.Conversations {
		if err := c.get(ctx, "/v1/conversations/"+cv.ID+"?limit=1", &first); err != nil {
			return nil, err
		}
		if b := first.Data.Conversation.Broadcast; b != nil {
			ids["broadcast"], ids["campaign"] = b.ID, b.CampaignID
			break
		}
	}
	for _, k := range []string{"user", "team", "broadcast", "campaign", "name", "phone"} {
		if ids[k] == "" {
			return nil, fmt.Errorf("found no %s to filter by: seed the tenant first", k)
		}
	}
	return ids, nil
}

// measure sends n requests of a scenario, conc at a time, and returns the latencies of those
// that succeeded, the time they all took and how many failed (the first failure is printed).
func measure(do func(ctx context.Context, i int) error, n, conc int) ([]time.Duration, time.Duration, int) {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	jobs := make(chan int)
	for range conc {
		wg.Go(func() {
			for i := range jobs {
				start := time.Now()
				err := do(context.Background(), i)
				d := time.Since(start)
				mu.Lock()
				if err != nil {
					if errs++; errs == 1 {
						fmt.Fprintln(os.Stderr, err)
					}
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return lat, time.Since(start), errs
}

func pct(lat []time.Duration, p int) string {
	if len(lat) == 0 {
		return "-"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p+99)/100-1)
	return s[max(0, i)].Round(10 * time.Microsecond).String()
}
