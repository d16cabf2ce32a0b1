package httpapi_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestSearchByCursor reads a search of the demo page by page through next_cursor: together
// the pages are the one page of 100 in its order, none twice; each page but the last says
// "more than its total"; a cursor that is not one, or given with another order or a page
// number, is a 400 naming cursor; another tenant's matches never show.
func TestSearchByCursor(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			admin := e.tokenOf[auth.RoleAdmin]
			search := func(query string) ([]string, row) {
				t.Helper()
				r := e.expect(e.do("GET", "/v1/conversations?"+query, admin, nil), 200, query)
				var ids []string
				for _, c := range r.data()["conversations"].([]any) {
					ids = append(ids, c.(row)["id"].(string))
				}
				return ids, r.data()["pagination"].(row)
			}
			all, pg := search("search=plan&limit=100")
			if len(all) < 3 || pg["more"] != false || pg["next_cursor"] != nil || pg["total"] != float64(len(all)) || pg["pages"] != 1.0 {
				t.Fatalf("one page of 100: %d conversations, pagination %v", len(all), pg)
			}
			var got []string
			for query := "search=plan&limit=2"; ; {
				ids, pg := search(query)
				got = append(got, ids...)
				next, _ := pg["next_cursor"].(string)
				last := len(got) == len(all)
				if last == (next != "") || pg["more"] != (len(all)-len(got) > 0) || len(ids) != 2 && !last {
					t.Fatalf("after %d of %d: pagination %v", len(got), len(all), pg)
				}
				if pg["more"] == true && (pg["total"] != 2.0 || pg["pages"] != 2.0) {
					t.Errorf("a page with more: pagination %v, want total 2 of 2 pages and more", pg)
				}
				if last {
					break
				}
				query = "search=plan&limit=2&cursor=" + url.QueryEscape(next)
			}
			if !slices.Equal(got, all) {
				t.Errorf("pages by cursor %v, want %v", got, all)
			}
			_, pg = search("search=plan&limit=2")
			cursor := url.QueryEscape(pg["next_cursor"].(string))
			for _, q := range []string{"search=plan&cursor=abc", "search=plan&cursor=" + cursor[:len(cursor)-2], "cursor=" + cursor,
				"search=plan&sort_by=created_at&cursor=" + cursor, "search=plan&sort_direction=asc&cursor=" + cursor, "search=plan&page=2&cursor=" + cursor} {
				r := e.expect(e.do("GET", "/v1/conversations?"+q, admin, nil), 400, q)
				if r.details()["cursor"] == nil {
					t.Errorf("%s: the 400 does not name cursor: %s", q, r.Raw)
				}
			}
			// Page numbers past the first still count every match.
			ids, pg := search("search=plan&limit=2&page=2")
			if !slices.Equal(ids, all[2:4]) || pg["total"] != float64(len(all)) || pg["more"] != nil {
				t.Errorf("page 2: %v, pagination %v; want %v of %d", ids, pg, all[2:4], len(all))
			}
			for _, q := range []string{"search=secret", "search=Secret+Customer", "search=%2B1555999"} {
				if ids, pg := search(q); len(ids) != 0 || pg["total"] != 0.0 {
					t.Errorf("%s: tenant B's %v (pagination %v) show", q, ids, pg)
				}
			}
		})
	}
}
