package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// frameWatcher follows the tenant's WebSocket while simulate sends, to time each simulated
// message from its webhook request to its new_message frame: the agents' view of latency.
type frameWatcher struct {
	mu      sync.Mutex
	seen    map[string]time.Time // by the tag simulate put in the text
	resumes int                  // times the server dropped the socket as too slow and it was reopened
	closed  error                // why watching ended before the run did (a close not resumed from), if it did
}

// statusSlowConsumer is how the server closes a socket that fell too far behind
// (internal/realtime); the client is to reconnect with since=.
const statusSlowConsumer = websocket.StatusCode(4008)

var simTag = regexp.MustCompile(`\[sim [0-9a-f]+ \d+\]`)

// tagFor marks the n-th message of a run in its text, so its frame can be found.
func tagFor(run string, n int) string { return fmt.Sprintf("[sim %s %d]", run, n) }

// watchFrames opens a socket with token (a login token of the channel's tenant).
func watchFrames(ctx context.Context, base, token string) (*frameWatcher, error) {
	ws, err := dialFrames(ctx, base, token, -1) // no since=: from the newest event on
	if err != nil {
		return nil, err
	}
	w := &frameWatcher{seen: map[string]time.Time{}}
	go w.follow(ctx, ws, base, token)
	return w, nil
}

// dialFrames opens the tenant's socket as the web app does: a socket token from
// /team-inbox/websocket/info/, then the URL it names; with since >= 0 the server first sends
// the events after that seq (a resume), else it starts at its newest.
func dialFrames(ctx context.Context, base, token string, since int64) (*websocket.Conn, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/team-inbox/websocket/info/", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("websocket info: %w", err)
	}
	defer res.Body.Close()
	type where struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	}
	var info struct {
		where
		Data *where `json:"data"` // inside the success envelope
	}
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("websocket info: status %d (%v)", res.StatusCode, err)
	}
	if info.Data != nil {
		info.where = *info.Data
	}
	u, err := url.Parse(info.URL)
	if err != nil {
		return nil, fmt.Errorf("websocket url: %w", err)
	}
	q := u.Query()
	q.Set("token", info.Token)
	if since >= 0 {
		q.Set("since", strconv.FormatInt(since, 10))
	}
	u.RawQuery = q.Encode()
	ws, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, nil
}

// follow reads frames until ctx ends or the socket closes for good. A socket the server
// drops as too slow is reopened from the last event read, as the web app does, and the
// frames replayed are timed when they arrive: an agent waits for them that long too.
func (w *frameWatcher) follow(ctx context.Context, ws *websocket.Conn, base, token string) {
	var last int64 // the seq of the newest event read
	fresh := true  // the first socket, whose hello's seq is where this watcher's events begin
	for {
		err := w.read(ctx, ws, &last, fresh)
		ws.CloseNow()
		fresh = false
		if ctx.Err() != nil {
			return
		}
		if websocket.CloseStatus(err) == statusSlowConsumer {
			if ws, err = dialFrames(ctx, base, token, last); err == nil {
				w.mu.Lock()
				w.resumes++
				w.mu.Unlock()
				continue
			}
			err = fmt.Errorf("resume after being dropped as too slow: %w", err)
		}
		if ctx.Err() == nil { // the run may have ended while reconnecting
			w.mu.Lock()
			w.closed = err
			w.mu.Unlock()
		}
		return
	}
}

// read records the tagged new_message frames of one socket, and in last the seq of the newest
// event, until the socket fails or the server says the events missed are no longer kept.
func (w *frameWatcher) read(ctx context.Context, ws *websocket.Conn, last *int64, fresh bool) error {
	for {
		_, raw, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		at := time.Now()
		var f struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
			Data struct {
				Seq     int64 `json:"seq"` // hello's: the newest event before this socket
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
			} `json:"data"`
		}
		if json.Unmarshal(raw, &f) != nil {
			continue
		}
		switch {
		case f.Type == "reload_required":
			return fmt.Errorf("resumed after seq %d, but the server no longer keeps the events missed (reload_required)", *last)
		case f.Type == "hello":
			// A resumed socket's hello is past the events it replays next.
			if fresh {
				*last = f.Data.Seq
			}
			continue
		case f.Seq > 0 && f.Seq <= *last:
			continue // read before the socket was dropped
		case f.Seq > 0:
			*last = f.Seq
		}
		if f.Type != "new_message" {
			continue
		}
		if tag := simTag.FindString(f.Data.Message.Content); tag != "" {
			w.mu.Lock()
			w.seen[strings.Clone(tag)] = at
			w.mu.Unlock()
		}
	}
}

// latencies pairs each sent tag with its frame, waiting up to grace for the last ones; it
// returns the delays, how many never arrived, how often the socket was dropped as too slow
// and resumed, and why the socket closed early if it did (frames missing after that were not
// lost by the server's log: the socket was dropped).
func (w *frameWatcher) latencies(sent map[string]time.Time, grace time.Duration) (frames []time.Duration, missing, resumes int, closed error) {
	deadline := time.Now().Add(grace)
	for {
		w.mu.Lock()
		n, ended := 0, w.closed != nil
		for tag := range sent { // the warm-up's frames are seen too, and not waited for
			if _, ok := w.seen[tag]; ok {
				n++
			}
		}
		w.mu.Unlock()
		if n >= len(sent) || ended || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for tag, at := range sent {
		if got, ok := w.seen[tag]; ok {
			frames = append(frames, got.Sub(at))
		} else {
			missing++
		}
	}
	return frames, missing, w.resumes, w.closed
}
