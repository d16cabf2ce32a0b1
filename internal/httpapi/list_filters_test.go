package httpapi_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestConversationListFilters checks the list's tag, contact, mention and "nobody" filters
// against the demo data: each returns exactly the conversations of the full list that it
// describes, combines with the other filters, refuses bad values with the v1 envelope, and
// returns nothing for another tenant's ids.
func TestConversationListFilters(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			listFilters(t, e)
		})
	}
}

// row is what the filters are checked against in a list row.
type row = map[string]any

func listFilters(t *testing.T, e *env) {
	admin, exec := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleExecutive]
	list := func(token, query string) ([]string, float64) {
		t.Helper()
		r := e.expect(e.do("GET", "/v1/conversations?limit=100&"+query, token, nil), 200, query)
		var ids []string
		for _, c := range r.data()["conversations"].([]any) {
			ids = append(ids, c.(row)["id"].(string))
		}
		return ids, r.data()["pagination"].(row)["total"].(float64)
	}
	all := map[string]row{}
	var order []string
	for _, c := range e.expect(e.do("GET", "/v1/conversations?limit=100", admin, nil), 200, "all").data()["conversations"].([]any) {
		all[c.(row)["id"].(string)] = c.(row)
		order = append(order, c.(row)["id"].(string))
	}
	// expect checks that query lists, in the default order, the conversations of the full
	// list that keep says it keeps, and that there are some.
	expect := func(token, query string, keep func(c row) bool) {
		t.Helper()
		var want []string
		for _, id := range order {
			if keep(all[id]) {
				want = append(want, id)
			}
		}
		got, total := list(token, query)
		if len(want) == 0 {
			t.Errorf("%s: the demo has no conversation to list", query)
		}
		if !slices.Equal(got, want) || total != float64(len(want)) {
			t.Errorf("%s: total %v, ids %v; want %v", query, total, got, want)
		}
	}

	tags := e.expect(e.do("GET", "/v1/tags", admin, nil), 200, "tags").data()["tags"].([]any)
	vip := tags[0].(row)
	expect(admin, "tag_id="+vip["id"].(string), func(c row) bool { return slices.Contains(c["tags"].([]any), vip["name"]) })
	for _, id := range order {
		if slices.Contains(all[id]["tags"].([]any), vip["name"]) {
			status := all[id]["status"]
			expect(admin, "tag_id="+vip["id"].(string)+"&status="+status.(string), func(c row) bool {
				return slices.Contains(c["tags"].([]any), vip["name"]) && c["status"] == status
			})
			break
		}
	}
	expect(admin, "assigned_to=unassigned", func(c row) bool { return c["assigned_user"] == nil })
	expect(admin, "assigned_team=none", func(c row) bool { return c["assigned_team"] == nil })
	expect(admin, "assigned_to=unassigned&assigned_team=none&channel=whatsapp", func(c row) bool {
		return c["assigned_user"] == nil && c["assigned_team"] == nil && c["channel"].(row)["name"] == "whatsapp"
	})
	someone := all[order[0]]["end_user"].(row)
	expect(admin, "contact_id="+someone["id"].(string), func(c row) bool { return c["end_user"].(row)["id"] == someone["id"] })
	expect(admin, "contact_id="+someone["id"].(string)+"&search="+url.QueryEscape(someone["first_name"].(string)), func(c row) bool {
		return c["end_user"].(row)["id"] == someone["id"]
	})

	// A note mentioning the executive adds its conversation to the executive's list only.
	mentions, n := list(exec, "mentioned=me")
	var quiet string
	for _, id := range order {
		if !slices.Contains(mentions, id) {
			quiet = id
			break
		}
	}
	adminMentions, _ := list(admin, "mentioned=me")
	e.expect(e.do("POST", "/v1/conversations/"+quiet+"/notes", admin, map[string]any{
		"content": "Over to you", "mentioned_users": []string{userID(auth.RoleExecutive)}}), 201, "note")
	after, m := list(exec, "mentioned=me")
	if m != n+1 || !slices.Contains(after, quiet) {
		t.Errorf("mentioned=me: %v (total %v) after the note on %s, %v (total %v) before", after, m, quiet, mentions, n)
	}
	if again, _ := list(admin, "mentioned=me"); !slices.Equal(again, adminMentions) {
		t.Errorf("the admin's mentions changed with a note mentioning the executive: %v, then %v", adminMentions, again)
	}
	status := all[quiet]["status"].(string)
	if got, _ := list(exec, "mentioned=me&status="+status+"&sort_by=created_at"); !slices.Contains(got, quiet) {
		t.Errorf("mentioned=me&status=%s misses %s: %v", status, quiet, got)
	}

	// Another tenant's ids are no error, and match nothing here.
	for _, q := range []string{"tag_id=" + e.b.tag.String(), "contact_id=" + e.b.contact.String()} {
		if got, total := list(admin, q); len(got) != 0 || total != 0 {
			t.Errorf("%s: %v (total %v), want none", q, got, total)
		}
	}
	for _, q := range []string{"tag_id=vip", "contact_id=42", "assigned_to=nobody", "assigned_to=none", "assigned_team=unassigned",
		"assigned_team=x", "mentioned=you", "mentioned=" + userID(auth.RoleExecutive)} {
		e.expect(e.do("GET", "/v1/conversations?"+q, admin, nil), 400, q)
	}
}

func userID(r auth.Role) string { return seed.DemoUserID(r).String() }
