package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// frameWatcher follows the tenant's WebSocket while simulate sends, to time each simulated
// message from its webhook request to its new_message frame: the agents' view of latency.
type frameWatcher struct {
	mu     sync.Mutex
	seen   map[string]time.Time // by the tag simulate put in the text
	closed error                // why the socket ended before the run did, if it did
}

var simTag = regexp.MustCompile(`\[sim [0-9a-f]+ \d+\]`)

// tagFor marks the n-th message of a run in its text, so its frame can be found.
func tagFor(run string, n int) string { return fmt.Sprintf("[sim %s %d]", run, n) }

// watchFrames opens a socket with token (a login token of the channel's tenant).
func watchFrames(ctx context.Context, base, token string) (*frameWatcher, error) {
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
	u.RawQuery = q.Encode()
	ws, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	w := &frameWatcher{seen: map[string]time.Time{}}
	go func() {
		defer ws.CloseNow()
		for {
			_, raw, err := ws.Read(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.mu.Lock()
					w.closed = err
					w.mu.Unlock()
				}
				return
			}
			at := time.Now()
			var f struct {
				Type string `json:"type"`
				Data struct {
					Message struct {
						Content string `json:"content"`
					} `json:"message"`
				} `json:"data"`
			}
			if json.Unmarshal(raw, &f) != nil || f.Type != "new_message" {
				continue
			}
			if tag := simTag.FindString(f.Data.Message.Content); tag != "" {
				w.mu.Lock()
				w.seen[strings.Clone(tag)] = at
				w.mu.Unlock()
			}
		}
	}()
	return w, nil
}

// latencies pairs each sent tag with its frame, waiting up to grace for the last ones; it
// returns the delays, how many never arrived, and why the socket closed early if it did
// (frames missing after that were not lost by the server's log: the socket was dropped).
func (w *frameWatcher) latencies(sent map[string]time.Time, grace time.Duration) ([]time.Duration, int, error) {
	deadline := time.Now().Add(grace)
	for {
		w.mu.Lock()
		n, closed := len(w.seen), w.closed != nil
		w.mu.Unlock()
		if n >= len(sent) || closed || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Duration
	missing := 0
	for tag, at := range sent {
		if got, ok := w.seen[tag]; ok {
			out = append(out, got.Sub(at))
		} else {
			missing++
		}
	}
	return out, missing, w.closed
}
