package channels_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// A Telegram message whose text and sender's name hold NUL characters (U+0000), which
// PostgreSQL's text refuses, is stored without them and the webhook answers 200; it answered
// 500, and Telegram retried it for a day, holding back the chat's later updates. The raw
// update kept with an unsupported message loses its \u0000 escapes.
func TestWebhookDropsNULCharacters(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			s := newStackOn(t, open(t))
			u := channels.WebhookURL(s.srv.URL, s.channel(fixtures[1]))
			for _, body := range [][]byte{
				telegram.TextUpdate(1, 555, 1, "Le\x00na", "Where\x00 is my order?", t0),
				telegram.MessageUpdate(2, 555, 2, "Lena", map[string]any{"dice": map[string]any{"emoji": "\x00🎲", "value": 3}}, t0),
			} {
				if code := s.hook(signedPost(u, body, "X-Telegram-Bot-Api-Secret-Token", "tg_secret", "application/json")); code != 200 {
					t.Fatalf("webhook: %d, want 200", code)
				}
			}
			convs := s.api("GET", "/v1/conversations?channel=telegram", nil, 200)["conversations"].([]any)
			if len(convs) != 1 {
				t.Fatalf("%d conversations, want 1", len(convs))
			}
			conv := s.api("GET", "/v1/conversations/"+convs[0].(map[string]any)["id"].(string), nil, 200)["conversation"].(map[string]any)
			if name := conv["end_user"].(map[string]any)["first_name"]; name != "Lena" {
				t.Errorf("contact's first name %q, want Lena", name)
			}
			msgs := conv["messages"].([]any)
			if len(msgs) != 2 {
				t.Fatalf("%d messages, want 2", len(msgs))
			}
			if text := msgs[0].(map[string]any)["content"]; text != "Where is my order?" {
				t.Errorf("text stored as %q", text)
			}
			dice := msgs[1].(map[string]any)
			if emoji := dice["payload"].(map[string]any)["message"].(map[string]any)["dice"].(map[string]any)["emoji"]; dice["content_type"] != "unsupported" || emoji != "🎲" {
				t.Errorf("unsupported message: %v", dice)
			}
			m, err := s.st.GetMessage(t.Context(), s.tenant, uuid.MustParse(dice["id"].(string)))
			must(t, err)
			if strings.Contains(string(m.Payload), `\u0000`) {
				t.Errorf("raw update stored with a NUL escape: %s", m.Payload)
			}
		})
	}
}
