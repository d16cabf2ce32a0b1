package channels_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// BenchmarkWhatsAppInbound posts signed WhatsApp text webhooks from 1,000 contacts over
// kept-alive connections to the real handler over HTTP on SQLite; each answered 200 is a
// durable message. Meta delivers webhooks concurrently and asks for a median answer under
// 250 ms: with 128 in flight the server is the bottleneck; with 32 the client's round trips
// leave part of it idle. Each is also timed from request to answer.
//
//	go test ./internal/channels -run '^$' -bench WhatsAppInbound -benchtime 20000x
func BenchmarkWhatsAppInbound(b *testing.B) {
	for _, inflight := range []int{32, 128} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			benchWhatsAppInbound(b, storetest.OpenSQLite(b), inflight)
		})
	}
}

// BenchmarkWhatsAppInboundPostgres is the same on PostgreSQL (TEAMINBOX_TEST_POSTGRES_URL).
func BenchmarkWhatsAppInboundPostgres(b *testing.B) {
	benchWhatsAppInbound(b, storetest.OpenPostgres(b), 32)
}

func benchWhatsAppInbound(b *testing.B, st inbox.Store, inflight int) {
	config.TuneGC(b.Context()) // as serve does
	s := newStackOn(b, st)
	ch := s.channel(fixtures[0])
	url := s.srv.URL + "/webhooks/whatsapp/" + ch.ID.String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inflight}}
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range inflight {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < b.N; i = int(next.Add(1)) - 1 {
				sent := time.Now()
				if err := postText(client, url, i); err != nil {
					b.Error(err)
					return
				}
				latencies[i] = time.Since(sent)
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	reportLatencies(b, latencies)
}

// BenchmarkWhatsAppFrameLatency posts b.N signed WhatsApp webhooks at 1,000 a second from
// 1,000 contacts (up to 128 at a time) to a server on SQLite, and times each from its
// request to its new_message frame on an agent's socket, in the same process. From 4,000
// messages on, the first 2,000, which create the contacts and warm the caches, are left out
// of the figures.
//
//	go test ./internal/channels -run '^$' -bench WhatsAppFrameLatency -benchtime 20000x
func BenchmarkWhatsAppFrameLatency(b *testing.B) {
	const rate = 1000
	warmup := 2000
	if b.N < 2*warmup {
		warmup = 0
	}
	config.TuneGC(b.Context()) // as serve does
	s := newStackOn(b, storetest.OpenSQLite(b))
	ch := s.channel(fixtures[0])
	url := s.srv.URL + "/webhooks/whatsapp/" + ch.ID.String()
	ws := s.socket()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	sent := make([]atomic.Int64, b.N) // unix nanoseconds, by message
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	framesDone := make(chan struct{})
	go func() { // the agent's socket
		defer close(framesDone)
		for seen := 0; seen < b.N; {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, raw, err := ws.ws.Read(ctx)
			cancel()
			if err != nil {
				b.Errorf("socket: %v (%d of %d frames)", err, seen, b.N)
				return
			}
			var f struct {
				Type string
				Data struct {
					Message struct {
						ProviderMessageID string `json:"provider_message_id"`
					}
				}
			}
			var i int
			if json.Unmarshal(raw, &f) != nil || f.Type != "new_message" {
				continue
			}
			if _, err := fmt.Sscanf(f.Data.Message.ProviderMessageID, "wamid.bench-%d", &i); err != nil || i >= b.N {
				continue
			}
			seen++
			if i >= warmup {
				mu.Lock()
				latencies = append(latencies, time.Since(time.Unix(0, sent[i].Load())))
				mu.Unlock()
			}
		}
	}()
	jobs := make(chan int, b.N)
	var wg sync.WaitGroup
	for range 128 {
		wg.Go(func() {
			for i := range jobs {
				sent[i].Store(time.Now().UnixNano())
				if err := postText(client, url, i); err != nil {
					b.Error(err)
				}
			}
		})
	}
	b.ResetTimer()
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	for i := 0; i < b.N; {
		<-tick.C
		for due := min(int(time.Since(start).Seconds()*rate), b.N); i < due; i++ {
			jobs <- i
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	<-framesDone
	b.StopTimer()
	if len(latencies) == 0 {
		b.Fatal("no frame timed")
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	reportLatencies(b, latencies)
}

// postText posts message i, a signed WhatsApp text from one of 1,000 contacts, and reads the
// answer to the end, or the transport would close the connection instead of reusing it.
func postText(client *http.Client, url string, i int) error {
	body := whatsapp.TextWebhook("PNID", fmt.Sprintf("4915100%06d", i%1000), "Lena Klein", fmt.Sprint("wamid.bench-", i), "Where is my order?", time.Now())
	res, err := client.Do(signedPost(url, body, "X-Hub-Signature-256", whatsapp.Sign("wa-secret", body), "application/json"))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	return nil
}

// reportLatencies reports the median, 99th percentile and largest of latencies, in ms.
func reportLatencies(b *testing.B, latencies []time.Duration) {
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}
