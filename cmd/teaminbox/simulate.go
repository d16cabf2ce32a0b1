package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// simulate posts realistic, correctly signed provider webhooks to a running server: for
// demos (watch messages arrive in the web page) and for load tests (it reports the rate
// reached and the webhook latency).
func simulate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("teaminbox simulate", flag.ContinueOnError)
	base := fs.String("url", "http://localhost:8080", "server base URL; several, comma-separated, take the webhooks in turn (the nodes of a cluster)")
	kind := fs.String("kind", "whatsapp", "provider: whatsapp, telegram, sms, voice or rcs")
	channel := fs.String("channel", "", "channel id (its webhook_path ends with it)")
	secret := fs.String("secret", "", "the channel's signing secret: app_secret, webhook_secret, auth_token or client_token")
	account := fs.String("account", "", "phone_number_id (whatsapp), account_sid (sms, voice) or agent_id (rcs)")
	rate := fs.Float64("rate", 5, "messages per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to send")
	warmup := fs.Duration("warmup", 0, "how long to send first, at the same rate, before the figures start: a new node's first seconds (its connections' first statements, cold caches) are not its steady state")
	contacts := fs.Int("contacts", 20, "distinct contacts writing")
	workers := fs.Int("workers", 8, "concurrent requests")
	token := fs.String("token", "", "a login token of the channel's tenant: also time each message with text from webhook to its WebSocket frame")
	types := fs.String("types", "", "comma-separated message types to send in turn (default: every type the provider has, see docs/channels.md)")
	targetsFile := fs.String("targets", "", `a file of channels to send to in turn, one a line: "channel secret account"; instead of --channel, --secret and --account (--token then times the first one's)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	targets, err := readTargets(*targetsFile, webhookTarget{channel: *channel, secret: *secret, account: *account})
	if err != nil {
		return err
	}
	bases := strings.Split(*base, ",")
	for i := range bases {
		bases[i] = strings.TrimRight(strings.TrimSpace(bases[i]), "/")
	}
	// routes[i] are the shapes of messages to one channel through one server: message n
	// takes routes[n%len(routes)], the first len(bases) of which go to the first channel.
	var routes [][]shape
	for _, t := range targets {
		for _, b := range bases {
			t.url = b + "/webhooks/" + *kind + "/" + t.channel
			all, err := shapesOf(*kind, t)
			if err != nil {
				return err
			}
			shapes, err := pickShapes(*kind, all, *types)
			if err != nil {
				return err
			}
			routes = append(routes, shapes)
		}
	}
	var watcher *frameWatcher
	if *token != "" {
		if !slices.ContainsFunc(routes[0], func(s shape) bool { return s.hasText }) {
			return fmt.Errorf("--token times messages with text; none of these types has any")
		}
		w, err := watchFrames(ctx, bases[0], *token)
		if err != nil {
			return err
		}
		watcher = w
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(*workers, 1)}}
	run := uuid.NewString()[:8]
	jobs := make(chan int)
	start := time.Now()
	measured := start.Add(*warmup) // what is sent from then on counts
	var (
		ok, failed atomic.Int64
		mu         sync.Mutex
		latencies  []time.Duration
		sent       = map[string]time.Time{} // by tag, when timing frames
		firstFail  string
		wg         sync.WaitGroup
	)
	fail := func(why string) {
		mu.Lock()
		if failed.Add(1) == 1 {
			firstFail = why
		}
		mu.Unlock()
	}
	for range max(*workers, 1) {
		wg.Go(func() {
			for n := range jobs {
				route := n % len(routes)
				shapes := routes[route]
				sh := shapes[n/len(routes)%len(shapes)]
				msg := simMessage{n: n, contact: rand.IntN(max(*contacts, 1)), run: run, text: sampleTexts[n%len(sampleTexts)]}
				timed := watcher != nil && sh.hasText && route < len(bases)
				if timed {
					msg.text += " " + tagFor(run, n)
				}
				req, err := sh.newReq(ctx, msg)
				if err != nil {
					fail(fmt.Sprintf("build a %s message: %v", sh.name, err))
					continue
				}
				at := time.Now()
				counts := !at.Before(measured)
				if timed && counts {
					mu.Lock()
					sent[tagFor(run, n)] = at
					mu.Unlock()
				}
				res, err := client.Do(req)
				took := time.Since(at)
				if err != nil {
					fail(err.Error())
					continue
				}
				answer, _ := io.ReadAll(io.LimitReader(res.Body, 512))
				res.Body.Close()
				if res.StatusCode/100 != 2 {
					fail(fmt.Sprintf("a %s message answered %d %s", sh.name, res.StatusCode, bytes.TrimSpace(answer)))
					continue
				}
				if !counts {
					continue
				}
				ok.Add(1)
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
			}
		})
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / max(*rate, 0.001)))
	n, skipped := 0, 0
	warmSent, warmSkipped := 0, 0 // of the warm-up, left out of the figures
loop:
	for time.Since(start) < *warmup+*duration {
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
			if time.Now().Before(measured) {
				warmSent, warmSkipped = n, skipped
			}
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	elapsed := time.Since(measured)
	fmt.Printf("%s: %d sent (%d not sent, every worker busy), %d accepted, %d failed in %s (%.0f/s); webhook latency p50 %s p99 %s\n",
		*kind, n-warmSent, skipped-warmSkipped, ok.Load(), failed.Load(), elapsed.Round(time.Millisecond), float64(ok.Load())/elapsed.Seconds(),
		percentile(latencies, 0.50), percentile(latencies, 0.99))
	if watcher != nil {
		frames, missing, resumes, closed := watcher.latencies(sent, 5*time.Second)
		fmt.Printf("webhook → WebSocket frame: p50 %s p99 %s max %s; %d of %d frames missing\n",
			percentile(frames, 0.50), percentile(frames, 0.99), percentile(frames, 1), missing, len(sent))
		if resumes > 0 {
			// On a line of its own: bench/cluster.sh reads the line above with sed.
			fmt.Printf("resumes after the socket was dropped as too slow: %d (replayed frames are timed as they arrived)\n", resumes)
		}
		if closed != nil {
			fmt.Printf("the socket closed during the run, after %d frames: %v\n", len(frames), closed)
		}
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d of %d webhooks failed; the first: %s", failed.Load(), n, firstFail)
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

// readTargets reads the channels of a --targets file, or returns one when there is none.
func readTargets(file string, one webhookTarget) ([]webhookTarget, error) {
	if file == "" {
		if _, err := uuid.Parse(one.channel); err != nil || one.secret == "" {
			return nil, fmt.Errorf("--channel (a channel id) and --secret, or --targets, are required")
		}
		return []webhookTarget{one}, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	var targets []webhookTarget
	for i, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if _, err := uuid.Parse(f[0]); err != nil || len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"channel secret account\"", file, i+1)
		}
		targets = append(targets, webhookTarget{channel: f[0], secret: f[1], account: f[2]})
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("%s names no channel", file)
	}
	return targets, nil
}
