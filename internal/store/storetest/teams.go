package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// inTx runs fn with the team and availability queries of one transaction.
func (f *fixture) inTx(fn func(tq inbox.TeamQueries, aq inbox.AvailabilityQueries) error) error {
	return f.st.InTx(f.ctx, func(q inbox.Queries) error {
		return fn(q.(inbox.TeamQueries), q.(inbox.AvailabilityQueries))
	})
}

// testTeams: names unique per tenant in any case, members only of the tenant, and a team in
// use by a conversation is not deleted.
func testTeams(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ua, ub := f.user(a, "Ann", auth.RoleAdmin), f.user(b, "Bob", auth.RoleAdmin)
	sales := inbox.Team{ID: id(), TenantID: a, Name: "Sales", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, sales))
	if err := f.st.CreateTeam(f.ctx, inbox.Team{ID: id(), TenantID: a, Name: "SALES", CreatedAt: t0}); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("a second SALES: %v, want ErrDuplicate", err)
	}
	f.must(f.st.CreateTeam(f.ctx, inbox.Team{ID: id(), TenantID: b, Name: "sales", CreatedAt: t0}))
	support := inbox.Team{ID: id(), TenantID: a, Name: "Support", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, support))

	err := f.inTx(func(tq inbox.TeamQueries, _ inbox.AvailabilityQueries) error {
		return tq.RenameTeam(f.ctx, a, support.ID, "sales")
	})
	if !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("rename onto Sales: %v", err)
	}
	f.must(f.inTx(func(tq inbox.TeamQueries, _ inbox.AvailabilityQueries) error {
		isNotFound(t, tq.RenameTeam(f.ctx, b, support.ID, "x"), "rename another tenant's team")
		for _, c := range []struct {
			user  inbox.User
			added bool
		}{{ua, true}, {ua, false}, {ub, false}} {
			added, err := tq.AddTeamMember(f.ctx, a, sales.ID, c.user.ID)
			if err != nil || added != c.added {
				t.Errorf("add %s: %v, %v; want %v", c.user.FirstName, added, err, c.added)
			}
		}
		if added, err := tq.AddTeamMember(f.ctx, b, sales.ID, ub.ID); err != nil || added {
			t.Errorf("add to another tenant's team: %v, %v", added, err)
		}
		if removed, err := tq.RemoveTeamMember(f.ctx, b, sales.ID, ua.ID); err != nil || removed {
			t.Errorf("remove from another tenant's team: %v, %v", removed, err)
		}
		return nil
	}))
	got, err := f.st.GetTeam(f.ctx, a, sales.ID)
	f.must(err)
	if got.Name != "Sales" {
		t.Errorf("name %q after the refused rename", got.Name)
	}
	if len(got.MemberIDs) != 1 || got.MemberIDs[0] != ua.ID {
		t.Errorf("members %v, want Ann alone", got.MemberIDs)
	}

	ch, ct := f.channel(a, inbox.ChannelWeb), f.contact(a, "Carla", "+15550001111")
	c := f.conversation(a, ct.ID, ch.ID, t0, func(c *inbox.Conversation) { c.AssignedTeamID = &sales.ID })
	f.must(f.inTx(func(tq inbox.TeamQueries, _ inbox.AvailabilityQueries) error {
		ids, err := tq.TeamConversations(f.ctx, a, sales.ID, 10)
		if err != nil || len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("team conversations %v, %v", ids, err)
		}
		if ids, _ := tq.TeamConversations(f.ctx, b, sales.ID, 10); len(ids) != 0 {
			t.Errorf("another tenant sees %v", ids)
		}
		if err := tq.DeleteTeam(f.ctx, a, sales.ID); !errors.Is(err, inbox.ErrInUse) {
			t.Errorf("delete a team in use: %v", err)
		}
		isNotFound(t, tq.DeleteTeam(f.ctx, b, support.ID), "delete another tenant's team")
		return tq.DeleteTeam(f.ctx, a, support.ID)
	}))
	isNotFound(t, func() error { _, err := f.st.GetTeam(f.ctx, a, support.ID); return err }(), "deleted team")
}

// testAvailability: a user never seen is offline; connection rows end with their time, are
// renewed by their node while open, and are listed for the sweep once ended.
func testAvailability(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ann, bob := f.user(a, "Ann", auth.RoleExecutive), f.user(b, "Bob", auth.RoleExecutive)
	f.must(f.inTx(func(_ inbox.TeamQueries, aq inbox.AvailabilityQueries) error {
		cur, err := aq.LockAvailability(f.ctx, a, ann.ID)
		if err != nil || cur.Availability != inbox.AvailabilityOffline || cur.Manual {
			t.Errorf("never seen: %+v, %v", cur, err)
		}
		_, err = aq.LockAvailability(f.ctx, a, bob.ID)
		isNotFound(t, err, "lock another tenant's user")
		return aq.SaveAvailability(f.ctx, a, inbox.AgentAvailability{UserID: ann.ID, Availability: inbox.AvailabilityAway, Manual: true, UpdatedAt: t0})
	}))
	m, err := f.st.(inbox.AvailabilityQueries).TenantAvailability(f.ctx, a)
	f.must(err)
	if got := m[ann.ID]; len(m) != 1 || got.Availability != inbox.AvailabilityAway || !got.Manual || !got.UpdatedAt.Equal(t0) {
		t.Errorf("tenant availability %+v", m)
	}

	f.must(f.inTx(func(_ inbox.TeamQueries, aq inbox.AvailabilityQueries) error {
		f.must(aq.SetConnection(f.ctx, a, ann.ID, "n1", true, t0.Add(time.Minute)))
		f.must(aq.SetConnection(f.ctx, a, ann.ID, "n2", false, t0.Add(30*time.Second)))
		f.must(aq.SetConnection(f.ctx, b, bob.ID, "n2", true, t0.Add(time.Minute)))
		ended, err := aq.EndedConnections(f.ctx, t0.Add(45*time.Second), 10)
		if err != nil || len(ended) != 1 || ended[0] != (inbox.UserKey{Tenant: a, User: ann.ID}) {
			t.Errorf("ended at 45 s: %v, %v", ended, err)
		}
		if n, err := aq.LiveConnections(f.ctx, a, ann.ID, t0.Add(45*time.Second)); err != nil || n != 1 {
			t.Errorf("live at 45 s: %d, %v (n2's grace is over, n1 is open)", n, err)
		}
		f.must(aq.RenewConnections(f.ctx, "n1", t0.Add(2*time.Minute)))
		if n, _ := aq.LiveConnections(f.ctx, a, ann.ID, t0.Add(90*time.Second)); n != 1 {
			t.Errorf("live at 90 s after n1 renewed: %d", n)
		}
		ended, _ = aq.EndedConnections(f.ctx, t0.Add(90*time.Second), 10)
		if len(ended) != 1 || ended[0].User != bob.ID {
			t.Errorf("ended at 90 s: %v, want Bob's unrenewed lease on n2", ended)
		}
		if n, _ := aq.LiveConnections(f.ctx, a, ann.ID, t0.Add(3*time.Minute)); n != 0 {
			t.Errorf("live at 3 min: %d", n)
		}
		return nil
	}))
}
