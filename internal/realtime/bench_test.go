package realtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
)

// The hub's own cost, from a committed event to frames on real sockets; bench/wsload
// measures the whole path from a REST write on a running server. The sockets here are read
// by a minimal client that parses frames straight off TCP, so the client's own cost, on the
// same two cores, does not hide the server's.

// sockets opens count admin sockets of tenant 0 and returns a channel of (seq, arrival) per
// event frame of each, holding up to buffer arrivals, read by one goroutine per socket until
// the benchmark ends.
func sockets(b *testing.B, w *world, n *node, count, buffer int) ([]chan arrival, func()) {
	var wg sync.WaitGroup
	out := make([]chan arrival, count)
	conns := make([]net.Conn, count)
	for i := range out {
		nc, br := rawDial(b, n, "/ws/team-inbox/"+w.tenants[0].id.String()+"/?token="+w.token(b, 0, auth.RoleAdmin))
		conns[i] = nc
		if _, hello, err := readFrame(br, nil); err != nil || !bytes.Contains(hello, []byte(`"hello"`)) {
			b.Fatalf("first frame %q (%v), want hello", hello, err) // after it, the socket is registered
		}
		ch := make(chan arrival, buffer)
		out[i] = ch
		wg.Go(func() {
			defer close(ch)
			key := []byte(`"seq":`)
			var buf []byte
			for {
				op, payload, err := readFrame(br, buf)
				if err != nil {
					return
				}
				buf = payload
				at := time.Now()
				if op == 0x8 {
					b.Logf("socket closed: %q", payload)
					return
				}
				if i := bytes.Index(payload, key); op == 0x1 && i >= 0 {
					end := i + len(key)
					for end < len(payload) && payload[end] >= '0' && payload[end] <= '9' {
						end++
					}
					if seq, _ := strconv.ParseInt(string(payload[i+len(key):end]), 10, 64); seq > 0 {
						ch <- arrival{seq, at} // durable events only, not presence
					}
				}
			}
		})
	}
	return out, func() {
		for _, nc := range conns {
			nc.Close()
		}
		wg.Wait()
	}
}

// rawDial makes the WebSocket handshake by hand and returns the connection and its reader.
func rawDial(b *testing.B, n *node, path string) (net.Conn, *bufio.Reader) {
	host := strings.TrimPrefix(n.srv.URL, "http://")
	nc, err := net.Dial("tcp", host)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, host)
	br := bufio.NewReaderSize(nc, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		b.Fatalf("handshake: %v %v", resp, err)
	}
	return nc, br
}

// readFrame reads one unmasked server frame (RFC 6455 §5.2) into buf's storage.
func readFrame(br *bufio.Reader, buf []byte) (opcode byte, payload []byte, err error) {
	var h [8]byte
	if _, err := io.ReadFull(br, h[:2]); err != nil {
		return 0, nil, err
	}
	opcode, size := h[0]&0x0f, uint64(h[1]&0x7f)
	switch size {
	case 126:
		if _, err := io.ReadFull(br, h[:2]); err != nil {
			return 0, nil, err
		}
		size = uint64(binary.BigEndian.Uint16(h[:2]))
	case 127:
		if _, err := io.ReadFull(br, h[:8]); err != nil {
			return 0, nil, err
		}
		size = binary.BigEndian.Uint64(h[:8])
	}
	payload = slices.Grow(buf[:0], int(size))[:size]
	_, err = io.ReadFull(br, payload)
	return opcode, payload, err
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
	socks, stop := sockets(b, w, n, 1000, 4)
	defer stop()
	lat := make([]time.Duration, 0, b.N*len(socks))
	b.ResetTimer()
	for i := range b.N {
		seq := int64(i + 1)
		sent := time.Now()
		// One timer per event: one per socket was most of what the benchmark allocated.
		timeout := time.NewTimer(5 * time.Second)
		if err := bus.Publish(context.Background(), realtime.Envelope{Event: event(w, seq)}); err != nil {
			b.Fatal(err)
		}
		for i, s := range socks {
			select {
			case a, ok := <-s:
				if !ok || a.seq != seq {
					b.Fatalf("socket %d: got %v (open %v), want seq %d", i, a.seq, ok, seq)
				}
				lat = append(lat, a.at.Sub(sent))
			case <-timeout.C:
				b.Fatalf("socket %d: no seq %d in 5 s", i, seq)
			}
		}
		timeout.Stop()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkSustained100 publishes events at a steady rate (1,000, 2,000 and 5,000 a second)
// to 100 sockets, with the default queue (a socket more than 256 frames behind is dropped),
// and checks that every socket gets every event, in order; it reports the rate reached.
//
//	go test ./internal/realtime -run '^$' -bench Sustained100 -benchtime 20000x
func BenchmarkSustained100(b *testing.B) {
	for _, rate := range []int{1000, 2000, 5000} {
		b.Run("rate="+strconv.Itoa(rate), func(b *testing.B) { sustain(b, rate) })
	}
}

func sustain(b *testing.B, rate int) {
	w := newWorld(b)
	bus := realtime.NewMemoryBus()
	n := w.node(b, bus)
	socks, stop := sockets(b, w, n, 100, 1024)
	defer stop()
	var wg sync.WaitGroup
	errs := make(chan string, len(socks))
	for _, s := range socks {
		wg.Go(func() {
			for want := int64(1); want <= int64(b.N); want++ {
				if a, ok := <-s; !ok || a.seq != want {
					errs <- "got seq " + strconv.FormatInt(a.seq, 10) + ", want " + strconv.FormatInt(want, 10)
					return
				}
			}
		})
	}
	start := time.Now()
	b.ResetTimer()
	pace := time.Second / time.Duration(rate)
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
	if len(errs) > 0 {
		b.Errorf("%d of %d sockets missed events; first: %s", len(errs), len(socks), <-errs)
	}
}
