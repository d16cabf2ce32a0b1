package channels_test

import (
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
)

// waPost is a WhatsApp webhook signed with the fixture's app secret.
func (s *stack) waPost(hookURL string, body []byte) int {
	s.t.Helper()
	return s.hook(signedPost(hookURL, body, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", body), "application/json"))
}

// TestWhatsAppWindowFromProviderTimestamp: the 24-hour window runs from the message's own
// timestamp. A message Meta redelivers 25 h late opens no window (a reply is refused, as Meta
// would refuse it), and a late message older than the newest one does not move the window back.
func TestWhatsAppWindowFromProviderTimestamp(t *testing.T) {
	s := newStack(t)
	ch := s.channel(fixtures[0])
	hookURL := channels.WebhookURL(s.srv.URL, ch)
	ws := s.socket()
	now := time.Now().UTC().Truncate(time.Second)

	sent := now.Add(-25 * time.Hour)
	if code := s.waPost(hookURL, whatsapp.TextWebhook("PNID", "4915112345678", "Lena Klein", "wamid.late", "sent yesterday", sent)); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	convID := ws.until("new_message")["conversation"].(map[string]any)["id"].(string)
	window := func() (bool, string) {
		c := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)
		w := c["reply_window"].(map[string]any)
		exp, _ := w["expires_at"].(string)
		return w["open"].(bool), exp
	}
	if open, exp := window(); open || !sameInstant(t, exp, sent.Add(24*time.Hour)) {
		t.Errorf("after a message sent 25 h ago: open=%v expires_at=%s, want closed at %s", open, exp, sent.Add(24*time.Hour))
	}
	s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "too late"}, 409)

	recent := now.Add(-23 * time.Hour)
	s.waPost(hookURL, whatsapp.TextWebhook("PNID", "4915112345678", "Lena Klein", "wamid.recent", "sent 23 h ago", recent))
	if open, exp := window(); !open || !sameInstant(t, exp, recent.Add(24*time.Hour)) {
		t.Errorf("after a message sent 23 h ago: open=%v expires_at=%s, want open until %s", open, exp, recent.Add(24*time.Hour))
	}
	s.waPost(hookURL, whatsapp.TextWebhook("PNID", "4915112345678", "Lena Klein", "wamid.older", "sent 23.5 h ago", recent.Add(-30*time.Minute)))
	if _, exp := window(); !sameInstant(t, exp, recent.Add(24*time.Hour)) {
		t.Errorf("an older late message moved the window to %s", exp)
	}
	s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "in time"}, 201)
}

func sameInstant(t *testing.T, got string, want time.Time) bool {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, got)
	return err == nil && at.Equal(want)
}
