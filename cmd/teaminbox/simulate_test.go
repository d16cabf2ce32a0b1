package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSimulateSendsEveryMessageType runs simulate against a server for a channel of every
// provider and checks that each message type it names was accepted and stored as its
// content type: images, voice notes, documents, locations, contact cards and button replies,
// not only text.
func TestSimulateSendsEveryMessageType(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	// The providers' APIs, which check the channels' credentials: every call succeeds.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	t.Cleanup(api.Close)
	channels := []struct {
		kind, secret, account string
		config                map[string]string
	}{
		{"whatsapp", "sim-app-secret", "1234567890", map[string]string{"phone_number_id": "1234567890", "waba_id": "1029384756", "access_token": "EAAG-sim", "verify_token": "v"}},
		{"telegram", "sim_webhook_secret", "", map[string]string{"bot_token": "123:ABC"}},
		{"sms", "sim-auth-token", "ACsim", map[string]string{"account_sid": "ACsim", "from_number": "+15550000000"}},
		{"voice", "sim-auth-token", "ACsim", map[string]string{"account_sid": "ACsim"}},
		{"rcs", "SIMCLIENTTOKEN", "sim-agent", map[string]string{"agent_id": "sim-agent", "access_token": "ya29.sim"}},
	}
	secretKey := map[string]string{"whatsapp": "app_secret", "telegram": "webhook_secret", "sms": "auth_token", "voice": "auth_token", "rcs": "client_token"}
	for _, c := range channels {
		t.Run(c.kind, func(t *testing.T) {
			cfg := maps.Clone(c.config)
			cfg[secretKey[c.kind]] = c.secret
			cfg["api_base_url"] = api.URL
			created := s.call(t, "POST", "/v1/channels", admin, map[string]any{"kind": c.kind, "name": "Simulated " + c.kind, "config": cfg}).
				data(t, 201, "create channel")
			id := created["channel"].(map[string]any)["id"].(string)
			shapes, err := shapesOf(c.kind, webhookTarget{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, sh := range shapes {
				want[sh.storedAs] = true
			}
			if c.kind == "voice" { // every type is a voice message: tell them apart by their text
				want = map[string]bool{"Incoming call from": true, "Voicemail (12 s)": true, "Voicemail transcript:": true}
			}
			// Each run sends the types in turn; run again until every type has been stored
			// (a loaded machine may send fewer messages in a second than there are types).
			deadline := time.Now().Add(time.Minute)
			for {
				err := simulate(context.Background(), []string{"--url", s.base, "--kind", c.kind, "--channel", id, "--secret", c.secret,
					"--account", c.account, "--rate", "20", "--duration", "1s", "--contacts", "3", "--workers", "2"})
				if err != nil {
					t.Fatalf("simulate: %v", err)
				}
				got := s.storedTypes(t, admin, id)
				if missing := missingKeys(want, got); len(missing) == 0 {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("after a minute of simulated %s traffic, no message of type %v was stored (stored: %v)", c.kind, missing, slices.Sorted(maps.Keys(got)))
				}
			}
		})
	}
}

// storedTypes returns the content types of the messages of the channel's conversations,
// and for voice messages which of a call's three kinds each is.
func (s *testServer) storedTypes(t *testing.T, token, channelID string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for _, msg := range s.storedMessages(t, token, channelID) {
		got[msg["content_type"].(string)] = true
		if msg["content_type"] == "voice" {
			for _, prefix := range []string{"Incoming call from", "Voicemail (12 s)", "Voicemail transcript:"} {
				if strings.HasPrefix(msg["content"].(string), prefix) {
					got[prefix] = true
				}
			}
		}
	}
	return got
}

// storedMessages are the messages of the channel's conversations.
func (s *testServer) storedMessages(t *testing.T, token, channelID string) []map[string]any {
	t.Helper()
	var msgs []map[string]any
	list := s.call(t, "GET", "/v1/conversations?limit=100", token, nil).data(t, 200, "list")
	for _, c := range list["conversations"].([]any) {
		conv := c.(map[string]any)
		if conv["channel"].(map[string]any)["id"] != channelID {
			continue
		}
		detail := s.call(t, "GET", fmt.Sprintf("/v1/conversations/%s?limit=200", conv["id"]), token, nil).data(t, 200, "detail")
		for _, m := range detail["conversation"].(map[string]any)["messages"].([]any) {
			msgs = append(msgs, m.(map[string]any))
		}
	}
	return msgs
}

func missingKeys(want, got map[string]bool) []string {
	var out []string
	for k := range want {
		if !got[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestSimulateTargets sends to two channels through two server addresses in turn (the nodes
// of a cluster, here one server twice) from a --targets file: both channels get messages.
func TestSimulateTargets(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	var lines, ids []string
	for _, account := range []string{"1111111111", "2222222222"} {
		id := s.whatsappChannel(t, admin, account, "secret-"+account)
		ids = append(ids, id)
		lines = append(lines, id+" secret-"+account+" "+account)
	}
	file := t.TempDir() + "/targets"
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := simulate(context.Background(), []string{"--url", s.base + "," + s.base + "/", "--kind", "whatsapp", "--targets", file,
		"--types", "text", "--rate", "40", "--duration", "1s", "--contacts", "2", "--workers", "2"})
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	for _, id := range ids {
		if got := s.storedTypes(t, admin, id); !got["text"] {
			t.Errorf("channel %s got no message", id)
		}
	}
	if err := os.WriteFile(file, []byte("not-a-channel secret account\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := simulate(context.Background(), []string{"--targets", file}); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a bad targets line: %v, want an error that names it", err)
	}
}

// TestSimulateWatcherResumesAfterSlowConsumerDrop holds back the server's frames to the
// watcher, as a load client sharing a core with the server does, until the server drops its
// socket as too slow (4008): the watcher reconnects from the last event it read, as the web
// app does, and every message's frame arrives, those sent after the drop too.
func TestSimulateWatcherResumesAfterSlowConsumerDrop(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	id := s.whatsappChannel(t, admin, "1234567890", "sim-app-secret")
	shapes, err := shapesOf("whatsapp", webhookTarget{channel: id, url: s.base + "/webhooks/whatsapp/" + id, secret: "sim-app-secret", account: "1234567890"})
	if err != nil {
		t.Fatal(err)
	}
	textOnly, err := pickShapes("whatsapp", shapes, "text")
	if err != nil {
		t.Fatal(err)
	}
	proxy := startStallingProxy(t, s.host)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := watchFrames(ctx, proxy.base, admin)
	if err != nil {
		t.Fatal(err)
	}
	const run = "5e1f"
	sent := map[string]time.Time{}
	send := func(n int, text string) {
		t.Helper()
		req, err := textOnly[0].newReq(ctx, simMessage{n: n, contact: n % 3, run: run, text: text + " " + tagFor(run, n)})
		if err != nil {
			t.Fatal(err)
		}
		sent[tagFor(run, n)] = time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook %d: status %d", n, res.StatusCode)
		}
	}
	socketClosed := func() error {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.closed
	}
	proxy.stall()
	// The server's writer gives up on a socket that takes nothing for 10s, and its ping on one
	// that does not answer in 30s; either closes it otherwise than as too slow. So long texts
	// (4000 runes of 4 bytes: a message may have 4096) fill the socket buffers in a few hundred
	// messages, and once the server writes no more frames (its count of frames sent stands
	// still over ten messages), short ones fill its queue fastest.
	text, written := strings.Repeat("📦", 4000), 0.0
	n := 0
	for ; ; n++ {
		if n > 0 && n%10 == 0 {
			if s.websocketFrames(t, "dropped") > 0 {
				break
			}
			if now := s.websocketFrames(t, "sent"); now == written {
				text = "Where is my order?"
			} else {
				written = now
			}
		}
		if err := socketClosed(); err != nil {
			t.Fatalf("the socket closed before the server dropped it as too slow, after %d messages: %v", n, err)
		}
		if n == 10000 {
			t.Fatal("the server did not drop a socket that read nothing of 10000 messages")
		}
		send(n, text)
	}
	// The server's close frame waits behind the frames held back: let them through.
	proxy.release()
	t.Logf("the server dropped the socket after %d messages", n)
	for end := n + 20; n < end; n++ {
		send(n, "Where is my order?")
	}
	frames, missing, resumes, closed := w.latencies(sent, 2*time.Minute)
	if missing != 0 || closed != nil {
		t.Errorf("%d of %d frames missing (%d arrived); the socket closed: %v", missing, len(sent), len(frames), closed)
	}
	if resumes != 1 {
		t.Errorf("the socket resumed %d times, want 1", resumes)
	}
}

// websocketFrames is the server's count of event frames by outcome: sent, or dropped with
// the socket of a client too slow to take them.
func (s *testServer) websocketFrames(t *testing.T, outcome string) float64 {
	t.Helper()
	for _, line := range strings.Split(string(s.get(t, "/metrics", "")), "\n") {
		if v, ok := strings.CutPrefix(line, `teaminbox_websocket_frames_total{outcome="`+outcome+`"} `); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metrics: %q: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// stallingProxy forwards connections to a server; while stalled it passes on nothing the
// server sends, like a client too busy to read, so the server's socket buffers fill up.
type stallingProxy struct {
	base string
	mu   sync.Mutex
	gate chan struct{} // while stalled: closed on release
}

func startStallingProxy(t *testing.T, server string) *stallingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{base: "http://" + ln.Addr().String()}
	t.Cleanup(func() {
		ln.Close()
		p.release() // a test that failed while stalled leaves no connection stuck
	})
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return // the listener closed with the test
			}
			upstream, err := net.Dial("tcp", server)
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				io.Copy(upstream, client)
				upstream.Close()
			}()
			go func() {
				p.forward(client, upstream)
				client.Close()
			}()
		}
	}()
	return p
}

// forward copies what the server sends to the client, waiting while the proxy is stalled.
func (p *stallingProxy) forward(client, upstream net.Conn) {
	buf := make([]byte, 4<<10)
	for {
		n, err := upstream.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.gate
			p.mu.Unlock()
			if gate != nil {
				<-gate
			}
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *stallingProxy) stall() {
	p.mu.Lock()
	p.gate = make(chan struct{})
	p.mu.Unlock()
}

func (p *stallingProxy) release() {
	p.mu.Lock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
	p.mu.Unlock()
}

// whatsappChannel creates a WhatsApp channel of phone number id account, signed with
// secret, whose Graph API (a local stand-in: every call succeeds) the creation checks.
func (s *testServer) whatsappChannel(t *testing.T, admin, account, secret string) string {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) }))
	t.Cleanup(api.Close)
	created := s.call(t, "POST", "/v1/channels", admin, map[string]any{"kind": "whatsapp", "name": "WhatsApp " + account, "config": map[string]string{
		"phone_number_id": account, "waba_id": "1029384756", "verify_token": "v", "access_token": "EAAG-sim", "app_secret": secret,
		"api_base_url": api.URL}}).
		data(t, 201, "create channel")
	return created["channel"].(map[string]any)["id"].(string)
}

// TestSimulateLeavesTheWarmUpOut sends for a second of warm-up and a second measured: the
// server stores both, and the figures count only the second one's messages and frames.
func TestSimulateLeavesTheWarmUpOut(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	id := s.whatsappChannel(t, admin, "1234567890", "sim-app-secret")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	err = simulate(context.Background(), []string{"--url", s.base, "--kind", "whatsapp", "--channel", id, "--secret", "sim-app-secret",
		"--account", "1234567890", "--types", "text", "--rate", "30", "--warmup", "1s", "--duration", "1s", "--contacts", "2", "--token", admin})
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	// "whatsapp: S sent (…), A accepted, …" and "webhook → WebSocket frame: …; M of F frames missing".
	var sent, skipped, accepted, missing, framed int
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "whatsapp: ") {
			fmt.Sscanf(line, "whatsapp: %d sent (%d not sent, every worker busy), %d accepted", &sent, &skipped, &accepted)
		}
		if i := strings.LastIndex(line, "; "); strings.HasSuffix(line, "frames missing") && i >= 0 {
			fmt.Sscanf(line[i+2:], "%d of %d frames missing", &missing, &framed)
		}
	}
	stored := len(s.storedMessages(t, admin, id))
	// 30 a second: about 30 counted, of about 60 the server stored.
	if sent < 15 || sent > 45 || accepted != sent || framed != sent || missing != 0 || stored < sent+15 {
		t.Errorf("counted %d sent, %d accepted, %d framed (%d missing), the server stored %d: want ~30 counted of ~60 stored\n%s",
			sent, accepted, framed, missing, stored, out)
	}
}
