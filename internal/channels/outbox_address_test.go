package channels_test

import (
	"context"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// TestOutboxAddressesByPhone sends replies in conversations an agent started with a contact
// known only by phone: SMS sends to the phone, and Telegram, which has no
// phone addressing, fails the reply for good without calling the provider.
func TestOutboxAddressesByPhone(t *testing.T) {
	for _, tc := range []struct {
		fixture      int
		want, errHas string
	}{
		{fixture: 2, want: "To=+4915199887766"},
		{fixture: 1, errHas: "the contact has no address on this channel"},
	} {
		f := fixtures[tc.fixture]
		t.Run(string(f.kind), func(t *testing.T) {
			s := newStack(t)
			ch := s.channel(f)
			contact := s.api("POST", "/v1/contacts", map[string]any{"first_name": "Pat", "phone": "+4915199887766"}, 201)["contact"].(map[string]any)
			conv := s.api("POST", "/v1/conversations", map[string]any{"contact_id": contact["id"], "channel_id": ch.ID.String()}, 201)["conversation"].(map[string]any)
			id := s.reply(conv["id"].(string), 1)[0]
			if n := s.outbox.RunOnce(context.Background()); n != 1 {
				t.Fatalf("the worker took %d items, want 1", n)
			}
			m, err := s.st.GetMessage(context.Background(), s.tenant, id)
			must(t, err)
			sent := s.fake.requests()
			if tc.want != "" {
				if m.Status != inbox.DeliverySent || len(sent) != 1 || !strings.Contains(sent[0], tc.want) {
					t.Errorf("reply %s (%s), provider got %q, want one request with %s", m.Status, m.Error, sent, tc.want)
				}
				return
			}
			if m.Status != inbox.DeliveryFailed || m.Error != tc.errHas || len(sent) != 0 {
				t.Errorf("reply %s (%q), provider got %q; want failed (%q) and no request", m.Status, m.Error, sent, tc.errHas)
			}
			if n := s.outbox.RunOnce(context.Background()); n != 0 {
				t.Errorf("%d items left after a permanent failure", n)
			}
		})
	}
}
