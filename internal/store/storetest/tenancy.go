package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

// testBusinessTimeZones: the statistics count days in the business's time zone, across both
// changes of daylight saving time in Europe/Berlin (2026-03-29 01:00 UTC, 2026-10-25 01:00
// UTC), and a new zone moves every conversation to its new local day.
func testBusinessTimeZones(t *testing.T, f *fixture) {
	ts := f.st.(tenancy.Store)
	a := inbox.Tenant{ID: id(), Name: "Berlin shop", CreatedAt: t0, TimeZone: "Europe/Berlin", DefaultTemplateLanguage: "de"}
	owner := inbox.User{ID: id(), TenantID: a.ID, FirstName: "Ada", LastName: "Owner", Email: "ada-" + a.ID.String() + "@example.com",
		Role: auth.RoleSuperAdmin, PasswordHash: "hash", CreatedAt: t0}
	f.must(ts.CreateBusiness(f.ctx, a, owner))
	got, err := f.st.GetTenant(f.ctx, a.ID)
	f.must(err)
	if got.TimeZone != "Europe/Berlin" || got.DefaultTemplateLanguage != "de" || got.DisabledAt != nil {
		t.Errorf("stored business %+v", got)
	}
	b := f.tenant("UTC shop")

	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		f.must(err)
		return v
	}
	wa := f.channel(a.ID, inbox.ChannelWhatsApp)
	add := func(tenant inbox.Channel, created string) {
		ct := f.contact(tenant.TenantID, "C", "+1555"+created[5:7]+created[8:10]+created[11:13]+created[14:16])
		f.conversation(tenant.TenantID, ct.ID, tenant.ID, at(created))
	}
	for _, c := range []string{
		"2026-03-28T22:30:00Z", // 23:30 CET, March 28
		"2026-03-28T23:30:00Z", // 00:30 CET, March 29 (the 23-hour day)
		"2026-03-29T21:30:00Z", // 23:30 CEST, March 29
		"2026-03-29T22:30:00Z", // 00:30 CEST, March 30
		"2026-10-24T21:30:00Z", // 23:30 CEST, October 24
		"2026-10-24T22:30:00Z", // 00:30 CEST, October 25 (the 25-hour day)
		"2026-10-25T22:30:00Z", // 23:30 CET, October 25
		"2026-10-25T23:30:00Z", // 00:30 CET, October 26
	} {
		add(wa, c)
	}
	add(f.channel(b, inbox.ChannelSMS), "2026-03-28T23:30:00Z")

	byDay := func(tenant inbox.Tenant, filter inbox.StatsFilter, want map[string]int, what string) {
		t.Helper()
		st, err := f.st.ConversationStats(f.ctx, tenant.ID, filter)
		f.must(err)
		if diff := cmp.Diff(want, st.ByDay); diff != "" {
			t.Errorf("%s: by day (-want +got):\n%s", what, diff)
		}
	}
	byDay(a, inbox.StatsFilter{}, map[string]int{"2026-03-28": 1, "2026-03-29": 2, "2026-03-30": 1,
		"2026-10-24": 1, "2026-10-25": 2, "2026-10-26": 1}, "Europe/Berlin")
	day := func(s string) *time.Time { v, err := time.Parse(time.DateOnly, s); f.must(err); return &v }
	byDay(a, inbox.StatsFilter{Start: day("2026-03-29"), End: day("2026-03-30")}, map[string]int{"2026-03-29": 2}, "Berlin, March 29 alone")
	byDay(inbox.Tenant{ID: b}, inbox.StatsFilter{}, map[string]int{"2026-03-28": 1}, "another business, in UTC")

	a.TimeZone = "UTC"
	f.must(ts.UpdateBusiness(f.ctx, a))
	byDay(a, inbox.StatsFilter{}, map[string]int{"2026-03-28": 2, "2026-03-29": 2, "2026-10-24": 2, "2026-10-25": 2}, "moved to UTC")

	a.TimeZone, a.Name = "Asia/Kolkata", "Kolkata shop" // +05:30
	f.must(ts.UpdateBusiness(f.ctx, a))
	add(wa, "2026-03-29T20:00:00Z") // 01:30, March 30, counted by the triggers
	byDay(a, inbox.StatsFilter{}, map[string]int{"2026-03-29": 2, "2026-03-30": 3, "2026-10-25": 2, "2026-10-26": 2}, "moved to Asia/Kolkata")
	st, err := f.st.ConversationStats(f.ctx, a.ID, inbox.StatsFilter{})
	f.must(err)
	if st.Total != 9 || st.ByStatus[inbox.StatusActive] != 9 {
		t.Errorf("totals after the moves: %+v", st)
	}
	got, err = f.st.GetTenant(f.ctx, a.ID)
	f.must(err)
	if got.Name != "Kolkata shop" || got.TimeZone != "Asia/Kolkata" {
		t.Errorf("updated business %+v", got)
	}

	disabled := t0.Add(time.Hour)
	f.must(ts.SetTenantDisabled(f.ctx, a.ID, &disabled))
	got, err = f.st.GetTenant(f.ctx, a.ID)
	f.must(err)
	if got.DisabledAt == nil || !got.DisabledAt.Equal(disabled) {
		t.Errorf("disabled at %v, want %v", got.DisabledAt, disabled)
	}
	counts, err := ts.UserCounts(f.ctx)
	f.must(err)
	if counts[a.ID] != 1 || counts[b] != 0 {
		t.Errorf("user counts %v", counts)
	}
	if has, err := ts.HasTenants(f.ctx); err != nil || !has {
		t.Errorf("HasTenants = %v, %v", has, err)
	}
}
