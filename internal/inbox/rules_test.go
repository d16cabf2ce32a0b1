package inbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestDeliveryStatusSupersedes checks the order receipts apply in, for every pair: only
// forward (queued, sent, delivered, read), failed outranking what came before delivery but
// never taking back delivered or read, and nothing moving a failed message.
func TestDeliveryStatusSupersedes(t *testing.T) {
	statuses := []inbox.DeliveryStatus{inbox.DeliveryReceived, inbox.DeliveryQueued, inbox.DeliverySent,
		inbox.DeliveryDelivered, inbox.DeliveryRead, inbox.DeliveryFailed}
	// moves[receipt][current]: whether a receipt of the first status moves a message at the second.
	moves := map[inbox.DeliveryStatus][]bool{ //    received queued sent  delivered read  failed
		inbox.DeliveryReceived:  {false, false, false, false, false, false},
		inbox.DeliveryQueued:    {true, false, false, false, false, false},
		inbox.DeliverySent:      {true, true, false, false, false, false},
		inbox.DeliveryDelivered: {true, true, true, false, false, false},
		inbox.DeliveryRead:      {true, true, true, true, false, false},
		inbox.DeliveryFailed:    {true, true, true, false, false, false},
	}
	for _, receipt := range statuses {
		for j, current := range statuses {
			if got, want := receipt.Supersedes(current), moves[receipt][j]; got != want {
				t.Errorf("%s.Supersedes(%s) = %v, want %v", receipt, current, got, want)
			}
		}
	}
	if r := inbox.DeliveryStatus("bounced").Rank(); r != 0 {
		t.Errorf("an unknown status ranks %d, want 0", r)
	}
}

// TestReplyWindowAt checks the 24-hour window: only WhatsApp has one, closed before any
// inbound message, open until exactly 24 hours after the last one.
func TestReplyWindowAt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { at := now.Add(-d); return &at }
	for _, c := range []struct {
		name      string
		kind      inbox.ChannelKind
		lastIn    *time.Time
		open      bool
		expiresAt *time.Time // nil: none
		none      bool       // the channel has no window
	}{
		{name: "telegram has none", kind: inbox.ChannelTelegram, lastIn: ago(time.Hour), none: true},
		{name: "sms has none", kind: inbox.ChannelSMS, lastIn: ago(48 * time.Hour), none: true},
		{name: "rcs has none", kind: inbox.ChannelRCS, none: true},
		{name: "no inbound yet", kind: inbox.ChannelWhatsApp},
		{name: "an hour ago", kind: inbox.ChannelWhatsApp, lastIn: ago(time.Hour), open: true, expiresAt: ago(-23 * time.Hour)},
		{name: "a second short of a day", kind: inbox.ChannelWhatsApp, lastIn: ago(24*time.Hour - time.Second), open: true, expiresAt: ago(-time.Second)},
		{name: "exactly a day", kind: inbox.ChannelWhatsApp, lastIn: ago(24 * time.Hour), expiresAt: &now},
		{name: "two days", kind: inbox.ChannelWhatsApp, lastIn: ago(48 * time.Hour), expiresAt: ago(24 * time.Hour)},
	} {
		t.Run(c.name, func(t *testing.T) {
			conv := inbox.Conversation{Channel: inbox.ChannelRef{Name: c.kind}, LastInboundAt: c.lastIn}
			w := conv.ReplyWindowAt(now)
			if c.none {
				if w != nil {
					t.Fatalf("window %+v on a channel without one", w)
				}
				return
			}
			if w == nil {
				t.Fatal("no window on WhatsApp")
			}
			if w.Open != c.open {
				t.Errorf("open = %v, want %v", w.Open, c.open)
			}
			if (w.ExpiresAt == nil) != (c.expiresAt == nil) || w.ExpiresAt != nil && !w.ExpiresAt.Equal(*c.expiresAt) {
				t.Errorf("expires at %v, want %v", w.ExpiresAt, c.expiresAt)
			}
		})
	}
}

// domain is one tenant on a SQLite store with a user of each role, a team and a WhatsApp
// conversation, served by a Service.
type domain struct {
	t       *testing.T
	ctx     context.Context
	svc     *inbox.Service
	store   inbox.Store
	tenant  uuid.UUID
	conv    uuid.UUID
	users   map[auth.Role]inbox.User
	team    inbox.Team
	clock   time.Time
	elapsed time.Duration
}

func newDomain(t *testing.T) *domain {
	st := storetest.OpenSQLite(t)
	tenant, convs := storetest.NewConversations(t, st, 1)
	d := &domain{t: t, ctx: context.Background(), store: st, tenant: tenant, conv: convs[0],
		users: map[auth.Role]inbox.User{}, clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for _, role := range auth.Roles {
		u := inbox.User{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, FirstName: string(role), LastName: "User",
			Email: string(role) + "@example.com", Role: role, PasswordHash: "x", CreatedAt: d.clock}
		d.must(st.CreateUser(d.ctx, u))
		d.users[role] = u
	}
	d.team = inbox.Team{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, Name: "Billing", CreatedAt: d.clock}
	d.must(st.CreateTeam(d.ctx, d.team))
	d.svc = inbox.NewService(st, discard{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.svc.SetClock(func() time.Time { d.elapsed += time.Second; return d.clock.Add(d.elapsed) })
	return d
}

func (d *domain) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

func (d *domain) as(role auth.Role) auth.Principal {
	return auth.Principal{TenantID: d.tenant, UserID: d.users[role].ID, Role: role}
}

func (d *domain) conversation() inbox.Conversation {
	d.t.Helper()
	c, err := d.store.GetConversation(d.ctx, d.tenant, d.conv)
	d.must(err)
	return c
}

// systemMessages counts the conversation's system messages.
func (d *domain) systemMessages() int {
	d.t.Helper()
	msgs, _, err := d.svc.ListMessages(d.ctx, d.as(auth.RoleAdmin), d.conv, inbox.MessagePage{Limit: 100})
	d.must(err)
	n := 0
	for _, m := range msgs {
		if m.SenderType == inbox.SenderSystem {
			n++
		}
	}
	return n
}

func kindOf(err error) inbox.Kind {
	var e *inbox.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// TestPermissionsByRole checks the use cases refuse, with a 403 and no change, what the
// caller's role does not allow: the viewer neither changes status nor assigns, only admins
// manage users.
func TestPermissionsByRole(t *testing.T) {
	d := newDomain(t)
	for _, c := range []struct {
		name  string
		do    func(p auth.Principal) error
		allow []auth.Role
	}{
		{"set status", func(p auth.Principal) error {
			_, err := d.svc.SetStatus(d.ctx, p, d.conv, inbox.StatusPending, "")
			return err
		}, []auth.Role{auth.RoleSuperAdmin, auth.RoleAdmin, auth.RoleExecutive}},
		{"assign", func(p auth.Principal) error {
			_, err := d.svc.Assign(d.ctx, p, d.conv, inbox.AssignInput{Team: inbox.OptionalID{Set: true, ID: &d.team.ID}})
			return err
		}, []auth.Role{auth.RoleSuperAdmin, auth.RoleAdmin, auth.RoleExecutive}},
		{"deactivate a user", func(p auth.Principal) error {
			_, err := d.svc.SetUserActive(d.ctx, p, d.users[auth.RoleViewer].ID, true)
			return err
		}, []auth.Role{auth.RoleSuperAdmin, auth.RoleAdmin}},
	} {
		for _, role := range auth.Roles {
			before := d.conversation()
			err := c.do(d.as(role))
			allowed := slices.Contains(c.allow, role)
			switch {
			case allowed && err != nil:
				t.Errorf("%s as %s: %v", c.name, role, err)
			case !allowed && kindOf(err) != inbox.KindForbidden:
				t.Errorf("%s as %s: got %v, want forbidden", c.name, role, err)
			case !allowed && !d.conversation().UpdatedAt.Equal(before.UpdatedAt):
				t.Errorf("%s as %s was refused but changed the conversation", c.name, role)
			}
		}
	}
}

// TestStatusTransitions checks each status change: closing sets resolved_at and closed_at,
// any other status clears them, each change writes one system message, setting the status a
// conversation already has changes nothing, and an unknown status is refused.
func TestStatusTransitions(t *testing.T) {
	d := newDomain(t)
	admin := d.as(auth.RoleAdmin)
	for _, c := range []struct {
		to, from inbox.Status
		changes  bool
	}{
		{inbox.StatusPending, inbox.StatusActive, true},
		{inbox.StatusPending, inbox.StatusPending, false},
		{inbox.StatusClosed, inbox.StatusPending, true},
		{inbox.StatusClosed, inbox.StatusClosed, false},
		{inbox.StatusActive, inbox.StatusClosed, true},
		{inbox.StatusClosed, inbox.StatusActive, true},
		{inbox.StatusPending, inbox.StatusClosed, true},
	} {
		before, notes := d.conversation(), d.systemMessages()
		up, err := d.svc.SetStatus(d.ctx, admin, d.conv, c.to, "why")
		d.must(err)
		after := d.conversation()
		if up.PreviousStatus != c.from || up.Status != c.to || after.Status != c.to {
			t.Errorf("%s → %s: update %s → %s, stored %s", c.from, c.to, up.PreviousStatus, up.Status, after.Status)
		}
		if closed := c.to == inbox.StatusClosed; (after.ClosedAt != nil) != closed || (after.ResolvedAt != nil) != closed {
			t.Errorf("%s → %s: closed_at %v, resolved_at %v", c.from, c.to, after.ClosedAt, after.ResolvedAt)
		}
		wrote := d.systemMessages() - notes
		if changed := !after.UpdatedAt.Equal(before.UpdatedAt); changed != c.changes || wrote != map[bool]int{true: 1}[c.changes] {
			t.Errorf("%s → %s: updated %v with %d system messages, want a change %v", c.from, c.to, changed, wrote, c.changes)
		}
	}
	if _, err := d.svc.SetStatus(d.ctx, admin, d.conv, "snoozed", ""); kindOf(err) != inbox.KindValidation {
		t.Errorf("unknown status: got %v, want a validation error", err)
	}
	if _, err := d.svc.SetStatus(d.ctx, admin, uuid.Must(uuid.NewV7()), inbox.StatusClosed, ""); kindOf(err) != inbox.KindNotFound {
		t.Errorf("unknown conversation: got %v, want not found", err)
	}
}

// TestAssignment checks assignment: to a user, to a team, both cleared; a field left out
// stays as it is, giving the same assignment again changes nothing, an empty body and
// unknown ids are refused.
func TestAssignment(t *testing.T) {
	d := newDomain(t)
	admin := d.as(auth.RoleAdmin)
	agent, team := d.users[auth.RoleExecutive].ID, d.team.ID
	none := (*uuid.UUID)(nil)
	for _, c := range []struct {
		name       string
		in         inbox.AssignInput
		user, team *uuid.UUID
		changes    bool
	}{
		{"to a user", inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: &agent}}, &agent, none, true},
		{"the same user again", inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: &agent}}, &agent, none, false},
		{"a team too, the user kept", inbox.AssignInput{Team: inbox.OptionalID{Set: true, ID: &team}}, &agent, &team, true},
		{"the user cleared", inbox.AssignInput{User: inbox.OptionalID{Set: true}}, none, &team, true},
		{"both cleared", inbox.AssignInput{User: inbox.OptionalID{Set: true}, Team: inbox.OptionalID{Set: true}}, none, none, true},
	} {
		before, notes := d.conversation(), d.systemMessages()
		up, err := d.svc.Assign(d.ctx, admin, d.conv, c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after := d.conversation()
		if !sameID(after.AssignedUserID, c.user) || !sameID(after.AssignedTeamID, c.team) {
			t.Errorf("%s: assigned to %v / %v, want %v / %v", c.name, after.AssignedUserID, after.AssignedTeamID, c.user, c.team)
		}
		if (up.AssignedUser != nil) != (c.user != nil) || (up.AssignedTeam != nil) != (c.team != nil) {
			t.Errorf("%s: the update names %+v / %+v", c.name, up.AssignedUser, up.AssignedTeam)
		}
		wrote := d.systemMessages() - notes
		if changed := !after.UpdatedAt.Equal(before.UpdatedAt); changed != c.changes || wrote != map[bool]int{true: 1}[c.changes] {
			t.Errorf("%s: updated %v with %d system messages, want a change %v", c.name, changed, wrote, c.changes)
		}
	}
	unknown := uuid.Must(uuid.NewV7())
	for _, c := range []struct {
		name string
		in   inbox.AssignInput
		kind inbox.Kind
	}{
		{"nothing given", inbox.AssignInput{Note: "?"}, inbox.KindValidation},
		{"unknown user", inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: &unknown}}, inbox.KindNotFound},
		{"unknown team", inbox.AssignInput{Team: inbox.OptionalID{Set: true, ID: &unknown}}, inbox.KindNotFound},
	} {
		before := d.conversation()
		if _, err := d.svc.Assign(d.ctx, admin, d.conv, c.in); kindOf(err) != c.kind {
			t.Errorf("%s: got %v, want kind %d", c.name, err, c.kind)
		}
		if after := d.conversation(); !after.UpdatedAt.Equal(before.UpdatedAt) || !sameID(after.AssignedUserID, before.AssignedUserID) {
			t.Errorf("%s was refused but changed the conversation", c.name)
		}
	}
}

func sameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
