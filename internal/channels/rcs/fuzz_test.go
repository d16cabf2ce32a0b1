package rcs

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider/providertest"
)

// FuzzWebhook signs event data as RBM does and posts it in a Pub/Sub envelope: whatever
// arrives under a valid signature parses into a batch or a Malformed error, and never
// panics. The seeds are the events of the tests above.
func FuzzWebhook(f *testing.F) {
	for _, ev := range []string{
		v7Data,
		`{"senderPhoneNumber":"+15551234567","eventType":"READ","eventId":"E1","messageId":"our-id","sendTime":"2024-01-01T00:00:01Z","agentId":"my-agent"}`,
		`{"senderPhoneNumber":"+15551234567","messageId":"MxF1","sendTime":"2024-01-01T00:00:02Z","agentId":"my-agent",` +
			`"userFile":{"payload":{"mimeType":"image/jpeg","fileSizeBytes":1024,"fileUri":"https://rcs.example/f/1","fileName":"cat.jpg"}}}`,
		`{"senderPhoneNumber":"+15551234567","messageId":"MxL1","sendTime":"2024-01-01T00:00:03Z","agentId":"my-agent","location":{"latitude":37.42,"longitude":-122.08}}`,
		`{"senderPhoneNumber":"+15551234567","messageId":"MxS1","sendTime":"2024-01-01T00:00:04Z","agentId":"my-agent",` +
			`"suggestionResponse":{"postbackData":"yes","text":"Yes","type":"REPLY"}}`,
		`{"senderPhoneNumber":"+15551234567","eventType":"IS_TYPING","eventId":"E2","sendTime":"2024-01-01T00:00:05Z","agentId":"my-agent"}`,
	} {
		f.Add([]byte(ev))
	}
	body, _ := Push("SJENCPGJESMGUFPY", TextEvent("my-agent", "+15551234567", "MxSim", "Hi", time.Unix(1704067200, 0)))
	f.Add(body) // an envelope as data: not an event
	f.Fuzz(func(t *testing.T, data []byte) {
		env := `{"message":{"data":"` + base64.StdEncoding.EncodeToString(data) + `"}}`
		b, err := hook(env, Sign("SJENCPGJESMGUFPY", data))
		providertest.CheckParse(t, b, err)
	})
}

// FuzzEnvelope posts raw bodies without a signature: the handshake and anything else an
// unauthenticated caller sends is answered (an echo or a refusal) without a panic, and an
// unsigned body never yields a message.
func FuzzEnvelope(f *testing.F) {
	f.Add([]byte(v7Env))
	f.Add([]byte(`{"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890"}`))
	f.Add([]byte(`{"clientToken":"nope","secret":"1"}`))
	f.Add([]byte(`{"message":{"data":"!!"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := hook(string(body), "")
		if err == nil && (len(b.Messages) > 0 || len(b.Receipts) > 0) {
			t.Fatalf("an unsigned body was accepted: %+v", b)
		}
	})
}
