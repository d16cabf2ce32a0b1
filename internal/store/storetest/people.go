package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/people"
)

// testPeople: invitations are pending until accepted, revoked or expired, each once and only
// in their tenant; accepting one creates the user in its teams; a reset is used once and
// bumps the token version, as a password change does.
func testPeople(t *testing.T, f *fixture) {
	ps := f.st.(people.Store)
	a, b := f.tenant("A"), f.tenant("B")
	boss := f.user(a, "Boss", auth.RoleSuperAdmin)
	team := inbox.Team{ID: id(), TenantID: a, Name: "Sales", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, team))
	teamB := inbox.Team{ID: id(), TenantID: b, Name: "B team", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, teamB))

	f.must(ps.TeamsExist(f.ctx, a, []uuid.UUID{team.ID, team.ID}))
	isNotFound(t, ps.TeamsExist(f.ctx, a, []uuid.UUID{team.ID, teamB.ID}), "another tenant's team")

	inv := people.Invitation{ID: id(), TenantID: a, Email: "New@Example.com", Role: auth.RoleExecutive, TeamIDs: []uuid.UUID{team.ID},
		InvitedBy: &boss.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), TokenHash: "hash-1"}
	f.must(ps.CreateInvitation(f.ctx, inv))
	if err := ps.CreateInvitation(f.ctx, people.Invitation{ID: id(), TenantID: a, Email: "x@example.com", Role: auth.RoleViewer,
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), TokenHash: "hash-1"}); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("a second invitation with the same token hash: %v, want ErrDuplicate", err)
	}
	list, err := ps.PendingInvitations(f.ctx, a, "new@example.com", t0)
	f.must(err)
	if len(list) != 1 || list[0].ID != inv.ID || len(list[0].TeamIDs) != 1 || *list[0].InvitedBy != boss.ID || !list[0].ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("pending by email: %+v", list)
	}
	if list, _ := ps.PendingInvitations(f.ctx, a, "", t0.Add(time.Hour)); len(list) != 0 {
		t.Errorf("expired invitations listed as pending: %+v", list)
	}
	if list, _ := ps.PendingInvitations(f.ctx, b, "", t0); len(list) != 0 {
		t.Errorf("tenant B lists A's invitations: %+v", list)
	}
	got, err := ps.InvitationByToken(f.ctx, "hash-1")
	f.must(err)
	if got.TenantName != "A" || got.Email != "New@Example.com" || got.AcceptedAt != nil {
		t.Errorf("by token: %+v", got)
	}
	isNotFound(t, ps.RevokeInvitation(f.ctx, b, inv.ID, t0), "revoke from another tenant")

	// A renewal swaps the token hash and the expiry, only of the tenant's pending invitations.
	isNotFound(t, ps.RenewInvitation(f.ctx, b, inv.ID, "hash-b", t0.Add(2*time.Hour), t0), "renew from another tenant")
	isNotFound(t, ps.RenewInvitation(f.ctx, a, inv.ID, "hash-late", t0.Add(2*time.Hour), t0.Add(time.Hour)), "renew an expired invitation")
	f.must(ps.RenewInvitation(f.ctx, a, inv.ID, "hash-2", t0.Add(2*time.Hour), t0))
	if _, err := ps.InvitationByToken(f.ctx, "hash-1"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("the old hash after a renewal: %v, want ErrNotFound", err)
	}
	if got, err := ps.InvitationByToken(f.ctx, "hash-2"); err != nil || got.ID != inv.ID || !got.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("the renewed invitation: %+v, %v", got, err)
	}
	f.must(ps.RenewInvitation(f.ctx, a, inv.ID, "hash-1", inv.ExpiresAt, t0)) // back, for what follows

	u := inbox.User{ID: id(), TenantID: a, FirstName: "Nina", Email: "new@example.com", Role: auth.RoleExecutive, PasswordHash: "h", CreatedAt: t0}
	isNotFound(t, ps.AcceptInvitation(f.ctx, "hash-1", u, t0.Add(time.Hour)), "accept when expired")
	f.must(ps.AcceptInvitation(f.ctx, "hash-1", u, t0))
	isNotFound(t, ps.AcceptInvitation(f.ctx, "hash-1", inbox.User{ID: id(), TenantID: a, Email: "other@example.com", Role: auth.RoleViewer, CreatedAt: t0}, t0),
		"accept twice")
	if _, err := f.st.GetUserByEmail(f.ctx, "other@example.com"); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("a refused acceptance created a user: %v", err)
	}
	teams, err := f.st.ListTeams(f.ctx, a)
	f.must(err)
	if len(teams) != 1 || len(teams[0].MemberIDs) != 1 || teams[0].MemberIDs[0] != u.ID {
		t.Errorf("the new user is not in the invited team: %+v", teams)
	}
	isNotFound(t, ps.RevokeInvitation(f.ctx, a, inv.ID, t0), "revoke an accepted invitation")
	isNotFound(t, ps.RenewInvitation(f.ctx, a, inv.ID, "hash-3", t0.Add(time.Hour), t0), "renew an accepted invitation")

	// Roles, and the last active super admin: neither demoted nor deactivated.
	owner := firstSuperAdmin(t, f, a)
	demoted := owner
	demoted.Role = auth.RoleAdmin
	if err := ps.UpdateUser(f.ctx, demoted); !errors.Is(err, inbox.ErrLastSuperAdmin) {
		t.Errorf("demoting the only super admin: %v, want ErrLastSuperAdmin", err)
	}
	if err := f.st.SetUserDeactivated(f.ctx, a, owner.ID, &t0); !errors.Is(err, inbox.ErrLastSuperAdmin) {
		t.Errorf("deactivating the only super admin: %v, want ErrLastSuperAdmin", err)
	}
	u.Role = auth.RoleSuperAdmin
	f.must(ps.UpdateUser(f.ctx, u))
	f.must(ps.UpdateUser(f.ctx, demoted)) // another super admin is left
	if err := f.st.SetUserDeactivated(f.ctx, a, u.ID, &t0); !errors.Is(err, inbox.ErrLastSuperAdmin) {
		t.Errorf("deactivating the super admin left: %v, want ErrLastSuperAdmin", err)
	}
	owner.Role = auth.RoleSuperAdmin
	f.must(ps.UpdateUser(f.ctx, owner))
	f.must(f.st.SetUserDeactivated(f.ctx, a, u.ID, &t0))
	isNotFound(t, ps.UpdateUser(f.ctx, inbox.User{ID: u.ID, TenantID: b, Role: auth.RoleViewer}), "update from another tenant")

	// Token versions: a bump, a password change and a reset each add one.
	version := func() int64 {
		got, err := f.st.GetUser(f.ctx, a, boss.ID)
		f.must(err)
		return got.TokenVersion
	}
	f.must(ps.BumpTokenVersion(f.ctx, a, boss.ID))
	f.must(ps.SetPassword(f.ctx, a, boss.ID, "new hash"))
	isNotFound(t, ps.BumpTokenVersion(f.ctx, b, boss.ID), "bump from another tenant")
	if v := version(); v != 2 {
		t.Errorf("token version %d, want 2", v)
	}
	f.must(ps.CreateReset(f.ctx, people.Reset{ID: id(), TenantID: a, UserID: boss.ID, TokenHash: "reset-1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	_, err = ps.PendingReset(f.ctx, "reset-1", t0.Add(time.Hour))
	isNotFound(t, err, "an expired reset")
	r, err := ps.PendingReset(f.ctx, "reset-1", t0)
	f.must(err)
	if r.UserID != boss.ID || r.TenantID != a {
		t.Errorf("pending reset: %+v", r)
	}
	isNotFound(t, ps.ConsumeReset(f.ctx, "reset-1", "late hash", t0.Add(time.Hour)), "consume an expired reset")
	f.must(ps.ConsumeReset(f.ctx, "reset-1", "reset hash", t0))
	isNotFound(t, ps.ConsumeReset(f.ctx, "reset-1", "again", t0), "consume twice")
	after, err := f.st.GetUser(f.ctx, a, boss.ID)
	f.must(err)
	if after.PasswordHash != "reset hash" || after.TokenVersion != 3 {
		t.Errorf("after the reset: hash %q version %d", after.PasswordHash, after.TokenVersion)
	}
}

// firstSuperAdmin is a super admin of the tenant.
func firstSuperAdmin(t *testing.T, f *fixture, tenant uuid.UUID) inbox.User {
	t.Helper()
	users, err := f.st.ListUsers(f.ctx, tenant)
	f.must(err)
	for _, u := range users {
		if u.Role == auth.RoleSuperAdmin && u.DeactivatedAt == nil {
			return u
		}
	}
	t.Fatalf("tenant %s has no super admin", tenant)
	return inbox.User{}
}

// testLastSuperAdminRace: two super admins, each demoted (or deactivated) at the same moment
// by the other: one change goes through, the other is ErrLastSuperAdmin, and the business
// always keeps an active super admin. Checked between two separate reads and writes, both
// would see the other still super admin and both would pass.
func testLastSuperAdminRace(t *testing.T, f *fixture) {
	ps := f.st.(people.Store)
	a := f.tenant("Race")
	x, y := f.user(a, "X", auth.RoleSuperAdmin), f.user(a, "Y", auth.RoleSuperAdmin)
	for round := range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []inbox.User{x, y} {
			wg.Go(func() {
				if round%2 == 0 {
					d := u
					d.Role = auth.RoleAdmin
					errs[i] = ps.UpdateUser(f.ctx, d)
				} else {
					errs[i] = f.st.SetUserDeactivated(f.ctx, a, u.ID, &t0)
				}
			})
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if errors.Is(err, inbox.ErrLastSuperAdmin) {
				refused++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		users, err := f.st.ListUsers(f.ctx, a)
		f.must(err)
		active := 0
		for _, u := range users {
			if u.Role == auth.RoleSuperAdmin && u.DeactivatedAt == nil {
				active++
			}
		}
		if refused != 1 || active != 1 {
			t.Fatalf("round %d: %d refused, %d active super admins left; want 1 and 1", round, refused, active)
		}
		// Both super admins again, for the next round.
		for _, u := range []inbox.User{x, y} {
			f.must(f.st.SetUserDeactivated(f.ctx, a, u.ID, nil))
			f.must(ps.UpdateUser(f.ctx, u))
		}
	}
}
