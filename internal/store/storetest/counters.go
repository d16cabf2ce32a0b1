package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// testCountersFollowChanges changes conversations every way the service does (new ones,
// messages in and out, status, assignment, team, resolution, reading) and checks after each
// round that the statistics and list totals, which the store answers from maintained
// counters, equal what the conversations themselves add up to.
func testCountersFollowChanges(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	users := []inbox.User{f.user(a, "Ann", auth.RoleExecutive), f.user(a, "Bob", auth.RoleExecutive), f.user(a, "Cyd", auth.RoleAdmin)}
	var teams []uuid.UUID
	for _, name := range []string{"Sales", "Support"} {
		team := inbox.Team{ID: id(), TenantID: a, Name: name, CreatedAt: t0}
		f.must(f.st.CreateTeam(f.ctx, team))
		teams = append(teams, team.ID)
	}
	channels := []inbox.Channel{f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelSMS), f.channel(a, inbox.ChannelTelegram)}
	var campaigns []inbox.Campaign
	var broadcasts []inbox.Broadcast // of campaigns[0]
	for _, name := range []string{"Spring", "Autumn"} {
		camp := inbox.Campaign{ID: id(), TenantID: a, Name: name, CreatedAt: t0}
		f.must(f.st.CreateCampaign(f.ctx, camp))
		campaigns = append(campaigns, camp)
	}
	for _, name := range []string{"Wave 1", "Wave 2"} {
		bc := inbox.Broadcast{ID: id(), TenantID: a, CampaignID: campaigns[0].ID, Name: name, CreatedAt: t0}
		f.must(f.st.CreateBroadcast(f.ctx, bc))
		broadcasts = append(broadcasts, bc)
	}
	// Another tenant's conversations must not count.
	f.message(f.conversation(b, f.contact(b, "X", "+15550009999").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0), inbox.SenderEndUser, "hi", t0)

	approx := cmpopts.EquateApprox(0, 1e-9) // averages are added up in another order
	rnd := rand.New(rand.NewPCG(1, 2))
	var ids []uuid.UUID
	at := t0
	for round := range 6 {
		for range 4 {
			ch := channels[rnd.IntN(len(channels))]
			// A contact of its own: conversations reopen at random, one open per contact.
			c := f.conversation(a, f.contact(a, "Carla", fmt.Sprintf("+1555%07d", len(ids))).ID, ch.ID, t0.Add(time.Duration(rnd.IntN(4*24))*time.Hour), func(c *inbox.Conversation) {
				if rnd.IntN(3) > 0 {
					c.AssignedUserID = &users[rnd.IntN(len(users))].ID
				}
				if rnd.IntN(2) == 0 {
					c.AssignedTeamID = &teams[rnd.IntN(len(teams))]
				}
				switch rnd.IntN(4) { // no campaign, a broadcast of campaign 0, or a campaign alone
				case 1:
					bc := broadcasts[rnd.IntN(len(broadcasts))]
					c.CampaignID, c.BroadcastID = &bc.CampaignID, &bc.ID
				case 2:
					c.CampaignID = &campaigns[rnd.IntN(len(campaigns))].ID
				}
			})
			ids = append(ids, c.ID)
		}
		for _, cid := range ids {
			at = at.Add(time.Minute)
			c := f.get(a, cid)
			switch rnd.IntN(7) {
			case 0, 1:
				f.message(c, inbox.SenderEndUser, "where is my order", at)
			case 2:
				f.message(c, inbox.SenderBusinessUser, "on its way", at)
			case 3:
				_, err := f.st.MarkConversationRead(f.ctx, a, cid)
				f.must(err)
			case 4:
				c.Status = []inbox.Status{inbox.StatusActive, inbox.StatusPending, inbox.StatusClosed}[rnd.IntN(3)]
				c.ResolvedAt, c.ClosedAt = nil, nil
				if c.Status == inbox.StatusClosed {
					c.ResolvedAt, c.ClosedAt = &at, &at
				}
				f.must(f.st.SaveConversation(f.ctx, c))
			case 5:
				c.AssignedUserID = nil
				if rnd.IntN(4) > 0 {
					c.AssignedUserID = &users[rnd.IntN(len(users))].ID
				}
				f.must(f.st.SaveConversation(f.ctx, c))
			case 6:
				c.AssignedTeamID = nil
				if rnd.IntN(2) == 0 {
					c.AssignedTeamID = &teams[rnd.IntN(len(teams))]
				}
				f.must(f.st.SaveConversation(f.ctx, c))
			}
		}
		// PostgreSQL records changes and folds them into its counters later: check both ways.
		if folder, ok := f.st.(interface{ FoldCounts(context.Context) error }); ok && round%2 == 1 {
			f.must(folder.FoldCounts(f.ctx))
		}
		var all []inbox.Conversation
		for _, cid := range ids {
			all = append(all, f.get(a, cid))
		}
		kinds := map[uuid.UUID]inbox.ChannelKind{}
		for _, ch := range channels {
			kinds[ch.ID] = ch.Kind
		}
		day2 := t0.Truncate(24 * time.Hour).Add(24 * time.Hour) // the store counts whole UTC days
		for _, sf := range []inbox.StatsFilter{{}, {Start: &day2}, {End: &day2}, {TeamID: &teams[0]}} {
			got, err := f.st.ConversationStats(f.ctx, a, sf)
			f.must(err)
			if diff := cmp.Diff(conversationStatsOf(all, kinds, sf), got, approx); diff != "" {
				t.Errorf("round %d, statistics %+v (-counted from the rows +from the store):\n%s", round, sf, diff)
			}
		}
		got, err := f.st.InboxStats(f.ctx, a, at)
		f.must(err)
		if diff := cmp.Diff(inboxStatsOf(all, kinds, users), got, approx); diff != "" {
			t.Errorf("round %d, inbox statistics (-counted from the rows +from the store):\n%s", round, diff)
		}
		for _, lf := range []inbox.ConversationFilter{{}, {Status: inbox.StatusPending}, {ChannelKind: inbox.ChannelSMS},
			{AssignedTo: &users[0].ID}, {AssignedTeam: &teams[1]}, {Status: inbox.StatusActive, AssignedTo: &users[1].ID},
			{CampaignID: &campaigns[0].ID}, {CampaignID: &campaigns[0].ID, Status: inbox.StatusActive},
			{CampaignID: &campaigns[0].ID, Status: inbox.StatusClosed}, {CampaignID: &campaigns[1].ID, Status: inbox.StatusPending},
			{BroadcastID: &broadcasts[1].ID}, {CampaignID: &campaigns[0].ID, BroadcastID: &broadcasts[0].ID, Status: inbox.StatusClosed},
			{CampaignID: &campaigns[0].ID, AssignedTo: &users[0].ID},
			{Unassigned: true}, {NoTeam: true}, {Unassigned: true, Status: inbox.StatusActive}, {NoTeam: true, ChannelKind: inbox.ChannelSMS},
			{Unassigned: true, AssignedTeam: &teams[0]}, {AssignedTo: &users[0].ID, NoTeam: true}} {
			lf.Limit = 100
			list, total, err := f.st.ListConversations(f.ctx, a, lf)
			f.must(err)
			if total != len(list) {
				t.Errorf("round %d, list %+v: total %d, %d rows", round, lf, total, len(list))
			}
		}
	}
}

// conversationStatsOf is the v1 statistics added up from the conversations.
func conversationStatsOf(all []inbox.Conversation, kinds map[uuid.UUID]inbox.ChannelKind, f inbox.StatsFilter) inbox.ConversationStats {
	st := inbox.ConversationStats{ByStatus: map[inbox.Status]int{}, ByChannel: map[inbox.ChannelKind]int{}, ByDay: map[string]int{}}
	var res, fr []float64
	for _, c := range all {
		if f.Start != nil && c.CreatedAt.Before(*f.Start) || f.End != nil && !c.CreatedAt.Before(*f.End) ||
			f.TeamID != nil && (c.AssignedTeamID == nil || *c.AssignedTeamID != *f.TeamID) {
			continue
		}
		st.Total++
		st.ByStatus[c.Status]++
		st.ByChannel[kinds[c.ChannelID]]++
		st.ByDay[c.CreatedAt.UTC().Format(time.DateOnly)]++
		if c.ResolvedAt != nil {
			res = append(res, c.ResolvedAt.Sub(c.CreatedAt).Seconds())
		}
		if c.FirstResponseAt != nil {
			fr = append(fr, c.FirstResponseAt.Sub(c.CreatedAt).Seconds())
		}
	}
	st.AvgResolutionSeconds, st.AvgFirstResponseSeconds = mean(res), mean(fr)
	return st
}

// inboxStatsOf is the team-inbox statistics added up from the conversations.
func inboxStatsOf(all []inbox.Conversation, kinds map[uuid.UUID]inbox.ChannelKind, users []inbox.User) inbox.InboxStats {
	st := inbox.InboxStats{ByChannel: map[inbox.ChannelKind]int{}}
	for _, u := range users {
		load := inbox.AgentLoad{User: inbox.UserRef{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}}
		var fr []float64
		for _, c := range all {
			if c.AssignedUserID == nil || *c.AssignedUserID != u.ID {
				continue
			}
			if c.FirstResponseAt != nil {
				fr = append(fr, c.FirstResponseAt.Sub(c.CreatedAt).Seconds())
			}
			if c.Status == inbox.StatusClosed {
				continue
			}
			load.OpenAssigned++
			load.Unread += c.UnreadCount
			if c.UnreadCount > 0 && c.LastInboundAt != nil && (load.OldestWaitingSince == nil || c.LastInboundAt.Before(*load.OldestWaitingSince)) {
				load.OldestWaitingSince = c.LastInboundAt
			}
		}
		load.AvgFirstResponseSeconds = mean(fr)
		st.Agents = append(st.Agents, load)
	}
	for _, c := range all {
		st.TotalConversations++
		st.UnreadMessages += c.UnreadCount
		st.ByChannel[kinds[c.ChannelID]]++
		if c.UnreadCount > 0 {
			st.UnreadConversations++
		}
		if c.Status != inbox.StatusClosed {
			st.OpenTickets++
			if c.AssignedUserID == nil {
				st.Unassigned++
			}
		}
	}
	return st
}

func mean(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	m := sum / float64(len(v))
	return &m
}
