package channels_test

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// The first messages of a new contact arrive together (a customer sends several at once):
// every webhook is answered 200, and they make one contact and one conversation. On
// PostgreSQL the losers of the race to create the contact used to answer 500.
func TestFirstMessagesOfANewContactAtOnce(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			s := newStackOn(t, open(t))
			ch := s.channel(fixtures[0])
			url := s.srv.URL + "/webhooks/whatsapp/" + ch.ID.String()
			const n = 12
			type answer struct {
				code int
				body string
			}
			answers := make(chan answer, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					body := whatsapp.TextWebhook("PNID", "4915100777000", "Rita Race", fmt.Sprint("wamid.race-", i), fmt.Sprint("part ", i), time.Now())
					res, err := http.DefaultClient.Do(signedPost(url, body, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", body), "application/json"))
					if err != nil {
						answers <- answer{0, err.Error()}
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					answers <- answer{res.StatusCode, string(b)}
				})
			}
			wg.Wait()
			close(answers)
			for a := range answers {
				if a.code != http.StatusOK {
					t.Errorf("a webhook answered %d: %s", a.code, a.body)
				}
			}
			contacts := s.api("GET", "/v1/contacts?search=4915100777000", nil, 200)["contacts"].([]any)
			if len(contacts) != 1 {
				t.Fatalf("%d contacts, want 1", len(contacts))
			}
			convs := s.api("GET", "/v1/conversations?search=Rita", nil, 200)["conversations"].([]any)
			if len(convs) != 1 {
				t.Fatalf("%d conversations, want 1", len(convs))
			}
			id := convs[0].(map[string]any)["id"].(string)
			msgs := s.api("GET", "/v1/conversations/"+id+"?limit=100", nil, 200)["conversation"].(map[string]any)["messages"].([]any)
			if len(msgs) != n {
				t.Errorf("%d messages, want %d", len(msgs), n)
			}
		})
	}
}
