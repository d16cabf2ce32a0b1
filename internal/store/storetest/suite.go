package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Run runs the conformance suite against stores that open returns (a fresh one per call).
func Run(t *testing.T, open func(t testing.TB) inbox.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Directory", testDirectory},
		{"ChannelsAndTags", testChannelsAndTags},
		{"ChannelDisableAndHealth", testChannelDisableAndHealth},
		{"ConversationJoins", testConversationJoins},
		{"ConversationList", testConversationList},
		{"SearchPlans", testSearchPlans},
		{"SearchPages", testSearchPages},
		{"SearchSharedName", testSearchSharedName},
		{"InboxSearchWindows", testInboxSearchWindows},
		{"NoteSearch", testNoteSearch},
		{"Messages", testMessages},
		{"MessagePages", testMessagePages},
		{"DeliveryStatus", testDeliveryStatus},
		{"Outbox", testOutbox},
		{"OutboxOrder", testOutboxOrder},
		{"Events", testEvents},
		{"Statistics", testStatistics},
		{"StatisticsExtras", testStatisticsExtras},
		{"CountersFollowChanges", testCountersFollowChanges},
		{"InboxMessages", testInboxMessages},
		{"Transactions", testTransactions},
		{"ReplyWindows", testReplyWindows},
		{"OpenTwinsClosedByMigration", testOpenTwinsClosedByMigration},
		{"MessageReactions", testMessageReactions},
		{"VoiceCalls", testVoiceCalls},
		{"People", testPeople},
		{"LastSuperAdminRace", testLastSuperAdminRace},
		{"Teams", testTeams},
		{"Availability", testAvailability},
		{"BusinessTimeZones", testBusinessTimeZones},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newFixture(t, open(t)))
		})
	}
}

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// fixture builds rows for one test.
type fixture struct {
	t   *testing.T
	ctx context.Context
	st  inbox.Store
}

func newFixture(t *testing.T, st inbox.Store) *fixture {
	return &fixture{t: t, ctx: context.Background(), st: st}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func id() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func (f *fixture) tenant(name string) uuid.UUID {
	t := inbox.Tenant{ID: id(), Name: name, CreatedAt: t0}
	f.must(f.st.CreateTenant(f.ctx, t))
	return t.ID
}

func (f *fixture) user(tenant uuid.UUID, first string, role auth.Role) inbox.User {
	u := inbox.User{ID: id(), TenantID: tenant, FirstName: first, LastName: "Agent", Email: first + "-" + tenant.String()[:8] + "@example.com",
		Role: role, PasswordHash: "hash", CreatedAt: t0}
	f.must(f.st.CreateUser(f.ctx, u))
	return u
}

func (f *fixture) contact(tenant uuid.UUID, first, phone string) inbox.Contact {
	c := inbox.Contact{ID: id(), TenantID: tenant, FirstName: first, LastName: "Customer", Phone: phone, CountryCode: "US", CreatedAt: t0, UpdatedAt: t0}
	f.must(f.st.CreateContact(f.ctx, c))
	return c
}

func (f *fixture) channel(tenant uuid.UUID, kind inbox.ChannelKind) inbox.Channel {
	c := inbox.Channel{ID: id(), TenantID: tenant, Kind: kind, Name: string(kind) + " line", Config: map[string]string{"token": "s3cret"}, CreatedAt: t0}
	f.must(f.st.CreateChannel(f.ctx, c))
	return c
}

func (f *fixture) conversation(tenant, contact, channel uuid.UUID, created time.Time, mod ...func(*inbox.Conversation)) inbox.Conversation {
	c := inbox.Conversation{ID: id(), TenantID: tenant, ContactID: contact, ChannelID: channel, Type: "support",
		Status: inbox.StatusActive, Priority: inbox.PriorityMedium, Category: "general", CreatedAt: created, UpdatedAt: created}
	for _, m := range mod {
		m(&c)
	}
	f.must(f.st.CreateConversation(f.ctx, c))
	return c
}

// message inserts a message at `at` with the touch a use case would apply.
func (f *fixture) message(c inbox.Conversation, sender inbox.SenderType, content string, at time.Time, mod ...func(*inbox.Message)) inbox.Message {
	m := inbox.Message{ID: id(), TenantID: c.TenantID, ConversationID: c.ID, SenderType: sender, Content: content,
		ContentType: inbox.ContentText, Status: inbox.DeliveryReceived, CreatedAt: at}
	if sender != inbox.SenderEndUser {
		m.Status = inbox.DeliveryQueued
	}
	for _, fn := range mod {
		fn(&m)
	}
	touch := inbox.Touch{UpdatedAt: at}
	if !m.IsInternal {
		touch.LastMessage = &inbox.MessageSummary{ID: m.ID, SenderType: m.SenderType, Content: m.Content, ContentType: m.ContentType, CreatedAt: at}
	}
	if sender == inbox.SenderEndUser {
		touch.UnreadDelta, touch.InboundAt = 1, &at
	} else if sender == inbox.SenderBusinessUser && !m.IsInternal {
		touch.FirstResponseAt = &at
	}
	after, err := f.st.InsertMessage(f.ctx, m, touch)
	f.must(err)
	if after == nil {
		f.t.Fatalf("message %q was not inserted", content)
	}
	// What InsertMessage says it touched is what the conversation now holds.
	stored := f.get(c.TenantID, c.ID)
	touched := inbox.Conversation{}
	after.ApplyTo(&touched)
	want := inbox.Conversation{}
	(&inbox.Touched{UnreadCount: stored.UnreadCount, LastMessage: stored.LastMessage, LastMessageAt: stored.LastMessageAt,
		LastInboundAt: stored.LastInboundAt, FirstResponseAt: stored.FirstResponseAt, UpdatedAt: stored.UpdatedAt}).ApplyTo(&want)
	if diff := cmp.Diff(want, touched); diff != "" {
		f.t.Errorf("message %q: touched fields (-stored +returned):\n%s", content, diff)
	}
	return m
}

func (f *fixture) get(tenant, id uuid.UUID) inbox.Conversation {
	f.t.Helper()
	c, err := f.st.GetConversation(f.ctx, tenant, id)
	f.must(err)
	return c
}

func isNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("%s: got %v, want ErrNotFound", what, err)
	}
}

func ptr[T any](v T) *T { return &v }

func testDirectory(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ua := f.user(a, "Ann", auth.RoleAdmin)
	ub := f.user(b, "Bob", auth.RoleViewer)

	got, err := f.st.GetUser(f.ctx, a, ua.ID)
	f.must(err)
	if diff := cmp.Diff(ua, got); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	_, err = f.st.GetUser(f.ctx, a, ub.ID)
	isNotFound(t, err, "another tenant's user")
	byEmail, err := f.st.GetUserByEmail(f.ctx, "  "[:0]+upper(ua.Email))
	f.must(err)
	if byEmail.ID != ua.ID {
		t.Errorf("GetUserByEmail is not case-insensitive: got %v", byEmail.ID)
	}
	dup := ua
	dup.ID, dup.Email = id(), upper(ua.Email)
	if err := f.st.CreateUser(f.ctx, dup); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("duplicate email: got %v, want ErrDuplicate", err)
	}
	users, err := f.st.ListUsers(f.ctx, a)
	f.must(err)
	if len(users) != 1 || users[0].ID != ua.ID {
		t.Errorf("ListUsers(A) = %v, want only Ann", users)
	}
	// Deactivation is stored, read back by every user query, and undone.
	f.must(f.st.SetUserDeactivated(f.ctx, a, ua.ID, &t0))
	isNotFound(t, f.st.SetUserDeactivated(f.ctx, b, ua.ID, &t0), "deactivating another tenant's user")
	got, err = f.st.GetUser(f.ctx, a, ua.ID)
	f.must(err)
	byEmail, err = f.st.GetUserByEmail(f.ctx, ua.Email)
	f.must(err)
	users, err = f.st.ListUsers(f.ctx, a)
	f.must(err)
	for _, u := range []inbox.User{got, byEmail, users[0]} {
		if u.DeactivatedAt == nil || !u.DeactivatedAt.Equal(t0) {
			t.Errorf("deactivated user read back with deactivated_at %v, want %v", u.DeactivatedAt, t0)
		}
	}
	f.must(f.st.SetUserDeactivated(f.ctx, a, ua.ID, nil))
	if got, err = f.st.GetUser(f.ctx, a, ua.ID); err != nil || got.DeactivatedAt != nil {
		t.Errorf("reactivated user: %v, deactivated_at %v", err, got.DeactivatedAt)
	}

	team := inbox.Team{ID: id(), TenantID: a, Name: "Support", MemberIDs: []uuid.UUID{ua.ID}, CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, team))
	gotTeam, err := f.st.GetTeam(f.ctx, a, team.ID)
	f.must(err)
	if diff := cmp.Diff(team, gotTeam); diff != "" {
		t.Errorf("GetTeam (-want +got):\n%s", diff)
	}
	bad := inbox.Team{ID: id(), TenantID: a, Name: "Mixed", MemberIDs: []uuid.UUID{ub.ID}, CreatedAt: t0}
	isNotFound(t, f.st.CreateTeam(f.ctx, bad), "team with another tenant's member")
	_, err = f.st.GetTeam(f.ctx, b, team.ID)
	isNotFound(t, err, "another tenant's team")

	c := f.contact(a, "Carla", "+15550001111")
	c.FirstName, c.Email, c.UpdatedAt = "Carla Maria", "carla@example.com", t0.Add(time.Hour)
	f.must(f.st.UpdateContact(f.ctx, c))
	gotC, err := f.st.GetContact(f.ctx, a, c.ID)
	f.must(err)
	if diff := cmp.Diff(c, gotC); diff != "" {
		t.Errorf("UpdateContact (-want +got):\n%s", diff)
	}
	other := c
	other.TenantID = b
	isNotFound(t, f.st.UpdateContact(f.ctx, other), "update through another tenant")
	f.contact(a, "Dario", "+15550002222")
	f.contact(b, "Carlos", "+15550003333")
	list, total, err := f.st.ListContacts(f.ctx, a, inbox.ContactFilter{Search: "CARLA", Page: 1, Limit: 10})
	f.must(err)
	if total != 1 || len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("ListContacts(search CARLA) = %d %v", total, list)
	}
	list, total, err = f.st.ListContacts(f.ctx, a, inbox.ContactFilter{Page: 2, Limit: 1})
	f.must(err)
	if total != 2 || len(list) != 1 {
		t.Errorf("ListContacts page 2 = %d rows of %d", len(list), total)
	}
	list, _, err = f.st.ListContacts(f.ctx, a, inbox.ContactFilter{Search: "100%", Page: 1, Limit: 10})
	f.must(err)
	if len(list) != 0 {
		t.Errorf("a %% in the search is a wildcard: %v", list)
	}

	ch := f.channel(a, inbox.ChannelWhatsApp)
	ident := inbox.ContactIdentity{ChannelID: ch.ID, Address: "15550001111"}
	f.must(f.st.AddContactIdentity(f.ctx, a, c.ID, ident))
	if err := f.st.AddContactIdentity(f.ctx, a, c.ID, ident); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("second identity: got %v, want ErrDuplicate", err)
	}
	found, err := f.st.FindContactByIdentity(f.ctx, a, ident)
	f.must(err)
	if found.ID != c.ID {
		t.Errorf("FindContactByIdentity = %v", found.ID)
	}
	_, err = f.st.FindContactByIdentity(f.ctx, b, ident)
	isNotFound(t, err, "identity from another tenant")
	ids, err := f.st.ContactIdentities(f.ctx, a, c.ID)
	f.must(err)
	if diff := cmp.Diff([]inbox.ContactIdentity{ident}, ids); diff != "" {
		t.Errorf("ContactIdentities (-want +got):\n%s", diff)
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

func testChannelsAndTags(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ch := f.channel(a, inbox.ChannelTelegram)
	got, err := f.st.LookupChannel(f.ctx, ch.ID)
	f.must(err)
	if diff := cmp.Diff(ch, got); diff != "" {
		t.Errorf("LookupChannel (-want +got):\n%s", diff)
	}
	_, err = f.st.GetChannel(f.ctx, b, ch.ID)
	isNotFound(t, err, "another tenant's channel")
	ch.Name, ch.Config = "Bot", map[string]string{"bot_token": "x"}
	f.must(f.st.UpdateChannel(f.ctx, ch))
	got, err = f.st.GetChannel(f.ctx, a, ch.ID)
	f.must(err)
	if diff := cmp.Diff(ch, got); diff != "" {
		t.Errorf("UpdateChannel (-want +got):\n%s", diff)
	}
	isNotFound(t, f.st.DeleteChannel(f.ctx, b, ch.ID), "delete another tenant's channel")
	c := f.contact(a, "Eve", "+15550004444")
	f.conversation(a, c.ID, ch.ID, t0, func(c *inbox.Conversation) { c.Status = inbox.StatusClosed })
	if err := f.st.DeleteChannel(f.ctx, a, ch.ID); !errors.Is(err, inbox.ErrInUse) {
		t.Errorf("delete a channel with conversations: got %v, want ErrInUse", err)
	}
	spare := f.channel(a, inbox.ChannelSMS)
	f.must(f.st.DeleteChannel(f.ctx, a, spare.ID))
	chans, err := f.st.ListChannels(f.ctx, a)
	f.must(err)
	if len(chans) != 1 {
		t.Errorf("ListChannels after delete = %d, want 1", len(chans))
	}

	vip := inbox.Tag{ID: id(), TenantID: a, Name: "VIP", Color: "#ff0000", CreatedAt: t0}
	f.must(f.st.CreateTag(f.ctx, vip))
	if err := f.st.CreateTag(f.ctx, inbox.Tag{ID: id(), TenantID: a, Name: "vip", Color: "#000000", CreatedAt: t0}); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("tag name differing only in case: got %v, want ErrDuplicate", err)
	}
	f.must(f.st.CreateTag(f.ctx, inbox.Tag{ID: id(), TenantID: b, Name: "VIP", Color: "#00ff00", CreatedAt: t0}))
	billing := inbox.Tag{ID: id(), TenantID: a, Name: "billing", Color: "#0000ff", CreatedAt: t0}
	f.must(f.st.CreateTag(f.ctx, billing))
	billing.Name = "Vip"
	if err := f.st.UpdateTag(f.ctx, billing); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("rename onto an existing tag: got %v, want ErrDuplicate", err)
	}
	tags, err := f.st.ListTags(f.ctx, a)
	f.must(err)
	if len(tags) != 2 || tags[0].Name != "billing" || tags[1].Name != "VIP" {
		t.Errorf("ListTags = %v", tags)
	}
	conv := f.conversation(a, c.ID, ch.ID, t0.Add(time.Minute))
	other := f.conversation(a, f.contact(a, "Other", "+15550002222").ID, ch.ID, t0)
	added, err := f.st.AddConversationTag(f.ctx, a, conv.ID, vip.ID)
	f.must(err)
	again, err := f.st.AddConversationTag(f.ctx, a, conv.ID, vip.ID)
	f.must(err)
	if !added || again {
		t.Errorf("AddConversationTag = %v then %v, want true then false", added, again)
	}
	_, err = f.st.AddConversationTag(f.ctx, b, conv.ID, vip.ID)
	isNotFound(t, err, "tag another tenant's conversation")
	if tags := f.get(a, conv.ID).Tags; len(tags) != 1 || tags[0] != "VIP" {
		t.Errorf("tags after add = %v", tags)
	}
	// Several tags come in name order, any case, whether the conversation is read, locked
	// or listed.
	for _, tag := range []inbox.Tag{vip, billing} {
		_, err := f.st.AddConversationTag(f.ctx, a, other.ID, tag.ID)
		f.must(err)
	}
	var locked inbox.Conversation
	f.must(f.st.InTx(f.ctx, func(q inbox.Queries) error {
		var err error
		locked, err = q.LockConversation(f.ctx, a, other.ID)
		return err
	}))
	list, _, err := f.st.ListConversations(f.ctx, a, inbox.ConversationFilter{Limit: 100})
	f.must(err)
	var listed inbox.Conversation
	for _, c := range list {
		if c.ID == other.ID {
			listed = c
		}
	}
	for what, tags := range map[string][]string{"read": f.get(a, other.ID).Tags, "locked": locked.Tags, "listed": listed.Tags} {
		if diff := cmp.Diff([]string{"billing", "VIP"}, tags); diff != "" {
			t.Errorf("tags of a conversation %s (-want +got):\n%s", what, diff)
		}
	}
	f.must(f.st.DeleteTag(f.ctx, a, vip.ID))
	if tags := f.get(a, conv.ID).Tags; len(tags) != 0 {
		t.Errorf("tags after the tag was deleted = %v", tags)
	}
	removed, err := f.st.RemoveConversationTag(f.ctx, a, conv.ID, vip.ID)
	f.must(err)
	if removed {
		t.Error("RemoveConversationTag of a tag not on the conversation reported true")
	}
}

func testConversationJoins(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	agent := f.user(a, "Ann", auth.RoleExecutive)
	team := inbox.Team{ID: id(), TenantID: a, Name: "Sales", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, team))
	camp := inbox.Campaign{ID: id(), TenantID: a, Name: "Black Friday", CreatedAt: t0}
	f.must(f.st.CreateCampaign(f.ctx, camp))
	bc := inbox.Broadcast{ID: id(), TenantID: a, CampaignID: camp.ID, Name: "Wave 1", CreatedAt: t0}
	f.must(f.st.CreateBroadcast(f.ctx, bc))
	isNotFound(t, f.st.CreateBroadcast(f.ctx, inbox.Broadcast{ID: id(), TenantID: b, CampaignID: camp.ID, Name: "x", CreatedAt: t0}), "broadcast of another tenant's campaign")
	contact := f.contact(a, "Carla", "+15550001111")
	ch := f.channel(a, inbox.ChannelWhatsApp)
	c := f.conversation(a, contact.ID, ch.ID, t0, func(c *inbox.Conversation) {
		c.AssignedUserID, c.AssignedTeamID, c.BroadcastID, c.CampaignID = &agent.ID, &team.ID, &bc.ID, &camp.ID
	})
	got := f.get(a, c.ID)
	if got.Contact.ID != contact.ID || got.Contact.Phone != contact.Phone || got.Channel.Name != inbox.ChannelWhatsApp || got.Channel.ID != ch.ID {
		t.Errorf("joined contact/channel wrong: %+v %+v", got.Contact, got.Channel)
	}
	if got.AssignedUser == nil || got.AssignedUser.FirstName != "Ann" || got.AssignedTeam == nil || got.AssignedTeam.Name != "Sales" {
		t.Errorf("joined assignee/team wrong: %+v %+v", got.AssignedUser, got.AssignedTeam)
	}
	if got.Broadcast == nil || got.Broadcast.CampaignName != "Black Friday" || got.Broadcast.CampaignID != camp.ID {
		t.Errorf("joined broadcast wrong: %+v", got.Broadcast)
	}
	_, err := f.st.GetConversation(f.ctx, b, c.ID)
	isNotFound(t, err, "another tenant's conversation")

	closed := t0.Add(2 * time.Hour)
	got.Status, got.ClosedAt, got.ResolvedAt, got.AssignedUserID, got.UpdatedAt = inbox.StatusClosed, &closed, &closed, nil, closed
	f.must(f.st.InTx(f.ctx, func(q inbox.Queries) error {
		locked, err := q.LockConversation(f.ctx, a, c.ID)
		if err != nil {
			return err
		}
		if locked.ID != c.ID {
			return fmt.Errorf("locked %v", locked.ID)
		}
		return q.SaveConversation(f.ctx, got)
	}))
	saved := f.get(a, c.ID)
	if saved.Status != inbox.StatusClosed || saved.AssignedUser != nil || saved.ClosedAt == nil || !saved.ClosedAt.Equal(closed) {
		t.Errorf("SaveConversation not applied: %+v", saved)
	}
	lockOpen := func(tenant uuid.UUID) (inbox.Conversation, error) {
		var c inbox.Conversation
		err := f.st.InTx(f.ctx, func(q inbox.Queries) error {
			var err error
			c, err = q.LockOpenConversation(f.ctx, tenant, contact.ID, ch.ID)
			return err
		})
		return c, err
	}
	_, err = f.st.FindOpenConversation(f.ctx, a, contact.ID, ch.ID)
	isNotFound(t, err, "open conversation when the only one is closed")
	_, err = lockOpen(a)
	isNotFound(t, err, "lock the open conversation when the only one is closed")
	f.conversation(a, contact.ID, ch.ID, t0.Add(2*time.Hour), func(c *inbox.Conversation) { c.Status = inbox.StatusClosed })
	open := f.conversation(a, contact.ID, ch.ID, t0.Add(3*time.Hour))
	// One open conversation per contact and channel (migration 0013): a second is a
	// duplicate, whether active or pending, while a closed one is not.
	for _, status := range []inbox.Status{inbox.StatusActive, inbox.StatusPending} {
		twin := inbox.Conversation{ID: id(), TenantID: a, ContactID: contact.ID, ChannelID: ch.ID, Type: "support",
			Status: status, Priority: inbox.PriorityMedium, CreatedAt: t0.Add(4 * time.Hour), UpdatedAt: t0.Add(4 * time.Hour)}
		if err := f.st.CreateConversation(f.ctx, twin); !errors.Is(err, inbox.ErrDuplicate) {
			t.Errorf("a second %s conversation of the contact on the channel: %v, want ErrDuplicate", status, err)
		}
	}
	found, err := f.st.FindOpenConversation(f.ctx, a, contact.ID, ch.ID)
	f.must(err)
	if found != open.ID {
		t.Errorf("FindOpenConversation = %v, want %v (the newest)", found, open.ID)
	}
	locked, err := lockOpen(a)
	f.must(err)
	if diff := cmp.Diff(f.get(a, open.ID), locked); diff != "" {
		t.Errorf("LockOpenConversation (-GetConversation +locked):\n%s", diff)
	}
	_, err = lockOpen(b)
	isNotFound(t, err, "lock the open conversation through another tenant")
	other := got
	other.TenantID = b
	isNotFound(t, f.st.SaveConversation(f.ctx, other), "save through another tenant")
}

func testConversationList(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	agent := f.user(a, "Ann", auth.RoleExecutive)
	wa, tg := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelTelegram)
	carla, dario := f.contact(a, "Carla", "+15550001111"), f.contact(a, "Dario", "+4915112345678")
	c1 := f.conversation(a, carla.ID, wa.ID, t0, func(c *inbox.Conversation) { c.AssignedUserID = &agent.ID })
	c2 := f.conversation(a, dario.ID, tg.ID, t0.Add(time.Hour), func(c *inbox.Conversation) { c.Priority = inbox.PriorityUrgent })
	c3 := f.conversation(a, dario.ID, wa.ID, t0.Add(2*time.Hour), func(c *inbox.Conversation) { c.Status = inbox.StatusClosed })
	f.message(c1, inbox.SenderEndUser, "My parcel never arrived", t0.Add(5*time.Hour))
	f.message(c2, inbox.SenderEndUser, "Invoice question", t0.Add(3*time.Hour))
	f.message(c2, inbox.SenderBusinessUser, "secret parcel remark", t0.Add(4*time.Hour), func(m *inbox.Message) {
		m.IsInternal, m.MentionedUsers = true, []inbox.UserRef{{ID: agent.ID}}
	})
	team := inbox.Team{ID: id(), TenantID: a, Name: "Support", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, team))
	c3.AssignedTeamID = &team.ID
	f.must(f.st.SaveConversation(f.ctx, c3))
	vip := inbox.Tag{ID: id(), TenantID: a, Name: "vip", Color: "#ff0000", CreatedAt: t0}
	f.must(f.st.CreateTag(f.ctx, vip))
	for _, c := range []inbox.Conversation{c1, c3} {
		_, err := f.st.AddConversationTag(f.ctx, a, c.ID, vip.ID)
		f.must(err)
	}
	// Another tenant's data never shows.
	bc := f.contact(b, "Carla", "+15550001111")
	bconv := f.conversation(b, bc.ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0)
	bvip := inbox.Tag{ID: id(), TenantID: b, Name: "vip", Color: "#ff0000", CreatedAt: t0}
	f.must(f.st.CreateTag(f.ctx, bvip))
	_, err := f.st.AddConversationTag(f.ctx, b, bconv.ID, bvip.ID)
	f.must(err)

	ids := func(list []inbox.Conversation) []uuid.UUID {
		out := []uuid.UUID{}
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		name  string
		f     inbox.ConversationFilter
		want  []uuid.UUID
		total int
	}{
		{"default: newest activity first", inbox.ConversationFilter{}, []uuid.UUID{c1.ID, c2.ID, c3.ID}, 3},
		{"status", inbox.ConversationFilter{Status: inbox.StatusClosed}, []uuid.UUID{c3.ID}, 1},
		{"channel", inbox.ConversationFilter{ChannelKind: inbox.ChannelTelegram}, []uuid.UUID{c2.ID}, 1},
		{"assigned to", inbox.ConversationFilter{AssignedTo: &agent.ID}, []uuid.UUID{c1.ID}, 1},
		{"search name", inbox.ConversationFilter{Search: "dario"}, []uuid.UUID{c2.ID, c3.ID}, 2},
		{"search phone", inbox.ConversationFilter{Search: "+4915"}, []uuid.UUID{c2.ID, c3.ID}, 2},
		{"search content any case", inbox.ConversationFilter{Search: "PARCEL"}, []uuid.UUID{c1.ID}, 1},
		{"search ignores notes", inbox.ConversationFilter{Search: "secret"}, []uuid.UUID{}, 0},
		{"active since", inbox.ConversationFilter{ActiveSince: ptr(t0.Add(150 * time.Minute))}, []uuid.UUID{c1.ID, c2.ID}, 2},
		{"created ascending", inbox.ConversationFilter{SortBy: inbox.SortCreatedAt, SortAsc: true}, []uuid.UUID{c1.ID, c2.ID, c3.ID}, 3},
		{"priority", inbox.ConversationFilter{SortBy: inbox.SortPriority}, []uuid.UUID{c2.ID, c3.ID, c1.ID}, 3},
		{"page 2", inbox.ConversationFilter{Page: 2, Limit: 2}, []uuid.UUID{c3.ID}, 3},
		{"search page 2", inbox.ConversationFilter{Search: "dario", Page: 2, Limit: 1}, []uuid.UUID{c3.ID}, 2},
		{"search past the end", inbox.ConversationFilter{Search: "dario", Page: 3, Limit: 1}, []uuid.UUID{}, 2},
		{"unassigned", inbox.ConversationFilter{Unassigned: true}, []uuid.UUID{c2.ID, c3.ID}, 2},
		{"unassigned and closed", inbox.ConversationFilter{Unassigned: true, Status: inbox.StatusClosed}, []uuid.UUID{c3.ID}, 1},
		{"team", inbox.ConversationFilter{AssignedTeam: &team.ID}, []uuid.UUID{c3.ID}, 1},
		{"no team", inbox.ConversationFilter{NoTeam: true}, []uuid.UUID{c1.ID, c2.ID}, 2},
		{"no team, unassigned", inbox.ConversationFilter{NoTeam: true, Unassigned: true}, []uuid.UUID{c2.ID}, 1},
		{"tag", inbox.ConversationFilter{TagID: &vip.ID}, []uuid.UUID{c1.ID, c3.ID}, 2},
		{"tag, created ascending", inbox.ConversationFilter{TagID: &vip.ID, SortBy: inbox.SortCreatedAt, SortAsc: true}, []uuid.UUID{c1.ID, c3.ID}, 2},
		{"tag and search", inbox.ConversationFilter{TagID: &vip.ID, Search: "dario"}, []uuid.UUID{c3.ID}, 1},
		{"another tenant's tag", inbox.ConversationFilter{TagID: &bvip.ID}, []uuid.UUID{}, 0},
		{"contact", inbox.ConversationFilter{ContactID: &dario.ID}, []uuid.UUID{c2.ID, c3.ID}, 2},
		{"contact and status", inbox.ConversationFilter{ContactID: &dario.ID, Status: inbox.StatusActive}, []uuid.UUID{c2.ID}, 1},
		{"another tenant's contact", inbox.ConversationFilter{ContactID: &bc.ID}, []uuid.UUID{}, 0},
		{"mentioned", inbox.ConversationFilter{MentionedUser: &agent.ID}, []uuid.UUID{c2.ID}, 1},
		{"mentioned and tagged", inbox.ConversationFilter{MentionedUser: &agent.ID, TagID: &vip.ID}, []uuid.UUID{}, 0},
		{"mentioned and searched", inbox.ConversationFilter{MentionedUser: &agent.ID, Search: "invoice"}, []uuid.UUID{c2.ID}, 1},
		{"mentioned, someone else", inbox.ConversationFilter{MentionedUser: &bc.ID}, []uuid.UUID{}, 0},
	}
	for _, tc := range cases {
		list, total, err := f.st.ListConversations(f.ctx, a, tc.f)
		f.must(err)
		if diff := cmp.Diff(tc.want, ids(list)); diff != "" || total != tc.total {
			t.Errorf("%s: total %d (want %d), ids (-want +got):\n%s", tc.name, total, tc.total, diff)
		}
	}
	// Terms that mean something to LIKE, FTS5 or SQL match literally, and fail nothing.
	for _, term := range []string{`%`, `_`, `\`, `"`, `'`, `""""`, `a"b`, `100%`, `*`, `NEAR(a b)`, `) OR 1=1 --`, `dario*`, `ü`, `Dariö`, `😀😀😀`, strings.Repeat("x", 200)} {
		for _, filter := range []inbox.ConversationFilter{{Search: term}, {Search: term, Status: inbox.StatusActive}, {Search: term, SortBy: inbox.SortPriority}} {
			list, total, err := f.st.ListConversations(f.ctx, a, filter)
			if err != nil || total != 0 || len(list) != 0 {
				t.Errorf("search %q: %d conversations (total %d), %v; want none", term, len(list), total, err)
			}
		}
	}
	// The name index follows renames.
	dario.FirstName = "Dorian"
	f.must(f.st.UpdateContact(f.ctx, dario))
	for term, want := range map[string]int{"dorian": 2, "dario": 0, "Do": 2} {
		if _, total, err := f.st.ListConversations(f.ctx, a, inbox.ConversationFilter{Search: term}); err != nil || total != want {
			t.Errorf("search %q after the rename: %d conversations (want %d), %v", term, total, want, err)
		}
	}
	list, _, err := f.st.ListConversations(f.ctx, a, inbox.ConversationFilter{Search: "Carla"})
	f.must(err)
	if len(list) != 1 || list[0].LastMessage == nil || list[0].LastMessage.Content != "My parcel never arrived" || list[0].AssignedUser == nil || list[0].UnreadCount != 1 {
		t.Errorf("list row lacks its joined fields: %+v", list)
	}
}

// testSearchPlans checks searches whose matches are a large share of the tenant's
// conversations (read by walking the list in its order) and a small one (gathered, then
// sorted) against the answer computed here, page by page, in both directions.
func testSearchPlans(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	wa := f.channel(a, inbox.ChannelWhatsApp)
	var maria, john, mentions []listedRow
	for i := range 60 {
		name, list := "Maria", &maria
		if i%3 == 0 {
			name, list = "John", &john
		}
		contact := f.contact(a, name, fmt.Sprintf("+1555%07d", i))
		// Creation and activity orders differ; some contacts have a second conversation, and
		// then the first is closed (one open conversation per contact and channel).
		created := t0.Add(time.Duration(i) * time.Minute)
		second := i%4 == 3
		for k := range 1 + i%4/3 {
			closed := i%7 == k || second && k == 0
			c := f.conversation(a, contact.ID, wa.ID, created.Add(time.Duration(k)*time.Second), func(c *inbox.Conversation) {
				if closed {
					c.Status = inbox.StatusClosed
				}
			})
			activity := c.CreatedAt
			if i%5 != 0 {
				activity = t0.Add(time.Duration((i*37+k*11)%97) * time.Hour)
				f.message(c, inbox.SenderEndUser, "Hello there", activity)
			}
			*list = append(*list, listedRow{c.ID, activity, closed})
			// Some of John's conversations mention Maria: content matches; a note never counts.
			if name == "John" && i%2 == 0 {
				f.message(c, inbox.SenderBusinessUser, "Maria will call you back", activity.Add(-time.Minute))
				mentions = append(mentions, listedRow{c.ID, activity, closed})
			} else if name == "John" {
				f.message(c, inbox.SenderBusinessUser, "ask Maria", activity.Add(-time.Minute), func(m *inbox.Message) { m.IsInternal = true })
			}
		}
	}
	f.conversation(b, f.contact(b, "Maria", "+15550000000").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0)
	maria = append(maria, mentions...)
	for _, tc := range []struct {
		term string
		rows []listedRow
	}{{"maria", maria}, {"JOHN", john}} {
		for _, filter := range []inbox.ConversationFilter{{}, {SortAsc: true}, {Status: inbox.StatusClosed}} {
			asc, closed := filter.SortAsc, filter.Status == inbox.StatusClosed
			want := inListOrder(tc.rows, asc, closed)
			for _, limit := range []int{20, 7} {
				for page := 1; (page-1)*limit <= len(want); page++ {
					filter.Search, filter.Page, filter.Limit = tc.term, page, limit
					list, total, err := f.st.ListConversations(f.ctx, a, filter)
					f.must(err)
					got := []uuid.UUID{}
					for _, c := range list {
						got = append(got, c.ID)
					}
					end := min(page*limit, len(want))
					if diff := cmp.Diff(want[(page-1)*limit:end], got); diff != "" || total != len(want) {
						t.Errorf("%+v: total %d (want %d), ids (-want +got):\n%s", filter, total, len(want), diff)
					}
				}
			}
		}
	}
}

func testMessages(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	agent := f.user(a, "Ann", auth.RoleExecutive)
	ch := f.channel(a, inbox.ChannelWhatsApp)
	c := f.conversation(a, f.contact(a, "Carla", "+15550001111").ID, ch.ID, t0)

	in := f.message(c, inbox.SenderEndUser, "hello", t0.Add(time.Minute), func(m *inbox.Message) {
		m.ProviderMessageID = "wamid.1"
		m.Attachments = []inbox.Attachment{{MediaID: "m1", MimeType: "image/jpeg"}}
		m.Payload = json.RawMessage(`{"type":"image"}`)
	})
	redelivered := in
	redelivered.ID = id()
	after, err := f.st.InsertMessage(f.ctx, redelivered, inbox.Touch{UnreadDelta: 1, UpdatedAt: t0})
	f.must(err)
	if after != nil {
		t.Error("a redelivered provider id was stored twice")
	}
	got, err := f.st.FindMessageByProviderID(f.ctx, ch.ID, "wamid.1")
	f.must(err)
	if got.ID != in.ID || string(got.Payload) != `{"type":"image"}` || len(got.Attachments) != 1 || got.Attachments[0].MediaID != "m1" {
		t.Errorf("FindMessageByProviderID = %+v", got)
	}
	conv := f.get(a, c.ID)
	if conv.UnreadCount != 1 || conv.LastInboundAt == nil || conv.LastMessage == nil || conv.LastMessage.ID != in.ID {
		t.Errorf("touch after inbound: unread %d, inbound %v, last %+v", conv.UnreadCount, conv.LastInboundAt, conv.LastMessage)
	}

	reply := f.message(c, inbox.SenderBusinessUser, "hi!", t0.Add(2*time.Minute), func(m *inbox.Message) { m.SenderID = &agent.ID })
	f.message(c, inbox.SenderBusinessUser, "again", t0.Add(3*time.Minute), func(m *inbox.Message) { m.SenderID = &agent.ID })
	conv = f.get(a, c.ID)
	if conv.FirstResponseAt == nil || !conv.FirstResponseAt.Equal(reply.CreatedAt) {
		t.Errorf("first_response_at = %v, want the first reply's time", conv.FirstResponseAt)
	}
	// A late webhook with an older timestamp does not replace the last message.
	f.message(c, inbox.SenderEndUser, "late", t0.Add(90*time.Second))
	conv = f.get(a, c.ID)
	if conv.LastMessage.Content != "again" || conv.UnreadCount != 2 {
		t.Errorf("after a late message: last %q unread %d", conv.LastMessage.Content, conv.UnreadCount)
	}

	note := f.message(c, inbox.SenderBusinessUser, "@Ann look", t0.Add(4*time.Minute), func(m *inbox.Message) {
		m.IsInternal, m.SenderID, m.MentionedUsers = true, &agent.ID, []inbox.UserRef{{ID: agent.ID}}
	})
	gotNote, err := f.st.GetMessage(f.ctx, a, note.ID)
	f.must(err)
	if len(gotNote.MentionedUsers) != 1 || gotNote.MentionedUsers[0].FirstName != "Ann" {
		t.Errorf("mentions = %+v", gotNote.MentionedUsers)
	}
	if f.get(a, c.ID).LastMessage.Content != "again" {
		t.Error("an internal note became the conversation's last message")
	}
	_, err = f.st.GetMessage(f.ctx, b, note.ID)
	isNotFound(t, err, "another tenant's message")
	stranger := f.user(b, "Bob", auth.RoleAdmin)
	bad := inbox.Message{ID: id(), TenantID: a, ConversationID: c.ID, SenderType: inbox.SenderBusinessUser, Content: "x", ContentType: inbox.ContentText,
		IsInternal: true, Status: inbox.DeliveryQueued, CreatedAt: t0, MentionedUsers: []inbox.UserRef{{ID: stranger.ID}}}
	if _, err := f.st.InsertMessage(f.ctx, bad, inbox.Touch{UpdatedAt: t0}); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("mentioning another tenant's user: got %v", err)
	}
	foreign := bad
	foreign.ID, foreign.TenantID, foreign.MentionedUsers = id(), b, nil
	if _, err := f.st.InsertMessage(f.ctx, foreign, inbox.Touch{UpdatedAt: t0}); !errors.Is(err, inbox.ErrNotFound) {
		t.Errorf("message into another tenant's conversation: got %v", err)
	}

	n, err := f.st.MarkConversationRead(f.ctx, a, c.ID)
	f.must(err)
	if n != 2 || f.get(a, c.ID).UnreadCount != 0 {
		t.Errorf("MarkConversationRead changed %d messages, unread now %d", n, f.get(a, c.ID).UnreadCount)
	}
	_, err = f.st.MarkConversationRead(f.ctx, b, c.ID)
	isNotFound(t, err, "mark another tenant's conversation read")
}

func testMessagePages(t *testing.T, f *fixture) {
	a := f.tenant("A")
	c := f.conversation(a, f.contact(a, "Carla", "+15550001111").ID, f.channel(a, inbox.ChannelSMS).ID, t0)
	var msgs []inbox.Message
	for i := range 10 {
		msgs = append(msgs, f.message(c, inbox.SenderEndUser, fmt.Sprint("m", i), t0.Add(time.Duration(i)*time.Minute), func(m *inbox.Message) {
			m.IsInternal = i == 9
		}))
	}
	contents := func(list []inbox.Message) []string {
		out := []string{}
		for _, m := range list {
			out = append(out, m.Content)
		}
		return out
	}
	cases := []struct {
		name  string
		p     inbox.MessagePage
		want  []string
		total int
	}{
		{"page 1 is the oldest", inbox.MessagePage{Page: 1, Limit: 3}, []string{"m0", "m1", "m2"}, 9},
		{"page 3", inbox.MessagePage{Page: 3, Limit: 4}, []string{"m8"}, 9},
		{"newest page", inbox.MessagePage{Limit: 3}, []string{"m6", "m7", "m8"}, 9},
		{"newest with notes", inbox.MessagePage{Limit: 3, IncludeInternal: true}, []string{"m7", "m8", "m9"}, 10},
		{"before", inbox.MessagePage{Limit: 3, Before: &msgs[5].ID}, []string{"m2", "m3", "m4"}, 9},
		{"after", inbox.MessagePage{Limit: 3, After: &msgs[5].ID}, []string{"m6", "m7", "m8"}, 9},
		{"before the first", inbox.MessagePage{Limit: 3, Before: &msgs[0].ID}, []string{}, 9},
	}
	for _, tc := range cases {
		list, total, err := f.st.ListMessages(f.ctx, a, c.ID, tc.p)
		f.must(err)
		if diff := cmp.Diff(tc.want, contents(list)); diff != "" || total != tc.total {
			t.Errorf("%s: total %d (want %d) (-want +got):\n%s", tc.name, total, tc.total, diff)
		}
	}
	b := f.tenant("B")
	_, _, err := f.st.ListMessages(f.ctx, b, c.ID, inbox.MessagePage{Page: 1, Limit: 3})
	isNotFound(t, err, "another tenant's messages")
}

func testDeliveryStatus(t *testing.T, f *fixture) {
	a := f.tenant("A")
	ch := f.channel(a, inbox.ChannelWhatsApp)
	c := f.conversation(a, f.contact(a, "Carla", "+15550001111").ID, ch.ID, t0)
	// receipts applies the statuses in order and checks which moved the message, the message's
	// status and error after, and its history: only the receipts that applied.
	receipts := func(providerID string, steps []inbox.DeliveryStatus, moved []bool, want inbox.DeliveryStatus, wantErr string) inbox.Message {
		t.Helper()
		m := f.message(c, inbox.SenderBusinessUser, "reply "+providerID, t0)
		f.must(f.st.SetProviderMessageID(f.ctx, a, m.ID, providerID))
		history := []inbox.DeliveryStatus{inbox.DeliveryQueued}
		for i, s := range steps {
			got, err := f.st.ApplyMessageStatus(f.ctx, a, m.ID, inbox.StatusChange{Status: s, At: t0.Add(time.Duration(i+1) * time.Second),
				Error: map[bool]string{true: "boom " + string(s)}[s == inbox.DeliveryFailed]})
			f.must(err)
			if got != moved[i] {
				t.Errorf("%s: apply %s after %v: moved %v, want %v", providerID, s, steps[:i], got, moved[i])
			}
			if moved[i] {
				history = append(history, s)
			}
		}
		got, err := f.st.FindMessageByProviderID(f.ctx, ch.ID, providerID)
		f.must(err)
		if got.Status != want || got.Error != wantErr {
			t.Errorf("%s: status %s error %q, want %s %q", providerID, got.Status, got.Error, want, wantErr)
		}
		hist, err := f.st.MessageStatusHistory(f.ctx, a, m.ID)
		f.must(err)
		var seq []inbox.DeliveryStatus
		for _, h := range hist {
			seq = append(seq, h.Status)
		}
		if diff := cmp.Diff(history, seq); diff != "" {
			t.Errorf("%s: history (-want +got):\n%s", providerID, diff)
		}
		return got
	}
	S, D, R, F := inbox.DeliverySent, inbox.DeliveryDelivered, inbox.DeliveryRead, inbox.DeliveryFailed
	// A late "delivered" and a "failed" after "read" are stale: the message stays read.
	read := receipts("wamid.read", []inbox.DeliveryStatus{S, R, D, F, S}, []bool{true, true, false, false, false}, R, "")
	if read.SentAt == nil || read.ReadAt == nil || read.DeliveredAt == nil || read.FailedAt != nil {
		t.Errorf("read message's times: %+v", read)
	}
	receipts("wamid.delivered", []inbox.DeliveryStatus{S, D, F}, []bool{true, true, false}, D, "")
	// A failure before delivery ends the message; nothing moves it after.
	failed := receipts("wamid.failed", []inbox.DeliveryStatus{S, F, D, R, F}, []bool{true, true, false, false, false}, F, "boom failed")
	if failed.FailedAt == nil || failed.DeliveredAt != nil {
		t.Errorf("failed message's times: %+v", failed)
	}
	_, err := f.st.ApplyMessageStatus(f.ctx, f.tenant("B"), read.ID, inbox.StatusChange{Status: inbox.DeliveryRead, At: t0})
	isNotFound(t, err, "receipt through another tenant")

	f.must(f.st.ParkReceipt(f.ctx, ch.ID, "wamid.early", inbox.StatusChange{Status: inbox.DeliveryRead, At: t0.Add(2 * time.Second)}))
	f.must(f.st.ParkReceipt(f.ctx, ch.ID, "wamid.early", inbox.StatusChange{Status: inbox.DeliveryDelivered, At: t0.Add(time.Second)}))
	parked, err := f.st.TakeParkedReceipts(f.ctx, ch.ID, "wamid.early")
	f.must(err)
	if len(parked) != 2 || parked[0].Status != inbox.DeliveryDelivered {
		t.Errorf("parked receipts = %+v, want delivered then read", parked)
	}
	parked, err = f.st.TakeParkedReceipts(f.ctx, ch.ID, "wamid.early")
	f.must(err)
	if len(parked) != 0 {
		t.Errorf("parked receipts were not taken: %+v", parked)
	}
}

func testOutbox(t *testing.T, f *fixture) {
	a := f.tenant("A")
	ch := f.channel(a, inbox.ChannelTelegram)
	// One item in each of n conversations: the items of one conversation go one at a time
	// (testOutboxOrder).
	const n = 20
	var c inbox.Conversation
	for i := range n {
		c = f.conversation(a, f.contact(a, fmt.Sprint("Carla", i), fmt.Sprintf("+1555000%04d", i)).ID, ch.ID, t0)
		f.enqueue(f.message(c, inbox.SenderBusinessUser, fmt.Sprint("out ", i), t0), ch)
	}
	// Concurrent claimers never take the same item.
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	claims := map[uuid.UUID]string{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				items, err := f.st.ClaimOutbound(f.ctx, t0.Add(time.Second), time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(items) == 0 {
					return
				}
				mu.Lock()
				for _, it := range items {
					seen[it.ID]++
					claims[it.ID] = it.Claim
					if it.Attempts != 1 || it.Claim == "" {
						t.Errorf("attempts = %d, claim %q; want 1 and a claim", it.Attempts, it.Claim)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d distinct items, want %d", len(seen), n)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("item %v claimed %d times", k, v)
		}
	}
	var first uuid.UUID
	for k := range seen {
		first = k
		break
	}
	backlog, err := f.st.OutboxBacklog(f.ctx)
	f.must(err)
	if backlog.Items != n || backlog.Oldest == nil || !backlog.Oldest.Equal(t0) {
		t.Errorf("backlog = %d items, oldest %v; want %d, %v", backlog.Items, backlog.Oldest, n, t0)
	}
	isNotFound(t, f.st.RetryOutbound(f.ctx, first, "not-the-claim", t0, "stale"), "retry under another claim")
	isNotFound(t, f.st.CompleteOutbound(f.ctx, first, "not-the-claim"), "complete under another claim")
	f.must(f.st.RetryOutbound(f.ctx, first, claims[first], t0.Add(10*time.Second), "timeout"))
	isNotFound(t, f.st.CompleteOutbound(f.ctx, first, claims[first]), "complete after the claim was released")
	items, err := f.st.ClaimOutbound(f.ctx, t0.Add(5*time.Second), time.Minute, 10)
	f.must(err)
	if len(items) != 0 {
		t.Errorf("claimed %d items before they were due", len(items))
	}
	items, err = f.st.ClaimOutbound(f.ctx, t0.Add(11*time.Second), time.Minute, 10)
	f.must(err)
	if len(items) != 1 || items[0].ID != first || items[0].Attempts != 2 || items[0].LastError != "timeout" || items[0].Claim == claims[first] {
		t.Errorf("retried item = %+v", items)
	}
	// Its lease ends at 1m11s unless extended; once another claim took it over, the old
	// claim can neither extend, nor retry, nor complete it.
	retried := items[0]
	f.must(f.st.ExtendOutbound(f.ctx, first, retried.Claim, t0.Add(5*time.Minute)))
	items, err = f.st.ClaimOutbound(f.ctx, t0.Add(4*time.Minute), time.Minute, 100)
	f.must(err)
	if len(items) != n-1 {
		t.Errorf("after the other leases expired: %d items, want %d", len(items), n-1)
	}
	items, err = f.st.ClaimOutbound(f.ctx, t0.Add(6*time.Minute), time.Minute, 100)
	f.must(err)
	var taken inbox.OutboxItem
	for _, it := range items {
		if it.ID == first {
			taken = it
		}
	}
	if taken.ID != first || taken.Attempts != 3 {
		t.Fatalf("the extended item came back as %+v, want it after its extended lease", taken)
	}
	isNotFound(t, f.st.ExtendOutbound(f.ctx, first, retried.Claim, t0.Add(time.Hour)), "extend a lost claim")
	isNotFound(t, f.st.RetryOutbound(f.ctx, first, retried.Claim, t0, "stale"), "retry a lost claim")
	isNotFound(t, f.st.CompleteOutbound(f.ctx, first, retried.Claim), "complete a lost claim")
	items, err = f.st.ClaimOutbound(f.ctx, t0.Add(6*time.Minute+30*time.Second), time.Minute, 100)
	f.must(err)
	if len(items) != 0 {
		t.Errorf("a lost claim's calls freed %d items", len(items))
	}
	f.must(f.st.CompleteOutbound(f.ctx, first, taken.Claim))
	isNotFound(t, f.st.CompleteOutbound(f.ctx, first, taken.Claim), "complete twice")
	backlog, err = f.st.OutboxBacklog(f.ctx)
	f.must(err)
	if backlog.Items != n-1 {
		t.Errorf("backlog = %d items, want %d", backlog.Items, n-1)
	}

	// A message's send attempts and last error.
	m := f.message(c, inbox.SenderBusinessUser, "retried", t0)
	f.must(f.st.SetSendAttempts(f.ctx, a, m.ID, 2, "provider answered 503"))
	got, err := f.st.GetMessage(f.ctx, a, m.ID)
	f.must(err)
	if got.SendAttempts != 2 || got.Error != "provider answered 503" {
		t.Errorf("send attempts %d, error %q", got.SendAttempts, got.Error)
	}
	isNotFound(t, f.st.SetSendAttempts(f.ctx, f.tenant("B"), m.ID, 3, ""), "another tenant's message")
}

// enqueue queues m, a reply on ch, due at t0.
func (f *fixture) enqueue(m inbox.Message, ch inbox.Channel) {
	f.t.Helper()
	f.must(f.st.EnqueueOutbound(f.ctx, inbox.OutboxItem{ID: id(), TenantID: m.TenantID, MessageID: m.ID, ChannelID: ch.ID,
		ConversationID: m.ConversationID, NextAttempt: t0, CreatedAt: t0}))
}

// The replies of one conversation are claimed one at a time, in the order they were
// queued: the next waits while the one before is being sent or waits for a retry, and goes
// once it is completed (sent, or failed for good). Other conversations' replies do not wait.
func testOutboxOrder(t *testing.T, f *fixture) {
	a := f.tenant("A")
	ch := f.channel(a, inbox.ChannelWhatsApp)
	x := f.conversation(a, f.contact(a, "Xena", "+15550002001").ID, ch.ID, t0)
	y := f.conversation(a, f.contact(a, "Yuri", "+15550002002").ID, ch.ID, t0)
	// Queued interleaved, all due and created at the same instant.
	x1 := f.message(x, inbox.SenderBusinessUser, "x1", t0)
	f.enqueue(x1, ch)
	y1 := f.message(y, inbox.SenderBusinessUser, "y1", t0)
	f.enqueue(y1, ch)
	x2 := f.message(x, inbox.SenderBusinessUser, "x2", t0)
	f.enqueue(x2, ch)
	x3 := f.message(x, inbox.SenderBusinessUser, "x3", t0)
	f.enqueue(x3, ch)

	claim := func(at time.Duration) map[uuid.UUID]inbox.OutboxItem {
		t.Helper()
		items, err := f.st.ClaimOutbound(f.ctx, t0.Add(at), time.Minute, 10)
		f.must(err)
		byMessage := map[uuid.UUID]inbox.OutboxItem{}
		for _, it := range items {
			byMessage[it.MessageID] = it
		}
		return byMessage
	}
	got := claim(time.Second)
	if len(got) != 2 || got[x1.ID].ConversationID != x.ID || got[y1.ID].ConversationID != y.ID {
		t.Fatalf("first claim took %+v, want x1 and y1 with their conversations", got)
	}
	f.must(f.st.CompleteOutbound(f.ctx, got[y1.ID].ID, got[y1.ID].Claim))
	if again := claim(2 * time.Second); len(again) != 0 {
		t.Errorf("claimed %+v while x1 was being sent", again)
	}
	f.must(f.st.RetryOutbound(f.ctx, got[x1.ID].ID, got[x1.ID].Claim, t0.Add(10*time.Second), "timeout"))
	if early := claim(5 * time.Second); len(early) != 0 {
		t.Errorf("claimed %+v while x1 waited for its retry", early)
	}
	retried := claim(11 * time.Second)
	if len(retried) != 1 || retried[x1.ID].Attempts != 2 {
		t.Fatalf("at its retry: %+v, want x1 alone", retried)
	}
	// x1's lease ends unrenewed: another worker takes x1 over, still not x2.
	taken := claim(2 * time.Minute)
	if len(taken) != 1 || taken[x1.ID].Attempts != 3 {
		t.Fatalf("after x1's lease ended: %+v, want x1 alone", taken)
	}
	// x1 fails for good: it is completed, and x2 goes, then x3.
	f.must(f.st.CompleteOutbound(f.ctx, taken[x1.ID].ID, taken[x1.ID].Claim))
	next := claim(2 * time.Minute)
	if len(next) != 1 || next[x2.ID].ID == uuid.Nil {
		t.Fatalf("after x1 failed for good: %+v, want x2", next)
	}
	f.must(f.st.CompleteOutbound(f.ctx, next[x2.ID].ID, next[x2.ID].Claim))
	last := claim(2 * time.Minute)
	if len(last) != 1 || last[x3.ID].ID == uuid.Nil {
		t.Fatalf("after x2: %+v, want x3", last)
	}
	f.must(f.st.CompleteOutbound(f.ctx, last[x3.ID].ID, last[x3.ID].Claim))

	// Workers claiming at once take the replies of one conversation in order, one at a time.
	z := f.conversation(a, f.contact(a, "Zoe", "+15550002003").ID, ch.ID, t0)
	const n = 12
	var want []uuid.UUID
	for i := range n {
		m := f.message(z, inbox.SenderBusinessUser, fmt.Sprint("z", i), t0)
		f.enqueue(m, ch)
		want = append(want, m.ID)
	}
	var (
		mu       sync.Mutex
		order    []uuid.UUID
		inFlight int // claimed, not yet completed
		wg       sync.WaitGroup
	)
	done := func() bool { mu.Lock(); defer mu.Unlock(); return len(order) >= n }
	deadline := time.Now().Add(time.Minute)
	for range 4 {
		wg.Go(func() {
			for !done() && time.Now().Before(deadline) {
				items, err := f.st.ClaimOutbound(f.ctx, t0.Add(time.Hour), time.Minute, 3)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, it := range items {
					if inFlight > 0 {
						t.Errorf("%v claimed while another reply of its conversation was being sent", it.MessageID)
					}
					inFlight++
					order = append(order, it.MessageID)
				}
				mu.Unlock()
				for _, it := range items {
					mu.Lock()
					inFlight-- // before the item leaves the outbox, when the next may go
					mu.Unlock()
					if err := f.st.CompleteOutbound(f.ctx, it.ID, it.Claim); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if !slices.Equal(order, want) {
		t.Errorf("claimed in the order\n%v\nwant\n%v", order, want)
	}
}

func testEvents(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	appendEv := func(tenant uuid.UUID, at time.Time) inbox.Event {
		e := inbox.Event{TenantID: tenant, Type: inbox.EventNewMessage, Data: json.RawMessage(`{"n":1}`), CreatedAt: at}
		f.must(f.st.InTx(f.ctx, func(q inbox.Queries) error { return q.AppendEvent(f.ctx, &e) }))
		if e.Seq != 0 {
			return e // numbered as stored
		}
		// Stored unnumbered: out of the log until the sequencer numbers it.
		if evs, _, err := f.st.EventsSince(f.ctx, tenant, 0, 100); err != nil || len(evs) > 0 && evs[len(evs)-1].CreatedAt.Equal(at) {
			t.Errorf("an unnumbered event is in the log: %v %v", evs, err)
		}
		numbered := numberEvents(t, f.st)
		if len(numbered) != 1 || numbered[0].TenantID != tenant || !numbered[0].CreatedAt.Equal(at) || string(numbered[0].Data) != `{"n":1}` {
			t.Fatalf("numbered %+v, want the one event appended", numbered)
		}
		return numbered[0]
	}
	for i := range 5 {
		if e := appendEv(a, t0.Add(time.Duration(i)*time.Hour)); e.Seq != int64(i+1) {
			t.Errorf("seq %d, want %d", e.Seq, i+1)
		}
	}
	if e := appendEv(b, t0); e.Seq != 1 {
		t.Errorf("tenant B's first seq = %d, want 1", e.Seq)
	}
	evs, oldest, err := f.st.EventsSince(f.ctx, a, 2, 2)
	f.must(err)
	if oldest != 1 || len(evs) != 2 || evs[0].Seq != 3 || evs[1].Seq != 4 || string(evs[0].Data) != `{"n":1}` || evs[0].TenantID != a {
		t.Errorf("EventsSince = %+v oldest %d", evs, oldest)
	}
	n, err := f.st.PruneEvents(f.ctx, t0.Add(100*time.Hour))
	f.must(err)
	if n != 4 {
		t.Errorf("pruned %d, want 4 (each tenant keeps its newest)", n)
	}
	evs, oldest, err = f.st.EventsSince(f.ctx, a, 0, 10)
	f.must(err)
	if oldest != 5 || len(evs) != 1 {
		t.Errorf("after prune: %d events, oldest %d", len(evs), oldest)
	}
	_, oldest, err = f.st.EventsSince(f.ctx, f.tenant("C"), 0, 10)
	f.must(err)
	if oldest != 0 {
		t.Errorf("empty log oldest = %d", oldest)
	}
}

func testStatistics(t *testing.T, f *fixture) {
	a := f.tenant("A")
	ann, bob := f.user(a, "Ann", auth.RoleExecutive), f.user(a, "Bob", auth.RoleExecutive)
	team := inbox.Team{ID: id(), TenantID: a, Name: "Support", CreatedAt: t0}
	f.must(f.st.CreateTeam(f.ctx, team))
	wa, sms := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelSMS)
	ct := f.contact(a, "Carla", "+15550001111")
	day2 := t0.Add(24 * time.Hour)
	c1 := f.conversation(a, ct.ID, wa.ID, t0, func(c *inbox.Conversation) {
		c.AssignedUserID, c.AssignedTeamID = &ann.ID, &team.ID
		c.Status, c.ResolvedAt, c.ClosedAt = inbox.StatusClosed, ptr(t0.Add(time.Hour)), ptr(t0.Add(time.Hour))
	})
	f.message(c1, inbox.SenderBusinessUser, "first", t0.Add(10*time.Minute))
	c2 := f.conversation(a, ct.ID, sms.ID, day2, func(c *inbox.Conversation) { c.AssignedUserID = &ann.ID })
	f.message(c2, inbox.SenderEndUser, "help", day2.Add(time.Minute))
	f.message(c2, inbox.SenderEndUser, "please", day2.Add(2*time.Minute))
	f.message(c2, inbox.SenderBusinessUser, "on it", day2.Add(30*time.Minute))
	f.conversation(a, f.contact(a, "Dario", "+15550002222").ID, sms.ID, day2, func(c *inbox.Conversation) { c.Status = inbox.StatusPending })

	st, err := f.st.ConversationStats(f.ctx, a, inbox.StatsFilter{})
	f.must(err)
	if st.Total != 3 || st.ByStatus[inbox.StatusClosed] != 1 || st.ByStatus[inbox.StatusActive] != 1 || st.ByStatus[inbox.StatusPending] != 1 {
		t.Errorf("totals/by status: %+v", st)
	}
	if st.ByChannel[inbox.ChannelSMS] != 2 || st.ByChannel[inbox.ChannelWhatsApp] != 1 {
		t.Errorf("by channel: %v", st.ByChannel)
	}
	if diff := cmp.Diff(map[string]int{"2026-11-01": 1, "2026-11-02": 2}, st.ByDay); diff != "" {
		t.Errorf("by day (-want +got):\n%s", diff)
	}
	if st.AvgResolutionSeconds == nil || *st.AvgResolutionSeconds != 3600 {
		t.Errorf("avg resolution = %v, want 3600", st.AvgResolutionSeconds)
	}
	if st.AvgFirstResponseSeconds == nil || *st.AvgFirstResponseSeconds != (600+1800)/2 {
		t.Errorf("avg first response = %v, want 1200", st.AvgFirstResponseSeconds)
	}
	st, err = f.st.ConversationStats(f.ctx, a, inbox.StatsFilter{Start: &day2, TeamID: nil})
	f.must(err)
	if st.Total != 2 || st.AvgResolutionSeconds != nil {
		t.Errorf("from day 2: %+v", st)
	}
	st, err = f.st.ConversationStats(f.ctx, a, inbox.StatsFilter{TeamID: &team.ID})
	f.must(err)
	if st.Total != 1 {
		t.Errorf("team filter: total %d", st.Total)
	}

	in, err := f.st.InboxStats(f.ctx, a, day2)
	f.must(err)
	if in.TotalConversations != 3 || in.UnreadMessages != 2 || in.UnreadConversations != 1 || in.OpenTickets != 2 || in.Unassigned != 1 {
		t.Errorf("inbox stats: %+v", in)
	}
	if len(in.Agents) != 2 || in.Agents[0].User.ID != ann.ID || in.Agents[1].User.ID != bob.ID {
		t.Fatalf("agents: %+v", in.Agents)
	}
	annLoad := in.Agents[0]
	if annLoad.OpenAssigned != 1 || annLoad.Unread != 2 || annLoad.OldestWaitingSince == nil || annLoad.AvgFirstResponseSeconds == nil {
		t.Errorf("Ann's load: %+v", annLoad)
	}
	if in.Agents[1].OpenAssigned != 0 || in.Agents[1].AvgFirstResponseSeconds != nil {
		t.Errorf("Bob's load: %+v", in.Agents[1])
	}
}

func testInboxMessages(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ann := f.user(a, "Ann", auth.RoleExecutive)
	wa, tg := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelTelegram)
	carla, dario := f.contact(a, "Carla", "+15550001111"), f.contact(a, "Dario", "+15550002222")
	c1 := f.conversation(a, carla.ID, wa.ID, t0, func(c *inbox.Conversation) { c.AssignedUserID = &ann.ID })
	c2 := f.conversation(a, dario.ID, tg.ID, t0)
	m1 := f.message(c1, inbox.SenderEndUser, "where is my order", t0.Add(1*time.Minute))
	m2 := f.message(c1, inbox.SenderBusinessUser, "Your order shipped", t0.Add(2*time.Minute))
	m3 := f.message(c1, inbox.SenderBusinessUser, "order note", t0.Add(3*time.Minute), func(m *inbox.Message) { m.IsInternal = true })
	m4 := f.message(c2, inbox.SenderEndUser, "hi", t0.Add(4*time.Minute))
	f.message(f.conversation(b, f.contact(b, "X", "+15550009999").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0), inbox.SenderEndUser, "order", t0)

	ids := func(list []inbox.InboxMessage) []uuid.UUID {
		out := []uuid.UUID{}
		for _, m := range list {
			out = append(out, m.ID)
		}
		return out
	}
	cases := []struct {
		name string
		f    inbox.InboxMessageFilter
		want []uuid.UUID
	}{
		{"all, newest first, no notes", inbox.InboxMessageFilter{}, []uuid.UUID{m4.ID, m2.ID, m1.ID}},
		{"channel", inbox.InboxMessageFilter{Channel: inbox.ChannelWhatsApp}, []uuid.UUID{m2.ID, m1.ID}},
		{"inbound", inbox.InboxMessageFilter{Inbound: ptr(true)}, []uuid.UUID{m4.ID, m1.ID}},
		{"outbound", inbox.InboxMessageFilter{Inbound: ptr(false)}, []uuid.UUID{m2.ID}},
		{"unread", inbox.InboxMessageFilter{IsRead: ptr(false)}, []uuid.UUID{m4.ID, m1.ID}},
		{"contact", inbox.InboxMessageFilter{ContactID: &dario.ID}, []uuid.UUID{m4.ID}},
		{"assigned", inbox.InboxMessageFilter{AssignedTo: &ann.ID}, []uuid.UUID{m2.ID, m1.ID}},
		{"search", inbox.InboxMessageFilter{Search: "ORDER"}, []uuid.UUID{m2.ID, m1.ID}},
		{"search short", inbox.InboxMessageFilter{Search: "hi"}, []uuid.UUID{m4.ID, m2.ID}},
		// Notes are keyed apart in PostgreSQL's content index (its migration 0032).
		{"search with notes", inbox.InboxMessageFilter{Search: "order note", IncludeInternal: true}, []uuid.UUID{m3.ID}},
		{"search notes left out", inbox.InboxMessageFilter{Search: "order note"}, []uuid.UUID{}},
		{"window", inbox.InboxMessageFilter{From: ptr(t0.Add(90 * time.Second)), To: ptr(t0.Add(4 * time.Minute))}, []uuid.UUID{m2.ID}},
		{"cursor", inbox.InboxMessageFilter{Before: &m2.ID}, []uuid.UUID{m1.ID}},
		{"limit", inbox.InboxMessageFilter{Limit: 1}, []uuid.UUID{m4.ID}},
	}
	for _, tc := range cases {
		list, err := f.st.ListInboxMessages(f.ctx, a, tc.f)
		f.must(err)
		if diff := cmp.Diff(tc.want, ids(list)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	list, err := f.st.ListInboxMessages(f.ctx, a, inbox.InboxMessageFilter{IncludeInternal: true, ConversationID: &c1.ID})
	f.must(err)
	if len(list) != 3 || list[0].ChannelKind != inbox.ChannelWhatsApp || list[0].ContactID != carla.ID || list[0].LastInboundAt == nil {
		t.Errorf("with notes: %+v", list)
	}
}

func testTransactions(t *testing.T, f *fixture) {
	a := f.tenant("A")
	boom := errors.New("boom")
	ct := inbox.Contact{ID: id(), TenantID: a, FirstName: "Rolled", LastName: "Back", CreatedAt: t0, UpdatedAt: t0}
	err := f.st.InTx(f.ctx, func(q inbox.Queries) error {
		if err := q.CreateContact(f.ctx, ct); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("InTx returned %v, want the callback's error", err)
	}
	_, err = f.st.GetContact(f.ctx, a, ct.ID)
	isNotFound(t, err, "a contact written by a rolled-back transaction")
	// Concurrent writers all land (SQLite waits for its single writer instead of failing,
	// and may commit several together); those that fail, or panic, roll back alone, leaving
	// no gap in the event sequence.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			err := f.st.InTx(f.ctx, func(q inbox.Queries) error {
				e := inbox.Event{TenantID: a, Type: inbox.EventPresence, Data: json.RawMessage(`{}`), CreatedAt: t0}
				if err := q.AppendEvent(f.ctx, &e); err != nil {
					return err
				}
				if err := q.CreateContact(f.ctx, inbox.Contact{ID: id(), TenantID: a, FirstName: fmt.Sprint("W", i), CreatedAt: t0, UpdatedAt: t0}); err != nil {
					return err
				}
				if i%4 == 3 {
					panic(boom)
				}
				if i%2 == 1 {
					return boom
				}
				return nil
			})
			switch {
			case i%4 == 3 && (err == nil || !strings.Contains(err.Error(), "panic")):
				t.Errorf("writer %d panicked: %v, want an error that says so", i, err)
			case i%4 == 1 && !errors.Is(err, boom), i%2 == 0 && err != nil:
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	numberEvents(t, f.st)
	evs, _, err := f.st.EventsSince(f.ctx, a, 0, 100)
	f.must(err)
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event seqs have a gap or repeat: %d at %d", e.Seq, i)
		}
	}
	if len(evs) != 8 {
		t.Errorf("%d events, want 8", len(evs))
	}
	contacts, _, err := f.st.ListContacts(f.ctx, a, inbox.ContactFilter{Search: "W", Page: 1, Limit: 100})
	f.must(err)
	kept := 0
	for _, c := range contacts {
		n, err := strconv.Atoi(strings.TrimPrefix(c.FirstName, "W"))
		if err != nil || !strings.HasPrefix(c.FirstName, "W") {
			continue // another test's contact
		}
		if kept++; n%2 == 1 {
			t.Errorf("contact %s of a failed writer was kept", c.FirstName)
		}
	}
	if kept != 8 {
		t.Errorf("%d contacts of writers, want 8", kept)
	}
}

func testReplyWindows(t *testing.T, f *fixture) {
	a := f.tenant("A")
	wa, sms := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelSMS)
	ct := f.contact(a, "Carla", "+15550001111")
	old := f.conversation(a, ct.ID, wa.ID, t0)
	f.message(old, inbox.SenderEndUser, "hi", t0)
	smsConv := f.conversation(a, ct.ID, sms.ID, t0)
	f.message(smsConv, inbox.SenderEndUser, "sms has no window", t0.Add(time.Minute))
	closed := f.conversation(a, ct.ID, wa.ID, t0, func(c *inbox.Conversation) { c.Status = inbox.StatusClosed })
	f.message(closed, inbox.SenderEndUser, "closed", t0.Add(2*time.Minute))
	other := f.contact(a, "Omar", "+15550002222") // one open conversation per contact and channel
	f.message(f.conversation(a, other.ID, wa.ID, t0), inbox.SenderEndUser, "still open", t0.Add(2*time.Hour))
	expired := func() []inbox.WindowRef { // the tenant's (other tests share the store)
		refs, err := f.st.ExpiredReplyWindows(f.ctx, t0.Add(time.Hour), 10000)
		f.must(err)
		return slices.DeleteFunc(refs, func(r inbox.WindowRef) bool { return r.TenantID != a })
	}
	// Every expired window not swept yet, oldest first; only the open WhatsApp one announced.
	refs := expired()
	want := []inbox.WindowRef{
		{TenantID: a, ConversationID: old.ID, LastInboundAt: t0, Announce: true},
		{TenantID: a, ConversationID: smsConv.ID, LastInboundAt: t0.Add(time.Minute)},
		{TenantID: a, ConversationID: closed.ID, LastInboundAt: t0.Add(2 * time.Minute)},
	}
	if len(refs) != len(want) {
		t.Fatalf("expired windows = %+v, want %+v", refs, want)
	}
	for i, r := range refs {
		if r.ConversationID != want[i].ConversationID || !r.LastInboundAt.Equal(want[i].LastInboundAt) || r.Announce != want[i].Announce {
			t.Errorf("expired window %d = %+v, want %+v", i, r, want[i])
		}
	}
	first, err := f.st.MarkReplyWindowClosed(f.ctx, a, old.ID, t0)
	f.must(err)
	again, err := f.st.MarkReplyWindowClosed(f.ctx, a, old.ID, t0)
	f.must(err)
	if !first || again || len(expired()) != 2 {
		t.Errorf("mark: %v then %v, still listed %d", first, again, len(expired()))
	}
	for _, r := range refs[1:] {
		marked, err := f.st.MarkReplyWindowClosed(f.ctx, a, r.ConversationID, r.LastInboundAt)
		f.must(err)
		if !marked {
			t.Errorf("window of %s not marked", r.ConversationID)
		}
	}
	if refs := expired(); len(refs) != 0 {
		t.Errorf("swept windows listed again: %+v", refs)
	}
	// A new message reopens the window; its closing is announced again later.
	f.message(old, inbox.SenderEndUser, "back", t0.Add(30*time.Minute))
	if refs := expired(); len(refs) != 1 || !refs[0].LastInboundAt.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("after a new message: %+v", refs)
	}
	stale, err := f.st.MarkReplyWindowClosed(f.ctx, a, old.ID, t0)
	f.must(err)
	if stale {
		t.Error("a mark for the previous window succeeded after the window reopened")
	}
	// A message sent earlier that arrives late leaves the window where the newer one put it.
	f.message(old, inbox.SenderEndUser, "late", t0.Add(10*time.Minute))
	if got := f.get(a, old.ID).LastInboundAt; got == nil || !got.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("last_inbound_at after a late message = %v, want %v", got, t0.Add(30*time.Minute))
	}
}

// testOpenTwinsClosedByMigration runs migration 0013 again on a database that holds several
// open conversations of one contact on one channel, as concurrent ingest left them before the
// index: it closes all but the newest, and then the index holds.
func testOpenTwinsClosedByMigration(t *testing.T, f *fixture) {
	st, ok := f.st.(interface {
		DB() *sql.DB
		Migrate(ctx context.Context, then ...func(ctx context.Context) error) error
	})
	if !ok {
		t.Skip("the store cannot migrate again")
	}
	for _, stmt := range []string{`DROP INDEX conversations_one_open`, `DELETE FROM schema_migrations WHERE version = '0013_one_open_conversation'`} {
		if _, err := st.DB().ExecContext(f.ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	a := f.tenant("A")
	carla, dario := f.contact(a, "Carla", "+15550001111"), f.contact(a, "Dario", "+15550002222")
	wa, sms := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelSMS)
	pending := func(c *inbox.Conversation) { c.Status = inbox.StatusPending }
	older := f.conversation(a, carla.ID, wa.ID, t0)
	old := f.conversation(a, carla.ID, wa.ID, t0.Add(time.Hour), pending)
	newest := f.conversation(a, carla.ID, wa.ID, t0.Add(2*time.Hour))
	closed := f.conversation(a, carla.ID, wa.ID, t0.Add(3*time.Hour), func(c *inbox.Conversation) {
		c.Status, c.ClosedAt, c.ResolvedAt = inbox.StatusClosed, ptr(t0.Add(4*time.Hour)), ptr(t0.Add(4*time.Hour))
	})
	onSMS := f.conversation(a, carla.ID, sms.ID, t0)
	other := f.conversation(a, dario.ID, wa.ID, t0, pending)
	f.must(st.Migrate(f.ctx))
	for _, tc := range []struct {
		c    inbox.Conversation
		want inbox.Status
	}{{older, inbox.StatusClosed}, {old, inbox.StatusClosed}, {newest, inbox.StatusActive}, {closed, inbox.StatusClosed},
		{onSMS, inbox.StatusActive}, {other, inbox.StatusPending}} {
		got := f.get(a, tc.c.ID)
		if got.Status != tc.want {
			t.Errorf("conversation created at %v on %s: %s, want %s", tc.c.CreatedAt, got.Channel.Name, got.Status, tc.want)
		}
		if tc.c.Status != inbox.StatusClosed && got.Status == inbox.StatusClosed && (got.ClosedAt == nil || got.ResolvedAt == nil) {
			t.Errorf("conversation created at %v closed without closed_at and resolved_at: %+v", tc.c.CreatedAt, got)
		}
	}
	if got := f.get(a, closed.ID); !got.ClosedAt.Equal(*closed.ClosedAt) {
		t.Errorf("a conversation closed before the migration changed its closed_at to %v", got.ClosedAt)
	}
	stats, err := f.st.ConversationStats(f.ctx, a, inbox.StatsFilter{})
	f.must(err)
	if stats.ByStatus[inbox.StatusClosed] != 3 || stats.ByStatus[inbox.StatusActive] != 2 || stats.ByStatus[inbox.StatusPending] != 1 {
		t.Errorf("statistics by status after the migration: %v, want the counters to follow", stats.ByStatus)
	}
	twin := inbox.Conversation{ID: id(), TenantID: a, ContactID: carla.ID, ChannelID: wa.ID, Type: "support",
		Status: inbox.StatusActive, Priority: inbox.PriorityMedium, CreatedAt: t0.Add(5 * time.Hour), UpdatedAt: t0.Add(5 * time.Hour)}
	if err := f.st.CreateConversation(f.ctx, twin); !errors.Is(err, inbox.ErrDuplicate) {
		t.Errorf("a second open conversation after the migration: %v, want ErrDuplicate", err)
	}
}

// numberEvents numbers the events stored unnumbered, where the store numbers them after
// commit, and returns them.
func numberEvents(t *testing.T, st inbox.Store) []inbox.Event {
	t.Helper()
	evs, err := st.NumberEvents(context.Background(), 1000)
	if err != nil {
		t.Fatalf("number events: %v", err)
	}
	return evs
}
