package channels_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

// TestDisabledBusinessWebhooks: the webhooks of a disabled business's channels answer 404
// before reading the payload, and store nothing.
func TestDisabledBusinessWebhooks(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	f := fixtures[0] // WhatsApp
	ch := inbox.Channel{ID: uuid.New(), TenantID: s.tenant, Kind: f.kind, Name: "line", Config: f.config, CreatedAt: time.Now().UTC()}
	must(t, s.st.CreateChannel(ctx, ch))
	at := time.Now().UTC()
	must(t, s.st.(tenancy.Store).SetTenantDisabled(ctx, s.tenant, &at))

	if code := s.hook(f.inbound(channels.WebhookURL(s.srv.URL, ch), 1, "Anyone there?")); code != 404 {
		t.Errorf("webhook of a disabled business: %d, want 404", code)
	}
	_, total, err := s.st.ListConversations(ctx, s.tenant, inbox.ConversationFilter{Limit: 10})
	must(t, err)
	if total != 0 {
		t.Errorf("a disabled business's webhook stored %d conversations", total)
	}
}
