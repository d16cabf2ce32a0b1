package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
)

// simulate posts realistic, correctly signed provider webhooks to a running server: for
// demos (watch messages arrive in the web page) and for load tests (it reports the rate
// reached and the webhook latency).
func simulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("teaminbox simulate", flag.ContinueOnError)
	base := fs.String("url", "http://localhost:8080", "server base URL")
	kind := fs.String("kind", "whatsapp", "provider: whatsapp, telegram, sms, voice or rcs")
	channel := fs.String("channel", "", "channel id (its webhook_path ends with it)")
	secret := fs.String("secret", "", "the channel's signing secret: app_secret, webhook_secret, auth_token or client_token")
	account := fs.String("account", "", "phone_number_id (whatsapp), account_sid (sms, voice) or agent_id (rcs)")
	rate := fs.Float64("rate", 5, "messages per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to send")
	contacts := fs.Int("contacts", 20, "distinct contacts writing")
	workers := fs.Int("workers", 8, "concurrent requests")
	token := fs.String("token", "", "a login token of the channel's tenant: also time each message from webhook to its WebSocket frame")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := uuid.Parse(*channel); err != nil || *secret == "" {
		return fmt.Errorf("--channel (a channel id) and --secret are required")
	}
	target := strings.TrimRight(*base, "/") + "/webhooks/" + *kind + "/" + *channel
	var watcher *frameWatcher
	if *token != "" {
		if *kind == "voice" {
			return fmt.Errorf("--token times text messages; a call has none")
		}
		w, err := watchFrames(ctx, strings.TrimRight(*base, "/"), *token)
		if err != nil {
			return err
		}
		watcher = w
	}
	build, err := builder(*kind, target, *secret, *account, watcher != nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(*workers, 1)}}
	run := uuid.NewString()[:8]
	jobs := make(chan int)
	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		latencies  []time.Duration
		sent       = map[string]time.Time{} // by tag, when timing frames
		wg         sync.WaitGroup
	)
	for range max(*workers, 1) {
		wg.Go(func() {
			for n := range jobs {
				req, err := build(ctx, n, run, rand.IntN(max(*contacts, 1)))
				if err != nil {
					failed.Add(1)
					continue
				}
				start := time.Now()
				if watcher != nil {
					mu.Lock()
					sent[tagFor(run, n)] = start
					mu.Unlock()
				}
				res, err := client.Do(req)
				took := time.Since(start)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 != 2 {
					failed.Add(1)
					continue
				}
				ok.Add(1)
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	tick := time.NewTicker(time.Duration(float64(time.Second) / max(*rate, 0.001)))
	n, skipped := 0, 0
loop:
	for time.Since(start) < *duration {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			// A ticker drops the ticks of a busy reader: send what is due by now, not one.
			for due := int(time.Since(start).Seconds() * *rate); n+skipped < due; {
				select {
				case jobs <- n:
					n++
				default: // workers are saturated: the rate is more than the server takes
					skipped++
				}
			}
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("%s: %d sent (%d not sent, every worker busy), %d accepted, %d failed in %s (%.0f/s); webhook latency p50 %s p99 %s\n",
		*kind, n, skipped, ok.Load(), failed.Load(), elapsed.Round(time.Millisecond), float64(ok.Load())/elapsed.Seconds(),
		percentile(latencies, 0.50), percentile(latencies, 0.99))
	if watcher != nil {
		frames, missing := watcher.latencies(sent, 5*time.Second)
		fmt.Printf("webhook → WebSocket frame: p50 %s p99 %s max %s; %d of %d frames missing\n",
			percentile(frames, 0.50), percentile(frames, 0.99), percentile(frames, 1), missing, len(sent))
	}
	return nil
}

// percentile sorts d and returns its p-quantile (p in [0, 1]), rounded to microseconds.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(p*float64(len(d))))].Round(time.Microsecond)
}

var sampleTexts = []string{"Hi, where is my order?", "Can I change my delivery address?", "Thanks, that worked!",
	"Is the blue one back in stock?", "I was charged twice", "Hola, ¿tienen envío a Madrid?", "Здравствуйте, где мой заказ?"}

// builder returns a function making the n-th signed request of a run, from contact c.
func builder(kind, target, secret, account string, tagged bool) (func(ctx context.Context, n int, run string, c int) (*http.Request, error), error) {
	post := func(ctx context.Context, body []byte, contentType, header, sig string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set(header, sig)
		return req, nil
	}
	text := func(n int, run string) string {
		if tagged {
			return sampleTexts[n%len(sampleTexts)] + " " + tagFor(run, n)
		}
		return sampleTexts[n%len(sampleTexts)]
	}
	phone := func(c int) string { return fmt.Sprintf("+1555%07d", c) }
	switch kind {
	case "whatsapp":
		return func(ctx context.Context, n int, run string, c int) (*http.Request, error) {
			b := whatsapp.TextWebhook(account, strings.TrimPrefix(phone(c), "+"), fmt.Sprintf("Customer %d", c), fmt.Sprintf("wamid.sim-%s-%d", run, n), text(n, run), time.Now())
			return post(ctx, b, "application/json", "X-Hub-Signature-256", whatsapp.Sign(secret, b))
		}, nil
	case "telegram":
		return func(ctx context.Context, n int, run string, c int) (*http.Request, error) {
			b := telegram.TextUpdate(int64(n), 7000000000+int64(c), time.Now().UnixNano()%1e12+int64(n), fmt.Sprintf("Customer %d", c), text(n, run), time.Now())
			return post(ctx, b, "application/json", "X-Telegram-Bot-Api-Secret-Token", secret)
		}, nil
	case "sms", "voice":
		return func(ctx context.Context, n int, run string, c int) (*http.Request, error) {
			var form url.Values
			if kind == "sms" {
				form = twilio.InboundSMS(account, fmt.Sprintf("SMsim%s%d", run, n), phone(c), "+15550000000", text(n, run))
			} else {
				form = twilio.IncomingCall(account, fmt.Sprintf("CAsim%s%d", run, n), phone(c), "+15550000000")
			}
			return post(ctx, []byte(form.Encode()), "application/x-www-form-urlencoded", "X-Twilio-Signature", twilio.Sign(secret, target, form))
		}, nil
	case "rcs":
		return func(ctx context.Context, n int, run string, c int) (*http.Request, error) {
			b, sig := rcs.Push(secret, rcs.TextEvent(account, phone(c), fmt.Sprintf("rcs-sim-%s-%d", run, n), text(n, run), time.Now()))
			return post(ctx, b, "application/json", "X-Goog-Signature", sig)
		}, nil
	}
	return nil, fmt.Errorf("unknown --kind %q", kind)
}
