package channels_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/telegram"
)

// TestTelegramButtonTap: a callback_query (a tap on a button of the bot's message) is stored
// as the contact's reply with the button's data, quoting the message, reaches the agents,
// and is answered with answerCallbackQuery on the channel's Bot API; a redelivery stores
// nothing more.
func TestTelegramButtonTap(t *testing.T) {
	s := newStack(t)
	hookURL, ws, convID := s.open(fixtures[1], "I want to order")
	question := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "Confirm your order?"}, 201)["message"].(map[string]any)
	s.outbox.RunOnce(context.Background()) // sent as message 1001 of chat 555
	ws.until("message_status")

	tap := telegram.CallbackUpdate(2, 555, 1001, "Lena", "4382bfdwdsb323b2d9", "Yes, confirm", "confirm:42")
	post := func() int {
		return s.hook(signedPost(hookURL, tap, "X-Telegram-Bot-Api-Secret-Token", "tg_secret", "application/json"))
	}
	if code := post(); code != 200 {
		t.Fatalf("callback_query webhook: %d", code)
	}
	frame := ws.until("new_message")["message"].(map[string]any)
	payload, _ := frame["payload"].(map[string]any)
	button, _ := payload["callback_query"].(map[string]any)
	if frame["content"] != "Yes, confirm" || frame["sender_type"] != "end_user" || frame["reply_to_id"] != question["id"] || button["data"] != "confirm:42" {
		t.Errorf("the tap as a message: %v", frame)
	}
	answered := func() bool {
		for _, r := range s.fake.requests() {
			if strings.HasPrefix(r, "/bot123:ABC/answerCallbackQuery ") && strings.Contains(r, `"callback_query_id":"4382bfdwdsb323b2d9"`) {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !answered() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !answered() {
		t.Errorf("answerCallbackQuery was not called; the provider got %q", s.fake.requests())
	}
	if code := post(); code != 200 {
		t.Errorf("redelivered callback_query: %d", code)
	}
	detail := s.api("GET", "/v1/conversations/"+convID, nil, 200)["conversation"].(map[string]any)
	if n := len(detail["messages"].([]any)); n != 3 {
		t.Errorf("%d messages after a tap and its redelivery, want 3", n)
	}
}
