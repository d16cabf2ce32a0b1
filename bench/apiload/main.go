// Command apiload measures the REST API's read latency on a running server: the conversation
// list with each single filter, the content search, and both statistics endpoints. It sends
// a bounded number of requests, loopback only, and prints p50/p99/max per scenario.
//
//	go run ./bench/apiload -url http://127.0.0.1:8080 -token "$(teaminbox token --role admin --tenant ID --user ID)"
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type scenario struct {
	name, path string
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL (loopback)")
	token := flag.String("token", "", "bearer token of a user of the tenant to measure")
	n := flag.Int("n", 300, "requests per scenario")
	conc := flag.Int("c", 1, "concurrent requests")
	flag.Parse()
	if err := run(*base, *token, *n, *conc); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

func run(base, token string, n, conc int) error {
	u, err := url.Parse(base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		return fmt.Errorf("-url must be a loopback address, got %q", base)
	}
	c := &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
	ids, err := c.discover()
	if err != nil {
		return err
	}
	scenarios := []scenario{
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
		{"search contact name", "/v1/conversations?search=" + url.QueryEscape(ids["name"])},
		{"search phone", "/v1/conversations?search=" + url.QueryEscape(ids["phone"])},
		{"search + status", "/v1/conversations?status=active&search=invoice"},
		{"statistics v1 (all)", "/v1/conversations/statistics"},
		{"team-inbox stats", "/team-inbox/api/stats/"},
		{"team-inbox messages", "/team-inbox/api/messages/"},
		{"thread PDF of a contact", "/team-inbox/api/export-pdf/?contact_id=" + ids["contact"]},
	}
	fmt.Printf("%-42s %8s %8s %8s %8s\n", "scenario", "p50", "p99", "max", "errors")
	for _, s := range scenarios {
		lat, errs := c.measure(s.path, n, conc)
		fmt.Printf("%-42s %8s %8s %8s %8d\n", s.name, pct(lat, 50), pct(lat, 99), pct(lat, 100), errs)
	}
	return nil
}

type client struct {
	base, token string
	http        *http.Client
}

func (c *client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// discover finds ids to filter by: an assigned user and team, a campaign and broadcast,
// and a contact's name and phone.
func (c *client) discover() (map[string]string, error) {
	var list struct {
		Data struct {
			Conversations []struct {
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

func (c *client) measure(path string, n, conc int) ([]time.Duration, int) {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	jobs := make(chan struct{})
	for range conc {
		wg.Go(func() {
			for range jobs {
				start := time.Now()
				err := c.get(context.Background(), path, nil)
				d := time.Since(start)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return lat, errs
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
