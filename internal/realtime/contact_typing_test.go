package realtime_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
)

// TestContactTypingEndsOnEveryNode: a contact's typing, reported to one node, reaches the
// agents on every node, and every node ends it after the typing timeout, though no one
// reports the end.
func TestContactTypingEndsOnEveryNode(t *testing.T) {
	url := os.Getenv("TEAMINBOX_TEST_NATS_URL")
	if url == "" {
		t.Skip("TEAMINBOX_TEST_NATS_URL is not set (.ci/run sets it)")
	}
	w := newWorld(t)
	ctx := context.Background()
	tenant, now := w.tenants[0].id, time.Now().UTC()
	ch := inbox.Channel{ID: uuid.New(), TenantID: tenant, Kind: inbox.ChannelRCS, Name: "rbm", Config: map[string]string{}, CreatedAt: now}
	contact := inbox.Contact{ID: uuid.New(), TenantID: tenant, FirstName: "Rita", Phone: "+15551230000", CreatedAt: now, UpdatedAt: now}
	conv := uuid.New()
	must(t, w.st.CreateChannel(ctx, ch))
	must(t, w.st.CreateContact(ctx, contact))
	must(t, w.st.AddContactIdentity(ctx, tenant, contact.ID, inbox.ContactIdentity{ChannelID: ch.ID, Address: contact.Phone}))
	must(t, w.st.CreateConversation(ctx, inbox.Conversation{ID: conv, TenantID: tenant, ContactID: contact.ID, ChannelID: ch.ID,
		Type: "support", Status: inbox.StatusActive, Priority: inbox.PriorityMedium, CreatedAt: now, UpdatedAt: now}))
	var nodes [2]*node
	for i := range nodes {
		bus, err := realtime.NewNATSBus(url, quiet)
		must(t, err)
		t.Cleanup(func() { bus.Close() })
		nodes[i] = w.node(t, bus, func(c *realtime.Config) { c.TypingTimeout = 300 * time.Millisecond })
	}
	clients := []*client{w.connect(t, nodes[0], 0, auth.RoleViewer, ""), w.connect(t, nodes[1], 0, auth.RoleViewer, "")}
	must(t, nodes[0].svc.ContactTyping(ctx, ch, inbox.Sender{Address: contact.Phone}))
	for i, c := range clients {
		for _, want := range []bool{true, false} {
			var got inbox.ContactTypingEvent
			must(t, json.Unmarshal(c.until("typing_indicator").Data, &got))
			if got.ConversationID != conv || got.Contact.ID != contact.ID || got.IsTyping != want {
				t.Errorf("node %d: %+v, want is_typing %v", i, got, want)
			}
		}
	}
}
