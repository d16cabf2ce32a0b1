package templates_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/templates"
)

// TestStore: on both databases, a channel's templates are replaced as a set, listed by name
// and language, found by both, kept apart per tenant and channel, and gone with the channel.
func TestStore(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			ts := st.(templates.Store)
			now := time.Now().UTC().Truncate(time.Microsecond)
			tenant, other := uuid.New(), uuid.New()
			a, b := uuid.New(), uuid.New()
			for _, tn := range []uuid.UUID{tenant, other} {
				must(t, st.CreateTenant(ctx, inbox.Tenant{ID: tn, Name: "T", CreatedAt: now}))
			}
			must(t, st.CreateChannel(ctx, inbox.Channel{ID: a, TenantID: tenant, Kind: inbox.ChannelWhatsApp, Name: "A", Config: map[string]string{}, CreatedAt: now}))
			must(t, st.CreateChannel(ctx, inbox.Channel{ID: b, TenantID: other, Kind: inbox.ChannelWhatsApp, Name: "B", Config: map[string]string{}, CreatedAt: now}))
			tpl := func(name, lang string) templates.Template {
				return templates.Template{Name: name, Language: lang, Category: "UTILITY", Status: "APPROVED",
					Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}"}]`), SyncedAt: now}
			}
			must(t, ts.ReplaceTemplates(ctx, tenant, a, []templates.Template{tpl("welcome", "en"), tpl("order", "de"), tpl("order", "en")}))
			must(t, ts.ReplaceTemplates(ctx, other, b, []templates.Template{tpl("theirs", "en")}))
			list, err := ts.ListTemplates(ctx, tenant, a)
			must(t, err)
			if len(list) != 3 || list[0].Name != "order" || list[0].Language != "de" || list[2].Name != "welcome" ||
				!list[0].SyncedAt.Equal(now) || string(list[0].Components) != `[{"type":"BODY","text":"Hi {{1}}"}]` {
				t.Errorf("listed %+v", list)
			}
			got, err := ts.GetTemplate(ctx, tenant, a, "order", "en")
			if err != nil || got.Name != "order" || got.Language != "en" {
				t.Errorf("get: %+v %v", got, err)
			}
			if _, err := ts.GetTemplate(ctx, other, a, "order", "en"); !errors.Is(err, inbox.ErrNotFound) {
				t.Errorf("another tenant's template: %v", err)
			}
			if list, _ := ts.ListTemplates(ctx, other, a); len(list) != 0 {
				t.Errorf("another tenant lists %+v", list)
			}
			must(t, ts.ReplaceTemplates(ctx, tenant, a, []templates.Template{tpl("welcome", "en")}))
			if list, _ := ts.ListTemplates(ctx, tenant, a); len(list) != 1 {
				t.Errorf("after a replace: %+v", list)
			}
			must(t, st.DeleteChannel(ctx, tenant, a))
			if list, _ := ts.ListTemplates(ctx, tenant, a); len(list) != 0 {
				t.Errorf("templates outlive their channel: %+v", list)
			}
			if list, _ := ts.ListTemplates(ctx, other, b); len(list) != 1 {
				t.Errorf("the other tenant's templates: %+v", list)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
