// Command wsload measures the real-time inbox of a running server from a second process:
// the memory each idle WebSocket costs the server, and how fast and how completely an event
// written through REST reaches every connected socket.
//
// It opens -conns sockets for the token's tenant and, when -pid is given, reports the
// server's resident memory per connection. Then it posts -writes internal notes through
// REST at -rate per second and, on every socket, checks that each note's new_message frame
// arrives, that the tenant's sequence numbers arrive with no gap and no duplicate, and how
// long each frame took from the moment its REST request was sent.
//
//	go run ./bench/wsload -url http://127.0.0.1:8080 -token "$TOKEN" -conns 1000 -writes 200 -rate 50
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/teaminbox/teaminbox/bench/internal/rest"
)

type options struct {
	base, token    string
	conns, writes  int
	rate           float64
	pid, writers   int
	settle, dialTO time.Duration
	hold           time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "http://127.0.0.1:8080", "server base URL (loopback)")
	flag.StringVar(&o.token, "token", "", "login token of an admin or executive of the tenant")
	flag.IntVar(&o.conns, "conns", 1000, "WebSockets to hold open")
	flag.IntVar(&o.writes, "writes", 200, "notes to post through REST (0: only hold the sockets)")
	flag.Float64Var(&o.rate, "rate", 50, "notes per second")
	flag.IntVar(&o.writers, "writers", 8, "concurrent REST writers")
	flag.IntVar(&o.pid, "pid", 0, "server process id, to report its memory per connection")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "how long to wait for the last frames")
	flag.DurationVar(&o.hold, "hold", 2*time.Second, "how long the sockets stay idle before memory is read (the Go runtime collects at least every 2 minutes)")
	flag.DurationVar(&o.dialTO, "dial-timeout", 2*time.Minute, "time allowed to open all sockets")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "wsload:", err)
		os.Exit(1)
	}
}

// marker prefixes each note's text so a frame can be matched to its write without decoding
// the whole frame (the load tool shares the machine's two cores with the server).
const marker = "wsload#"

// socket is one client connection and what it saw.
type socket struct {
	lastSeq  int64
	gaps     int   // sequence numbers skipped or repeated
	notes    int   // new_message frames of this run's notes
	latency  []int // microseconds from REST send to frame, per note
	closeErr error
}

func run(ctx context.Context, o options) error {
	api, err := rest.New(o.base, o.token, &http.Client{
		Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.writers},
	})
	if err != nil {
		return err
	}
	var info struct {
		Data struct{ URL, Token string } `json:"data"`
	}
	if err := api.Do(ctx, http.MethodGet, "/team-inbox/websocket/info/", nil, &info); err != nil {
		return err
	}
	var list struct {
		Data struct {
			Conversations []struct{ ID string }
		} `json:"data"`
	}
	if err := api.Do(ctx, http.MethodGet, "/v1/conversations?status=active&limit=20", nil, &list); err != nil {
		return err
	}
	if len(list.Data.Conversations) == 0 {
		return errors.New("the tenant has no active conversation to write notes in")
	}

	rssBefore, goBefore := rss(o.pid), goMemory(ctx, api)
	sent := make([]atomic.Int64, o.writes) // unix micros at which note i's request left
	sockets := make([]*socket, o.conns)
	wsURL := info.Data.URL + "?token=" + url.QueryEscape(info.Data.Token)
	start := time.Now()
	var wg sync.WaitGroup
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan error, o.conns)
	dialCtx, cancelDial := context.WithTimeout(ctx, o.dialTO)
	defer cancelDial()
	dials := make(chan struct{}, 64) // at most this many handshakes in flight
	for i := range sockets {
		s := &socket{}
		sockets[i] = s
		wg.Go(func() {
			dials <- struct{}{}
			ws, _, err := websocket.Dial(dialCtx, wsURL, nil)
			<-dials
			ready <- err
			if err != nil {
				return
			}
			ws.SetReadLimit(1 << 20)
			s.closeErr = s.read(runCtx, ws, sent)
		})
	}
	for range o.conns {
		if err := <-ready; err != nil {
			return fmt.Errorf("open socket: %w", err)
		}
	}
	fmt.Printf("opened %d sockets in %s\n", o.conns, time.Since(start).Round(time.Millisecond))
	time.Sleep(o.hold) // idle, as agents' sockets mostly are
	if o.pid > 0 {
		after := rss(o.pid)
		fmt.Printf("server RSS %d MiB before, %d MiB after: %.1f KiB per connection\n",
			rssBefore>>20, after>>20, float64(after-rssBefore)/1024/float64(o.conns))
	}
	if goAfter := goMemory(ctx, api); goAfter != nil && goBefore != nil {
		per := func(k string) float64 { return (goAfter[k] - goBefore[k]) / float64(o.conns) }
		fmt.Printf("server Go memory per connection: heap in use %.1f KiB, stacks %.1f KiB, %.1f goroutines\n",
			per("go_memstats_heap_inuse_bytes")/1024, per("go_memstats_stack_inuse_bytes")/1024, per("go_goroutines"))
	}

	if o.writes > 0 {
		elapsed, failed := write(ctx, api, o, list.Data.Conversations, sent)
		fmt.Printf("posted %d notes in %s (%.0f/s), %d failed\n", o.writes, elapsed.Round(time.Millisecond), float64(o.writes)/elapsed.Seconds(), failed)
		time.Sleep(o.settle)
	}
	stop()
	wg.Wait()
	return report(o, sockets)
}

// write posts the notes at the requested rate, round-robin over the conversations.
func write(ctx context.Context, api *rest.Client, o options, convs []struct{ ID string }, sent []atomic.Int64) (time.Duration, int) {
	var failed atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range o.writers {
		wg.Go(func() {
			for i := range jobs {
				body := map[string]any{"content": marker + strconv.Itoa(i) + ";"}
				sent[i].Store(time.Now().UnixMicro())
				if err := api.Do(ctx, http.MethodPost, "/v1/conversations/"+convs[i%len(convs)].ID+"/notes", body, nil); err != nil {
					failed.Add(1)
					fmt.Fprintln(os.Stderr, "note:", err)
				}
			}
		})
	}
	start := time.Now()
	interval := time.Duration(float64(time.Second) / o.rate)
	for i := range o.writes {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return time.Since(start), int(failed.Load())
}

// read consumes frames until ctx ends, checking the sequence and timing this run's notes.
func (s *socket) read(ctx context.Context, ws *websocket.Conn, sent []atomic.Int64) error {
	defer ws.CloseNow()
	seqKey := []byte(`"seq":`)
	for {
		_, frame, err := ws.Read(ctx)
		now := time.Now().UnixMicro()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if i := bytes.Index(frame, seqKey); i >= 0 {
			seq, _ := strconv.ParseInt(string(digits(frame[i+len(seqKey):])), 10, 64)
			if s.lastSeq != 0 && seq != s.lastSeq+1 {
				s.gaps++
			}
			s.lastSeq = seq
		}
		if !bytes.HasPrefix(frame, []byte(`{"type":"new_message"`)) {
			continue
		}
		if i := bytes.Index(frame, []byte(marker)); i >= 0 {
			n, err := strconv.Atoi(string(digits(frame[i+len(marker):])))
			if err == nil && n < len(sent) {
				s.notes++
				s.latency = append(s.latency, int(now-sent[n].Load()))
			}
		}
	}
}

func digits(b []byte) []byte {
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	return b[:end]
}

func report(o options, sockets []*socket) error {
	var lat []int
	missing, gaps, dropped := 0, 0, 0
	for _, s := range sockets {
		lat = append(lat, s.latency...)
		missing += o.writes - s.notes
		gaps += s.gaps
		if s.closeErr != nil {
			dropped++
		}
	}
	if o.writes > 0 {
		slices.Sort(lat)
		fmt.Printf("frames %d of %d expected; missing %d, sequence gaps %d, sockets closed early %d\n",
			len(lat), o.writes*o.conns, missing, gaps, dropped)
		fmt.Printf("REST send → frame: p50 %s  p99 %s  max %s\n", pct(lat, 50), pct(lat, 99), pct(lat, 100))
	}
	if missing > 0 || gaps > 0 || dropped > 0 {
		return errors.New("events were lost")
	}
	return nil
}

func pct(us []int, p int) string {
	if len(us) == 0 {
		return "-"
	}
	i := max(0, min(len(us)-1, (len(us)*p+99)/100-1))
	return (time.Duration(us[i]) * time.Microsecond).Round(10 * time.Microsecond).String()
}

// rss reads a process's resident set size in bytes from /proc (0 when unknown).
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// goMemory reads the server's Go runtime gauges from /metrics (nil when unavailable).
func goMemory(ctx context.Context, c *rest.Client) map[string]float64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/metrics", nil)
	if err != nil {
		return nil
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}
