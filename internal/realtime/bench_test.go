package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
)

// The hub's own cost, from a committed event to frames on real sockets; bench/wsload
// measures the whole path from a REST write on a running server.

// sockets opens n admin sockets of tenant 0 and returns a channel of (seq, arrival) per
// frame of each, read by one goroutine per socket until the benchmark ends.
func sockets(b *testing.B, w *world, n *node, count int) ([]chan arrival, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	out := make([]chan arrival, count)
	for i := range out {
		c, err := dial(b, n, w.tenants[0].id, "token="+w.token(b, 0, auth.RoleAdmin))
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan arrival, 1<<16)
		out[i] = ch
		wg.Go(func() {
			defer c.ws.CloseNow()
			key := []byte(`"seq":`)
			for {
				_, raw, err := c.ws.Read(ctx)
				if err != nil {
					return
				}
				at := time.Now()
				if i := bytes.Index(raw, key); i >= 0 {
					end := i + len(key)
					for end < len(raw) && raw[end] >= '0' && raw[end] <= '9' {
						end++
					}
					seq, _ := strconv.ParseInt(string(raw[i+len(key):end]), 10, 64)
					ch <- arrival{seq, at}
				}
			}
		})
	}
	return out, func() { cancel(); wg.Wait() }
}

type arrival struct {
	seq int64
	at  time.Time
}

func event(w *world, seq int64) inbox.Event {
	data, _ := json.Marshal(map[string]any{"message": map[string]any{"content": "Where is my order?", "sender_type": "end_user"}})
	return inbox.Event{TenantID: w.tenants[0].id, Seq: seq, Type: inbox.EventNewMessage, ConversationID: &w.tenants[0].conversation, Data: data, CreatedAt: time.Now()}
}

// BenchmarkFanOut1000 publishes one event at a time to 1,000 sockets and waits until every
// socket has it; it reports the p99 of publish → frame read over all sockets.
//
//	go test ./internal/realtime -run '^$' -bench FanOut1000 -benchtime 100x
func BenchmarkFanOut1000(b *testing.B) {
	w := newWorld(b)
	bus := realtime.NewMemoryBus()
	n := w.node(b, bus)
	socks, stop := sockets(b, w, n, 1000)
	defer stop()
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		seq := int64(i + 1)
		sent := time.Now()
		if err := bus.Publish(context.Background(), realtime.Envelope{Event: event(w, seq)}); err != nil {
			b.Fatal(err)
		}
		for _, s := range socks {
			for a := range s {
				if a.seq == seq {
					lat = append(lat, a.at.Sub(sent))
					break
				}
			}
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkSustained100 publishes 5,000 events a second to 100 sockets, with the default
// queue (a socket more than 256 frames behind is dropped), and checks that every socket
// gets every event, in order; it reports the rate reached.
//
//	go test ./internal/realtime -run '^$' -bench Sustained100 -benchtime 50000x
func BenchmarkSustained100(b *testing.B) {
	w := newWorld(b)
	bus := realtime.NewMemoryBus()
	n := w.node(b, bus)
	socks, stop := sockets(b, w, n, 100)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan string, len(socks))
	for _, s := range socks {
		wg.Go(func() {
			for want := int64(1); want <= int64(b.N); want++ {
				if a := <-s; a.seq != want {
					errs <- "got seq " + strconv.FormatInt(a.seq, 10) + ", want " + strconv.FormatInt(want, 10)
					return
				}
			}
		})
	}
	start := time.Now()
	b.ResetTimer()
	const pace = time.Second / 5000
	for i := range b.N {
		if d := time.Until(start.Add(time.Duration(i) * pace)); d > 0 {
			time.Sleep(d)
		}
		if err := bus.Publish(context.Background(), realtime.Envelope{Event: event(w, int64(i+1))}); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	close(errs)
	for e := range errs {
		b.Error(e)
	}
}
