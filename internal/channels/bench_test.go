package channels_test

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// BenchmarkWhatsAppInbound posts signed WhatsApp text webhooks from 1,000 contacts, 32 at a
// time over kept-alive connections (as Meta delivers), to the real handler over HTTP on
// SQLite; each answered 200 is a durable message.
//
//	go test ./internal/channels -run '^$' -bench WhatsAppInbound -benchtime 5000x
func BenchmarkWhatsAppInbound(b *testing.B) { benchWhatsAppInbound(b, storetest.OpenSQLite(b)) }

// BenchmarkWhatsAppInboundPostgres is the same on PostgreSQL (TEAMINBOX_TEST_POSTGRES_URL).
func BenchmarkWhatsAppInboundPostgres(b *testing.B) {
	benchWhatsAppInbound(b, storetest.OpenPostgres(b))
}

func benchWhatsAppInbound(b *testing.B, st inbox.Store) {
	s := newStackOn(b, st)
	ch := s.channel(fixtures[0])
	url := s.srv.URL + "/webhooks/whatsapp/" + ch.ID.String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := whatsapp.TextWebhook("PNID", fmt.Sprintf("4915100%06d", i%1000), "Lena Klein", fmt.Sprint("wamid.bench-", i), "Where is my order?", time.Now())
			res, err := client.Do(signedPost(url, body, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", body), "application/json"))
			if err != nil {
				b.Error(err)
				return
			}
			// Read to the end, or the transport closes the connection instead of reusing it.
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("webhook answered %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
