package channels_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
)

// TestStaleReceiptsAreNotApplied: WhatsApp receipts that arrive late ("delivered" after
// "read") or stale ("failed" after "read") leave the message read, and its delivery history
// lists only the changes that applied.
func TestStaleReceiptsAreNotApplied(t *testing.T) {
	s := newStack(t)
	f := fixtures[0]
	hookURL, _, convID := s.open(f, "hi")
	reply := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": "on its way"}, 201)["message"].(map[string]any)
	s.outbox.RunOnce(context.Background())
	m, err := s.st.GetMessage(context.Background(), s.tenant, uuid.MustParse(reply["id"].(string)))
	must(t, err)
	if m.ProviderMessageID == "" {
		t.Fatalf("the reply was not sent: %+v", m)
	}
	for _, status := range []string{"read", "delivered", "failed"} {
		if code := s.hook(f.receipt(hookURL, m.ProviderMessageID, status)); code/100 != 2 {
			t.Fatalf("%s receipt: %d", status, code)
		}
	}
	got := s.api("GET", "/team-inbox/api/messages/"+m.ID.String()+"/", nil, 200)["message"].(map[string]any)
	var history []string
	for _, h := range got["delivery_history"].([]any) {
		history = append(history, h.(map[string]any)["status"].(string))
	}
	if got["status"] != "read" || len(history) != 3 || history[0] != "queued" || history[1] != "sent" || history[2] != "read" {
		t.Errorf("status %v, delivery_history %v; want read and [queued sent read]", got["status"], history)
	}
}
