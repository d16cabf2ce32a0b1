package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

var (
	firstNames = []string{"John", "Priya", "Olga", "Ahmed", "Maria", "Wei", "Fatima", "Lucas", "Aiko", "Dmitri", "Amara", "Carlos", "Sofia", "Ravi", "Elena", "Kwame", "Nadia", "Tom", "Ines", "Yusuf"}
	lastNames  = []string{"Doe", "Sharma", "Ivanova", "Hassan", "Garcia", "Chen", "Khan", "Silva", "Tanaka", "Petrov", "Okafor", "Lopez", "Rossi", "Patel", "Popescu", "Mensah", "Haddad", "Brown", "Costa", "Demir"}
	countries  = []string{"+91", "+1", "+44", "+49", "+55", "+971", "+7", "+234"}
	inbound    = []string{
		"I'm interested in your enterprise plan", "Can you tell me the price for 50 seats?", "My order has not arrived yet",
		"How do I reset my password?", "Is there a discount for annual billing?", "The invoice shows the wrong amount",
		"Do you ship to Germany?", "Thanks, that solved it!", "Can I talk to someone from sales?", "The app crashes when I upload a photo",
		"नमस्ते, मुझे मदद चाहिए", "Здравствуйте, где мой заказ?", "Is the ₹25,000 plan billed monthly?", "Where can I download the receipt?",
	}
	outbound = []string{
		"Thanks for reaching out! Let me check that for you.", "Our enterprise plan starts at ₹25,000 per month.",
		"I have escalated this to our delivery team.", "You can reset it from the login page under 'Forgot password'.",
		"Yes, annual billing saves 20%.", "I've corrected the invoice and sent it again.", "Happy to help! Anything else?",
	}
	notes    = []string{"Customer is considering the enterprise plan; follow up next week.", "Refund approved by finance.", "VIP customer, handle with care."}
	tagNames = []struct{ name, color string }{{"new-lead", "#2563EB"}, {"follow-up", "#F59E0B"}, {"vip", "#DC2626"}, {"billing", "#10B981"}, {"bug", "#7C3AED"}}
)

// generator writes realistic tenants' data through the store, deterministic for a seed.
type generator struct {
	q        inbox.Queries
	tenant   uuid.UUID
	users    []uuid.UUID
	teams    []uuid.UUID
	tags     []uuid.UUID
	channels []inbox.Channel
	bcasts   []inbox.Broadcast
	now      time.Time
	rnd      *rand.Rand
	span     time.Duration // how far back conversations start
}

func newGenerator(q inbox.Queries, tenant uuid.UUID, users []uuid.UUID, now time.Time, seed uint64) *generator {
	return &generator{q: q, tenant: tenant, users: users, now: now, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), span: 30 * 24 * time.Hour}
}

// id is the next id of the tenant's data: random but repeatable, and mixed with the tenant's
// id so that two tenants seeded alike do not collide.
func (g *generator) id() uuid.UUID {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rnd.Uint32()) ^ g.tenant[i]
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return uuid.UUID(b)
}

func (g *generator) pick(list []string) string { return list[g.rnd.IntN(len(list))] }

// directory creates teams, tags, one channel of every kind, a campaign and broadcasts.
func (g *generator) directory(ctx context.Context) error {
	for i, name := range []string{"Sales Team", "Support Team"} {
		t := inbox.Team{ID: g.id(), TenantID: g.tenant, Name: name, MemberIDs: g.users[1+i : 3+i], CreatedAt: g.now}
		if err := g.q.CreateTeam(ctx, t); err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		g.teams = append(g.teams, t.ID)
	}
	for _, tn := range tagNames {
		t := inbox.Tag{ID: g.id(), TenantID: g.tenant, Name: tn.name, Color: tn.color, CreatedAt: g.now}
		if err := g.q.CreateTag(ctx, t); err != nil {
			return fmt.Errorf("create tag: %w", err)
		}
		g.tags = append(g.tags, t.ID)
	}
	for _, k := range inbox.ChannelKinds {
		ch := inbox.Channel{ID: g.id(), TenantID: g.tenant, Kind: k, Name: "Demo " + strings.ToUpper(string(k)), Config: map[string]string{}, CreatedAt: g.now}
		if err := g.q.CreateChannel(ctx, ch); err != nil {
			return fmt.Errorf("create channel: %w", err)
		}
		g.channels = append(g.channels, ch)
	}
	camp := inbox.Campaign{ID: g.id(), TenantID: g.tenant, Name: "Summer Offers", CreatedAt: g.now}
	if err := g.q.CreateCampaign(ctx, camp); err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	for _, name := range []string{"May Promotion", "June Promotion"} {
		b := inbox.Broadcast{ID: g.id(), TenantID: g.tenant, CampaignID: camp.ID, Name: name, CreatedAt: g.now}
		if err := g.q.CreateBroadcast(ctx, b); err != nil {
			return fmt.Errorf("create broadcast: %w", err)
		}
		g.bcasts = append(g.bcasts, b)
	}
	return nil
}

// conversation creates contact i with one conversation of n messages on some channel.
func (g *generator) conversation(ctx context.Context, i, n int) error {
	ch := g.channels[i%len(g.channels)]
	phone := fmt.Sprintf("%s%d", g.pick(countries), 7000000000+g.rnd.Int64N(999999999))
	contact := inbox.Contact{
		ID: g.id(), TenantID: g.tenant, FirstName: g.pick(firstNames), LastName: g.pick(lastNames), Phone: phone,
		CountryCode: inbox.CountryOfPhone(phone), CreatedAt: g.now, UpdatedAt: g.now,
	}
	contact.Email = strings.ToLower(contact.FirstName+"."+contact.LastName) + fmt.Sprintf("%d@example.com", i)
	if err := g.q.CreateContact(ctx, contact); err != nil {
		return fmt.Errorf("create contact: %w", err)
	}
	address := phone
	if ch.Kind == inbox.ChannelTelegram {
		address = fmt.Sprint(100000000 + g.rnd.Int64N(900000000))
	} else if ch.Kind == inbox.ChannelWhatsApp {
		address = strings.TrimPrefix(phone, "+")
	}
	if err := g.q.AddContactIdentity(ctx, g.tenant, contact.ID, inbox.ContactIdentity{ChannelID: ch.ID, Address: address}); err != nil {
		return fmt.Errorf("add identity: %w", err)
	}
	start := g.now.Add(-time.Duration(g.rnd.Int64N(int64(g.span)))).Truncate(time.Second)
	c := inbox.Conversation{
		ID: g.id(), TenantID: g.tenant, ContactID: contact.ID, ChannelID: ch.ID, Type: "support",
		Status: inbox.StatusActive, Priority: inbox.Priorities[g.rnd.IntN(len(inbox.Priorities))],
		Category: g.pick([]string{"sales", "support", "billing"}), CreatedAt: start, UpdatedAt: start,
	}
	if g.rnd.IntN(3) > 0 {
		c.AssignedUserID = &g.users[1+g.rnd.IntN(len(g.users)-1)]
		c.AssignedTeamID = &g.teams[g.rnd.IntN(len(g.teams))]
	}
	if g.rnd.IntN(5) == 0 {
		b := g.bcasts[g.rnd.IntN(len(g.bcasts))]
		c.BroadcastID, c.CampaignID = &b.ID, &b.CampaignID
	}
	if err := g.q.CreateConversation(ctx, c); err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	if g.rnd.IntN(2) == 0 {
		if _, err := g.q.AddConversationTag(ctx, g.tenant, c.ID, g.tags[g.rnd.IntN(len(g.tags))]); err != nil {
			return fmt.Errorf("tag conversation: %w", err)
		}
	}
	at := start
	var firstResponse *time.Time
	for j := range n {
		at = at.Add(time.Duration(30+g.rnd.IntN(3600)) * time.Second)
		if at.After(g.now) {
			at = g.now
		}
		m := inbox.Message{ID: g.id(), TenantID: g.tenant, ConversationID: c.ID, ContentType: inbox.ContentText, CreatedAt: at}
		touch := inbox.Touch{UpdatedAt: at}
		switch {
		case j%2 == 0:
			m.SenderType, m.SenderID, m.Content, m.Status = inbox.SenderEndUser, &contact.ID, g.pick(inbound), inbox.DeliveryReceived
			m.ProviderMessageID = fmt.Sprintf("seed.%s", m.ID)
			touch.UnreadDelta, touch.InboundAt = 1, &at
		case j%7 == 5:
			m.SenderType, m.SenderID, m.Content, m.IsInternal, m.Status = inbox.SenderBusinessUser, g.noteAuthor(c), g.pick(notes), true, inbox.DeliverySent
		default:
			m.SenderType, m.SenderID, m.Content, m.Status = inbox.SenderBusinessUser, &g.users[1+g.rnd.IntN(len(g.users)-1)], g.pick(outbound), inbox.DeliveryRead
			m.SentAt, m.DeliveredAt, m.ReadAt = &at, &at, &at
			if firstResponse == nil {
				firstResponse = &at
				touch.FirstResponseAt = &at
			}
		}
		if !m.IsInternal {
			touch.LastMessage = &inbox.MessageSummary{ID: m.ID, SenderType: m.SenderType, Content: m.Content, ContentType: m.ContentType, CreatedAt: at}
		}
		if _, err := g.q.InsertMessage(ctx, m, touch); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
	}
	return g.settle(ctx, c.ID, at)
}

// noteAuthor is who writes a conversation's internal notes: its assignee, or the first
// agent after the super admin when nobody is assigned. Every note has an author.
func (g *generator) noteAuthor(c inbox.Conversation) *uuid.UUID {
	if c.AssignedUserID != nil {
		return c.AssignedUserID
	}
	return &g.users[min(1, len(g.users)-1)]
}

// settle gives the conversation its final status: about half stay active, a fifth pending,
// the rest closed a while after their last message.
func (g *generator) settle(ctx context.Context, id uuid.UUID, last time.Time) error {
	c, err := g.q.GetConversation(ctx, g.tenant, id)
	if err != nil {
		return fmt.Errorf("reload conversation: %w", err)
	}
	switch r := g.rnd.IntN(10); {
	case r < 5:
		return nil
	case r < 7:
		c.Status = inbox.StatusPending
	default:
		closed := last.Add(time.Duration(g.rnd.IntN(7200)) * time.Second)
		if closed.After(g.now) {
			closed = g.now
		}
		c.Status, c.ResolvedAt, c.ClosedAt = inbox.StatusClosed, &closed, &closed
	}
	if err := g.q.SaveConversation(ctx, c); err != nil {
		return fmt.Errorf("settle conversation: %w", err)
	}
	return nil
}
