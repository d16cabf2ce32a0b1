package channels_test

import (
	"context"
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

// TestWhatsAppReactions: a reaction goes on the message it names (ours or the contact's),
// agents get a message_reaction frame, and a removal (Meta's reaction without emoji) takes
// it off. Neither ever becomes a message; redeliveries and stale reactions change nothing.
func TestWhatsAppReactions(t *testing.T) {
	s := newStack(t)
	hookURL, ws, convID := s.open(fixtures[0], "Where is my order?")
	now := time.Now().UTC().Truncate(time.Second)
	react := func(id, target, emoji string, at time.Time) {
		t.Helper()
		if code := s.waPost(hookURL, whatsapp.ReactionWebhook("PNID", "4915112345678", "Lena Klein", id, target, emoji, at)); code != 200 {
			t.Fatalf("reaction webhook %s: %d", id, code)
		}
	}

	inboundID := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)["messages"].([]any)[0].(map[string]any)["id"].(string)
	reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "It ships today"}, 201)["message"].(map[string]any)
	s.outbox.RunOnce(context.Background())
	ws.until("message_status") // sent, as wamid.out-1

	react("wamid.r1", "wamid.out-1", "👍", now.Add(-50*time.Second))
	ev := ws.until("message_reaction")
	if ev["message_id"] != reply["id"] || ev["conversation_id"] != convID || ev["action"] != "added" ||
		ev["reaction"].(map[string]any)["emoji"] != "👍" || ev["reaction"].(map[string]any)["sender_type"] != "end_user" {
		t.Fatalf("message_reaction for the reply: %v", ev)
	}
	react("wamid.r2", "wamid.in-1", "❤️", now.Add(-45*time.Second))
	react("wamid.r3", "wamid.in-1", "😂", now.Add(-40*time.Second)) // replaces the heart
	ws.until("message_reaction")
	if ev := ws.until("message_reaction"); ev["message_id"] != inboundID || len(ev["reactions"].([]any)) != 1 {
		t.Errorf("a second reaction of the contact did not replace the first: %v", ev)
	}

	react("wamid.r4", "wamid.out-1", "", now.Add(-30*time.Second)) // removal
	ev = ws.until("message_reaction")
	if ev["message_id"] != reply["id"] || ev["action"] != "removed" || ev["reaction"].(map[string]any)["emoji"] != "👍" || len(ev["reactions"].([]any)) != 0 {
		t.Errorf("removal: %v", ev)
	}
	react("wamid.r4", "wamid.out-1", "", now.Add(-30*time.Second))  // redelivered
	react("wamid.r1", "wamid.out-1", "👍", now.Add(-50*time.Second)) // the add, redelivered after its removal
	react("wamid.r5", "wamid.unknown", "🎉", now)                    // a message we never had

	detail := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)
	msgs := detail["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("%d messages after six reactions, want the 2 messages: %v", len(msgs), msgs)
	}
	reactions := map[string]any{}
	for _, m := range msgs {
		m := m.(map[string]any)
		reactions[m["id"].(string)] = m["reactions"]
	}
	if reactions[reply["id"].(string)] != nil {
		t.Errorf("the reply still shows reactions %v", reactions[reply["id"].(string)])
	}
	if r, _ := reactions[inboundID].([]any); len(r) != 1 || r[0].(map[string]any)["emoji"] != "😂" {
		t.Errorf("the contact's message shows reactions %v, want 😂", reactions[inboundID])
	}
	team := s.api("GET", "/team-inbox/api/messages/"+inboundID+"/", nil, 200)["message"].(map[string]any)["content"].(map[string]any)
	if r, _ := team["reactions"].([]any); len(r) != 1 {
		t.Errorf("the team inbox shows the contact's message with reactions %v", team["reactions"])
	}
	if n := detail["unread_count"]; n != float64(1) {
		t.Errorf("unread_count %v after reactions, want 1", n)
	}
}
