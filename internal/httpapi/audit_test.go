package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestAuditLog checks that tag and channel changes are recorded with their actor, address and
// states (secrets left out), that the log filters and pages, that only admins read it, and
// that a business sees only its own entries.
func TestAuditLog(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			admin := e.tokenOf[auth.RoleAdmin]

			tag := e.expect(e.do("POST", "/v1/tags", admin, map[string]any{"name": "audit-me", "color": "#ff0000"}), 201, "create tag")
			tagID := tag.data()["tag"].(map[string]any)["id"].(string)
			e.expect(e.do("PATCH", "/v1/tags/"+tagID, admin, map[string]any{"name": "VIP customers"}), 200, "rename tag")
			e.expect(e.do("DELETE", "/v1/tags/"+tagID, admin, nil), 200, "delete tag")
			// A refused change is not recorded.
			e.expect(e.do("PATCH", "/v1/tags/"+tagID, admin, map[string]any{"name": "gone"}), 404, "rename a deleted tag")

			ch := e.expect(e.do("POST", "/v1/channels", admin, map[string]any{"kind": "whatsapp", "name": "Sales line",
				"config": map[string]string{"phone_number_id": "123", "access_token": "very-secret-token"}}), 201, "create channel")
			chID := ch.data()["channel"].(map[string]any)["id"].(string)
			e.expect(e.do("PATCH", "/v1/channels/"+chID, admin, map[string]any{"name": "Sales"}), 200, "rename channel")

			all := e.expect(e.do("GET", "/v1/audit-log", admin, nil), 200, "audit log")
			if got := string(all.Raw); strings.Contains(got, "very-secret-token") {
				t.Fatalf("the audit log holds a channel secret: %s", got)
			}
			entries := auditEntries(t, all)
			want := []string{"channel.updated", "channel.created", "tag.deleted", "tag.updated", "tag.created"}
			if len(entries) != len(want) {
				t.Fatalf("audit log has %d entries, want %d: %s", len(entries), len(want), all.Raw)
			}
			adminID := seed.DemoUserID(auth.RoleAdmin)
			for i, a := range want {
				en := entries[i]
				if en.Action != a || en.ActorID == nil || *en.ActorID != adminID || en.IP != "127.0.0.1" {
					t.Errorf("entry %d = %+v, want %s by %s from 127.0.0.1", i, en, a, adminID)
				}
			}
			var before, after struct{ Name string }
			_ = json.Unmarshal(entries[3].Before, &before)
			_ = json.Unmarshal(entries[3].After, &after)
			if before.Name != "audit-me" || after.Name != "VIP customers" {
				t.Errorf("tag.updated before %s after %s", entries[3].Before, entries[3].After)
			}
			if string(entries[4].Before) != "null" || entries[4].ObjectID != tagID || entries[4].ObjectType != "tag" {
				t.Errorf("tag.created = %+v", entries[4])
			}

			// Filters and the cursor.
			byObject := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?object_type=channel&object_id="+chID, admin, nil), 200, "by object"))
			if len(byObject) != 2 || byObject[0].Action != "channel.updated" {
				t.Errorf("by object: %+v", byObject)
			}
			page1 := e.expect(e.do("GET", "/v1/audit-log?limit=2", admin, nil), 200, "page 1")
			next, _ := page1.data()["next_before"].(string)
			page2 := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?limit=2&before="+next, admin, nil), 200, "page 2"))
			if len(page2) != 2 || page2[0].Action != "tag.deleted" || page2[1].Action != "tag.updated" {
				t.Errorf("page 2: %+v", page2)
			}
			if n := len(auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?action=tag.created", admin, nil), 200, "by action"))); n != 1 {
				t.Errorf("by action: %d entries", n)
			}

			// Bad input, roles, and another business.
			e.expect(e.do("GET", "/v1/audit-log?limit=0", admin, nil), 400, "limit 0")
			e.expect(e.do("GET", "/v1/audit-log?actor_id=nope", admin, nil), 400, "bad actor id")
			e.expect(e.do("GET", "/v1/audit-log?before="+entries[0].ID.String(), e.b.token, nil), 400, "another business's cursor")
			e.expect(e.do("GET", "/v1/audit-log", e.tokenOf[auth.RoleExecutive], nil), 403, "executive")
			e.expect(e.do("GET", "/v1/audit-log", "", nil), 401, "anonymous")
			if other := auditEntries(t, e.expect(e.do("GET", "/v1/audit-log", e.b.token, nil), 200, "other business")); len(other) != 0 {
				t.Errorf("another business sees %d entries", len(other))
			}
		})
	}
}

// auditEntries decodes the entries of an audit log page.
func auditEntries(t *testing.T, r reply) []audit.Entry {
	t.Helper()
	var body struct {
		Data struct{ Entries []audit.Entry }
	}
	if err := json.Unmarshal(r.Raw, &body); err != nil {
		t.Fatalf("decode audit log: %v: %s", err, r.Raw)
	}
	return body.Data.Entries
}

// TestAuditLogFilters filters the log by person, action and time range, alone and
// together, on both databases; a bad person or instant is a 400 naming it.
func TestAuditLogFilters(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *options) { o.open = open })
			admin, super := e.tokenOf[auth.RoleAdmin], e.tokenOf[auth.RoleSuperAdmin]
			start := time.Now().UTC().Add(-time.Second)
			e.expect(e.do("POST", "/v1/tags", admin, map[string]any{"name": "by-admin", "color": "#ff0000"}), 201, "admin's tag")
			e.expect(e.do("POST", "/v1/tags", super, map[string]any{"name": "by-super", "color": "#00ff00"}), 201, "super's tag")
			e.expect(e.do("POST", "/v1/teams", super, map[string]any{"name": "Audited team"}), 201, "super's team")
			end := time.Now().UTC().Add(time.Second)

			list := func(query string) []string {
				t.Helper()
				var actions []string
				for _, en := range auditEntries(t, e.expect(e.do("GET", "/v1/audit-log?"+query, admin, nil), 200, query)) {
					actions = append(actions, en.Action)
				}
				return actions
			}
			superID, adminID := seed.DemoUserID(auth.RoleSuperAdmin).String(), seed.DemoUserID(auth.RoleAdmin).String()
			window := "from=" + url.QueryEscape(start.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(end.Format(time.RFC3339Nano))
			later := "from=" + url.QueryEscape(end.Format(time.RFC3339Nano))
			earlier := "to=" + url.QueryEscape(start.Format(time.RFC3339Nano))
			for query, want := range map[string]string{
				"actor_id=" + superID:                          "team.created tag.created",
				"actor_id=" + adminID:                          "tag.created",
				"action=team.created":                          "team.created",
				"actor_id=" + superID + "&action=tag.created":  "tag.created",
				"actor_id=" + adminID + "&action=team.created": "",
				window: "team.created tag.created tag.created",
				window + "&actor_id=" + superID + "&limit=1": "team.created",
				later:                          "",
				earlier:                        "",
				"actor_id=" + uuid.NewString(): "",
				"action=tag.created&" + window + "&object_type=x": "",
			} {
				if got := strings.Join(list(query), " "); got != want {
					t.Errorf("%s: %q, want %q", query, got, want)
				}
			}
			for query, field := range map[string]string{"from=yesterday": "from", "to=2026-13-01": "to", "actor_id=42": "actor_id"} {
				r := e.expect(e.do("GET", "/v1/audit-log?"+query, admin, nil), 400, query)
				if d, _ := r.Body["error"].(map[string]any)["details"].(map[string]any); d[field] == nil {
					t.Errorf("%s: no detail for %s: %s", query, field, r.Raw)
				}
			}
		})
	}
}
