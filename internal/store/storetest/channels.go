package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// testMessageReactions: a message's reactions, removals included, come back from every read
// of the message, and another tenant cannot set them.
func testMessageReactions(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	ch := f.channel(a, inbox.ChannelWhatsApp)
	ct := f.contact(a, "Carla", "+15550001111")
	c := f.conversation(a, ct.ID, ch.ID, t0)
	m := f.message(c, inbox.SenderEndUser, "hello", t0, func(m *inbox.Message) { m.ProviderMessageID = "wamid.r" })
	other := f.contact(a, "Dan", "+15550002222")
	want := []inbox.Reaction{
		{Emoji: "👍", SenderType: inbox.SenderEndUser, SenderID: &ct.ID, At: t0.Add(time.Second)},
		{SenderType: inbox.SenderEndUser, SenderID: &other.ID, At: t0.Add(2 * time.Second)}, // a removal
	}
	f.must(f.st.SetMessageReactions(f.ctx, a, m.ID, want))
	isNotFound(t, f.st.SetMessageReactions(f.ctx, b, m.ID, nil), "reactions on another tenant's message")

	got, err := f.st.GetMessage(f.ctx, a, m.ID)
	f.must(err)
	byProvider, err := f.st.FindMessageByProviderID(f.ctx, ch.ID, "wamid.r")
	f.must(err)
	page, _, err := f.st.ListMessages(f.ctx, a, c.ID, inbox.MessagePage{Limit: 10})
	f.must(err)
	listed, err := f.st.ListInboxMessages(f.ctx, a, inbox.InboxMessageFilter{ConversationID: &c.ID, Limit: 10})
	f.must(err)
	if len(page) != 1 || len(listed) != 1 {
		t.Fatalf("%d messages listed, %d in the inbox, want 1", len(page), len(listed))
	}
	for name, r := range map[string][]inbox.Reaction{"GetMessage": got.Reactions, "FindMessageByProviderID": byProvider.Reactions,
		"ListMessages": page[0].Reactions, "ListInboxMessages": listed[0].Reactions} {
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("%s reactions (-want +got):\n%s", name, diff)
		}
	}
	agent := f.user(a, "Ann", auth.RoleExecutive)
	plain := f.message(c, inbox.SenderBusinessUser, "no reactions", t0.Add(time.Minute), func(m *inbox.Message) { m.SenderID = &agent.ID })
	if got, err := f.st.GetMessage(f.ctx, a, plain.ID); err != nil || got.Reactions != nil {
		t.Errorf("a message without reactions: %v %v", got.Reactions, err)
	}
}

// testVoiceCalls: a call is found by its id on its channel only; saving it again keeps the
// first caller, and the recording mark sticks.
func testVoiceCalls(t *testing.T, f *fixture) {
	a := f.tenant("A")
	voice, other := f.channel(a, inbox.ChannelVoice), f.channel(a, inbox.ChannelVoice)
	call := inbox.Call{ChannelID: voice.ID, SID: "CA1", TenantID: a, Caller: "+15550001111", CreatedAt: t0}
	f.must(f.st.SaveCall(f.ctx, call))
	again := call
	again.Caller = "+15559999999"
	f.must(f.st.SaveCall(f.ctx, again))
	got, err := f.st.GetCall(f.ctx, voice.ID, "CA1")
	f.must(err)
	if diff := cmp.Diff(call, got); diff != "" {
		t.Errorf("GetCall (-want +got):\n%s", diff)
	}
	_, err = f.st.GetCall(f.ctx, other.ID, "CA1")
	isNotFound(t, err, "a call on another channel")
	_, err = f.st.GetCall(f.ctx, voice.ID, "CA2")
	isNotFound(t, err, "an unknown call")
	isNotFound(t, f.st.MarkCallRecording(f.ctx, voice.ID, "CA2"), "mark an unknown call")

	f.must(f.st.MarkCallRecording(f.ctx, voice.ID, "CA1"))
	if got, err := f.st.GetCall(f.ctx, voice.ID, "CA1"); err != nil || !got.RecordingStarted {
		t.Errorf("after MarkCallRecording: %+v %v", got, err)
	}
}

// testChannelDisableAndHealth: a channel's disabled_at is written by UpdateChannel and read
// back by every read; ChannelHealth's figures come from the channel's own rows: its newest
// inbound message (not a newer reply), its newest send, the failures since the given time,
// and its outbox backlog.
func testChannelDisableAndHealth(t *testing.T, f *fixture) {
	a := f.tenant("A")
	ch, other := f.channel(a, inbox.ChannelTelegram), f.channel(a, inbox.ChannelTelegram)
	off := t0.Add(time.Hour)
	ch.DisabledAt = &off
	f.must(f.st.UpdateChannel(f.ctx, ch))
	got, err := f.st.GetChannel(f.ctx, a, ch.ID)
	f.must(err)
	looked, err := f.st.LookupChannel(f.ctx, ch.ID)
	f.must(err)
	list, err := f.st.ListChannels(f.ctx, a)
	f.must(err)
	for name, c := range map[string]inbox.Channel{"GetChannel": got, "LookupChannel": looked, "ListChannels": list[0]} {
		if c.DisabledAt == nil || !c.DisabledAt.Equal(off) {
			t.Errorf("%s: disabled_at %v, want %v", name, c.DisabledAt, off)
		}
	}
	ch.DisabledAt = nil
	f.must(f.st.UpdateChannel(f.ctx, ch))
	if got, _ := f.st.GetChannel(f.ctx, a, ch.ID); got.DisabledAt != nil {
		t.Errorf("enabled again: disabled_at %v", got.DisabledAt)
	}

	if h, err := f.st.ChannelHealth(f.ctx, ch.ID, t0); err != nil || h != (inbox.ChannelHealth{}) {
		t.Errorf("health of a channel without traffic: %+v %v", h, err)
	}
	c := f.conversation(a, f.contact(a, "Hana", "+15550003001").ID, ch.ID, t0)
	f.message(c, inbox.SenderEndUser, "old", t0.Add(time.Minute))
	f.message(c, inbox.SenderEndUser, "newest inbound", t0.Add(2*time.Minute))
	sentAt, failedOld, failedNew := t0.Add(3*time.Minute), t0.Add(-2*time.Hour), t0.Add(4*time.Minute)
	f.message(c, inbox.SenderBusinessUser, "sent", t0.Add(3*time.Minute), func(m *inbox.Message) { m.Status, m.SentAt = inbox.DeliverySent, &sentAt })
	f.message(c, inbox.SenderBusinessUser, "failed long ago", t0.Add(-2*time.Hour), func(m *inbox.Message) { m.Status, m.FailedAt = inbox.DeliveryFailed, &failedOld })
	f.message(c, inbox.SenderBusinessUser, "failed", t0.Add(4*time.Minute), func(m *inbox.Message) { m.Status, m.FailedAt = inbox.DeliveryFailed, &failedNew })
	queued := f.message(c, inbox.SenderBusinessUser, "queued", t0.Add(5*time.Minute))
	f.enqueue(queued, ch)
	f.enqueue(f.message(c, inbox.SenderBusinessUser, "queued too", t0.Add(6*time.Minute)), ch)
	// The neighbour's traffic is not the channel's.
	n := f.conversation(a, f.contact(a, "Ivo", "+15550003002").ID, other.ID, t0)
	f.message(n, inbox.SenderEndUser, "neighbour", t0.Add(10*time.Minute))

	h, err := f.st.ChannelHealth(f.ctx, ch.ID, t0)
	f.must(err)
	inbound, oldest := t0.Add(2*time.Minute), t0
	want := inbox.ChannelHealth{LastInboundAt: &inbound, LastSentAt: &sentAt, FailedLastHour: 1, Backlog: 2, OldestQueuedAt: &oldest}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
}
