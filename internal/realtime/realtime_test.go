package realtime_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/realtime/natstest"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// world is a store with two tenants, each with users of every role and a web conversation.
type world struct {
	st      inbox.Store
	tokens  *auth.Tokens
	tenants [2]tenantRows
}

type tenantRows struct {
	id           uuid.UUID
	users        map[auth.Role]uuid.UUID
	conversation uuid.UUID
}

func newWorld(t testing.TB) *world { return newWorldOn(t, storetest.OpenSQLite) }

// newWorldOn is newWorld on the store open returns.
func newWorldOn(t testing.TB, open func(testing.TB) inbox.Store) *world {
	ctx := context.Background()
	w := &world{st: open(t)}
	var err error
	if w.tokens, err = auth.NewTokens([]byte("realtime-test-secret-realtime-test")); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range w.tenants {
		tr := tenantRows{id: uuid.New(), users: map[auth.Role]uuid.UUID{}, conversation: uuid.New()}
		must(t, w.st.CreateTenant(ctx, inbox.Tenant{ID: tr.id, Name: fmt.Sprint("T", i), CreatedAt: now}))
		for _, r := range auth.Roles {
			u := inbox.User{ID: uuid.New(), TenantID: tr.id, FirstName: string(r), LastName: fmt.Sprint(i), Email: fmt.Sprintf("%s%d@x.test", r, i), Role: r, PasswordHash: "x", CreatedAt: now}
			must(t, w.st.CreateUser(ctx, u))
			tr.users[r] = u.ID
		}
		contact, channel := uuid.New(), uuid.New()
		must(t, w.st.CreateContact(ctx, inbox.Contact{ID: contact, TenantID: tr.id, FirstName: "Carla", CreatedAt: now, UpdatedAt: now}))
		must(t, w.st.CreateChannel(ctx, inbox.Channel{ID: channel, TenantID: tr.id, Kind: inbox.ChannelWeb, Name: "site", CreatedAt: now}))
		must(t, w.st.CreateConversation(ctx, inbox.Conversation{ID: tr.conversation, TenantID: tr.id, ContactID: contact, ChannelID: channel,
			Type: "support", Status: inbox.StatusActive, Priority: inbox.PriorityMedium, CreatedAt: now, UpdatedAt: now}))
		w.tenants[i] = tr
	}
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// node is one server: a service, a hub and an HTTP server, on a bus.
type node struct {
	svc *inbox.Service
	hub *realtime.Hub
	srv *httptest.Server
}

func (w *world) node(t testing.TB, bus realtime.Bus, mod ...func(*realtime.Config)) *node {
	seq, stop := sequencer.Start(w.st, realtime.NewPublisher(bus, quiet), quiet)
	t.Cleanup(stop)
	svc := inbox.NewService(w.st, seq, quiet)
	cfg := realtime.Config{Service: svc, Tokens: w.tokens, Bus: bus, EventLog: w.st, Log: quiet, AcceptAllOrigins: true,
		TokenTTL: time.Minute, TypingTimeout: time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	hub, err := realtime.New(cfg)
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /ws/team-inbox/{tenantId}/{$}", hub)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		srv.Close()
	})
	return &node{svc: svc, hub: hub, srv: srv}
}

func (w *world) principal(i int, r auth.Role) auth.Principal {
	return auth.Principal{TenantID: w.tenants[i].id, UserID: w.tenants[i].users[r], Role: r}
}

func (w *world) token(t testing.TB, i int, r auth.Role) string {
	tok, err := w.tokens.Issue(w.principal(i, r), auth.AudienceWebSocket, time.Minute)
	must(t, err)
	return tok
}

// client is a test WebSocket client.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

type frame struct {
	Type  string          `json:"type"`
	Seq   int64           `json:"seq"`
	ID    string          `json:"id"`
	Data  json.RawMessage `json:"data"`
	Error *struct {
		Code   string `json:"code"`
		Reason string `json:"reason"`
	} `json:"error"`
}

func dial(t testing.TB, n *node, tenant uuid.UUID, query string) (*client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(n.srv.URL, "http", "ws", 1)+"/ws/team-inbox/"+tenant.String()+"/?"+query, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}, nil
}

// connect dials as a user and reads the hello frame.
func (w *world) connect(t *testing.T, n *node, i int, r auth.Role, extra string) *client {
	t.Helper()
	c, err := dial(t, n, w.tenants[i].id, "token="+w.token(t, i, r)+extra)
	must(t, err)
	if f := c.next(); f.Type != "hello" {
		t.Fatalf("first frame %q, want hello", f.Type)
	}
	return c
}

func (c *client) next() frame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, raw, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var f frame
	must(c.t, json.Unmarshal(raw, &f))
	return f
}

// until reads frames until one of type typ, skipping presence frames.
func (c *client) until(typ string) frame {
	c.t.Helper()
	for {
		f := c.next()
		if f.Type == typ {
			return f
		}
		if f.Type != "presence" {
			c.t.Fatalf("got %q (%s) while waiting for %q", f.Type, f.Data, typ)
		}
	}
}

func (c *client) request(typ, id string, data any) {
	c.t.Helper()
	raw, _ := json.Marshal(map[string]any{"type": typ, "id": id, "data": data})
	must(c.t, c.ws.Write(context.Background(), websocket.MessageText, raw))
}

// closeCode reads until the server closes and returns its code.
func (c *client) closeCode() websocket.StatusCode {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, _, err := c.ws.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func TestAuthCloseCodes(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	expired, _ := w.tokens.Issue(w.principal(0, auth.RoleAdmin), auth.AudienceWebSocket, -time.Minute)
	nobody, _ := w.tokens.Issue(auth.Principal{TenantID: w.tenants[0].id, UserID: uuid.New(), Role: auth.RoleAdmin}, auth.AudienceWebSocket, time.Minute)
	deactivated := w.token(t, 0, auth.RoleExecutive)
	_, err := n.svc.SetUserActive(context.Background(), w.principal(0, auth.RoleAdmin), w.tenants[0].users[auth.RoleExecutive], false)
	must(t, err)
	cases := []struct {
		name, tenant, query string
		code                websocket.StatusCode
	}{
		{"no token", w.tenants[0].id.String(), "", 4001},
		{"garbage", w.tenants[0].id.String(), "token=abc", 4001},
		{"expired", w.tenants[0].id.String(), "token=" + expired, 4001},
		{"other tenant", w.tenants[1].id.String(), "token=" + w.token(t, 0, auth.RoleAdmin), 4003},
		{"bad tenant id", "nope", "token=" + w.token(t, 0, auth.RoleAdmin), 4003},
		{"unknown user", w.tenants[0].id.String(), "token=" + nobody, 4001},
		{"deactivated user", w.tenants[0].id.String(), "token=" + deactivated, 4001},
	}
	for _, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ws, _, err := websocket.Dial(ctx, strings.Replace(n.srv.URL, "http", "ws", 1)+"/ws/team-inbox/"+tc.tenant+"/?"+tc.query, nil)
		cancel()
		must(t, err)
		c := &client{t: t, ws: ws}
		if got := c.closeCode(); got != tc.code {
			t.Errorf("%s: close code %d, want %d", tc.name, got, tc.code)
		}
	}
}

func TestEventsReachOnlyTheirTenant(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	a := w.connect(t, n, 0, auth.RoleViewer, "")
	b := w.connect(t, n, 1, auth.RoleViewer, "")
	ctx := context.Background()
	_, err := n.svc.AddNote(ctx, w.principal(0, auth.RoleAdmin), w.tenants[0].conversation, inbox.NoteInput{Content: "tenant A only"})
	must(t, err)
	f := a.until("new_message")
	if f.Seq == 0 || !strings.Contains(string(f.Data), "tenant A only") {
		t.Errorf("tenant A's frame: %+v %s", f, f.Data)
	}
	// Then something for B: if A's event had leaked, B would read it first.
	_, err = n.svc.AddNote(ctx, w.principal(1, auth.RoleAdmin), w.tenants[1].conversation, inbox.NoteInput{Content: "tenant B only"})
	must(t, err)
	if f := b.until("new_message"); !strings.Contains(string(f.Data), "tenant B only") {
		t.Errorf("tenant B got %s", f.Data)
	}
}

func TestClientRequests(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	conv := w.tenants[0].conversation.String()
	agent := w.connect(t, n, 0, auth.RoleExecutive, "")
	watcher := w.connect(t, n, 0, auth.RoleViewer, "")

	agent.request("send_message", "1", map[string]any{"conversation_id": conv, "content": "Hello from the socket"})
	if ack := untilReply(agent, "1"); ack.Type != "ack" || !strings.Contains(string(ack.Data), "Hello from the socket") {
		t.Errorf("ack: %+v %s", ack, ack.Data)
	}
	if f := watcher.until("new_message"); !strings.Contains(string(f.Data), "Hello from the socket") {
		t.Errorf("the other agent got %s", f.Data)
	}
	agent.request("assign", "2", map[string]any{"conversation_id": conv, "assigned_user_id": w.tenants[0].users[auth.RoleExecutive]})
	if f := untilReply(agent, "2"); f.Type != "ack" {
		t.Errorf("assign: %+v", f)
	}
	if f := watcher.until("new_message"); !strings.Contains(string(f.Data), "system") {
		t.Errorf("assignment system message: %s", f.Data)
	}
	if f := watcher.until("assignment_update"); !strings.Contains(string(f.Data), w.tenants[0].users[auth.RoleExecutive].String()) {
		t.Errorf("assignment_update: %s", f.Data)
	}

	watcher.request("send_message", "3", map[string]any{"conversation_id": conv, "content": "viewer tries"})
	if f := watcher.until("error"); f.ID != "3" || f.Error == nil || f.Error.Code != inbox.CodeForbidden {
		t.Errorf("viewer send: %+v", f)
	}
	watcher.request("mark_read", "4", map[string]any{"conversation_id": w.tenants[1].conversation})
	if f := watcher.until("error"); f.Error == nil || f.Error.Code != inbox.CodeForbidden {
		t.Errorf("another tenant's conversation: %+v", f)
	}
	agent.request("mark_read", "5", map[string]any{"conversation_id": w.tenants[1].conversation})
	if f := untilReply(agent, "5"); f.Error == nil || f.Error.Code != inbox.CodeNotFound {
		t.Errorf("executive, another tenant's conversation: %+v", f)
	}
	agent.request("explode", "6", nil)
	if f := untilReply(agent, "6"); f.Error == nil || f.Error.Code != inbox.CodeUnknownType {
		t.Errorf("unknown type: %+v", f)
	}
	must(t, agent.ws.Write(context.Background(), websocket.MessageText, []byte("{not json")))
	if f := untilReply(agent, ""); f.Error == nil || f.Error.Code != inbox.CodeBadFrame {
		t.Errorf("bad frame: %+v", f)
	}
	agent.request("send_message", "7", map[string]any{"conversation_id": conv, "content": ""})
	if f := untilReply(agent, "7"); f.Error == nil || f.Error.Code != inbox.CodeValidation {
		t.Errorf("empty content: %+v", f)
	}
	agent.request("ping", "8", nil)
	if f := untilReply(agent, "8"); f.Type != "ack" {
		t.Errorf("ping: %+v", f)
	}
}

// untilReply reads until the ack or error answering id.
func untilReply(c *client, id string) frame {
	c.t.Helper()
	for {
		f := c.next()
		if (f.Type == "ack" || f.Type == "error") && f.ID == id {
			return f
		}
	}
}

// A user deactivated while connected is disconnected at their next request.
func TestDeactivatedWhileConnected(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	c := w.connect(t, n, 0, auth.RoleExecutive, "")
	c.request("ping", "1", nil)
	if f := untilReply(c, "1"); f.Type != "ack" {
		t.Fatalf("ping: %+v", f)
	}
	_, err := n.svc.SetUserActive(context.Background(), w.principal(0, auth.RoleAdmin), w.tenants[0].users[auth.RoleExecutive], false)
	must(t, err)
	c.request("send_message", "2", map[string]any{"conversation_id": w.tenants[0].conversation, "content": "after deactivation"})
	if code := c.closeCode(); code != 4001 {
		t.Errorf("close code %d, want 4001", code)
	}
	msgs, _, err := n.svc.ListMessages(context.Background(), w.principal(0, auth.RoleAdmin), w.tenants[0].conversation, inbox.MessagePage{Page: 1, Limit: 10})
	must(t, err)
	for _, m := range msgs {
		if m.Content == "after deactivation" {
			t.Error("a deactivated user's message was stored")
		}
	}
}

// A viewer's typing is refused and reaches nobody: typing is an update.
func TestViewerMayNotType(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	viewer := w.connect(t, n, 0, auth.RoleViewer, "")
	other := w.connect(t, n, 0, auth.RoleAdmin, "")
	viewer.request("typing", "1", map[string]any{"conversation_id": w.tenants[0].conversation})
	if f := untilReply(viewer, "1"); f.Type != "error" || f.Error == nil || f.Error.Code != inbox.CodeForbidden {
		t.Fatalf("viewer typing: %+v %s, want error %s", f, f.Data, inbox.CodeForbidden)
	}
	// An executive's typing reaches the admin; had the viewer's gone out, it would come first.
	typist := w.connect(t, n, 0, auth.RoleExecutive, "")
	typist.request("typing", "2", map[string]any{"conversation_id": w.tenants[0].conversation})
	if f := untilReply(typist, "2"); f.Type != "ack" {
		t.Fatalf("executive typing: %+v", f)
	}
	var d struct {
		User struct {
			ID uuid.UUID `json:"id"`
		} `json:"user"`
	}
	must(t, json.Unmarshal(other.until("typing_indicator").Data, &d))
	if d.User.ID != w.tenants[0].users[auth.RoleExecutive] {
		t.Errorf("first typing indicator is of %v, want the executive's", d.User.ID)
	}
}

func TestTypingStopsAfterTimeout(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus(), func(c *realtime.Config) { c.TypingTimeout = 50 * time.Millisecond })
	typist := w.connect(t, n, 0, auth.RoleExecutive, "")
	other := w.connect(t, n, 0, auth.RoleAdmin, "")
	typist.request("typing", "1", map[string]any{"conversation_id": w.tenants[0].conversation})
	untilReply(typist, "1")
	var states []bool
	for len(states) < 2 {
		f := other.until("typing_indicator")
		var d struct {
			IsTyping bool `json:"is_typing"`
			User     struct {
				ID uuid.UUID `json:"id"`
			} `json:"user"`
		}
		must(t, json.Unmarshal(f.Data, &d))
		if d.User.ID != w.tenants[0].users[auth.RoleExecutive] {
			t.Errorf("typing of %v", d.User.ID)
		}
		states = append(states, d.IsTyping)
	}
	if !states[0] || states[1] {
		t.Errorf("typing states %v, want true then false", states)
	}
	// The typist never got its own indicator back.
	typist.request("ping", "2", nil)
	for {
		f := typist.next()
		if f.Type == "typing_indicator" {
			t.Fatal("the typist received its own typing indicator")
		}
		if f.ID == "2" {
			break
		}
	}
}

func TestResume(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	ctx := context.Background()
	admin := w.principal(0, auth.RoleAdmin)
	for i := range 3 {
		_, err := n.svc.AddNote(ctx, admin, w.tenants[0].conversation, inbox.NoteInput{Content: fmt.Sprint("missed ", i)})
		must(t, err)
	}
	// A new client learns where the log stands, and resumes from there.
	fresh, err := dial(t, n, w.tenants[0].id, "token="+w.token(t, 0, auth.RoleViewer))
	must(t, err)
	var hello struct {
		Seq int64 `json:"seq"`
	}
	must(t, json.Unmarshal(fresh.next().Data, &hello))
	if hello.Seq != 3 {
		t.Errorf("hello seq %d, want 3 (three events so far)", hello.Seq)
	}
	c := w.connect(t, n, 0, auth.RoleViewer, "&since=1")
	var seqs []int64
	for len(seqs) < 2 {
		f := c.until("new_message")
		seqs = append(seqs, f.Seq)
	}
	if seqs[0] != 2 || seqs[1] != 3 {
		t.Errorf("replayed seqs %v, want [2 3]", seqs)
	}
	_, err = n.svc.AddNote(ctx, admin, w.tenants[0].conversation, inbox.NoteInput{Content: "live"})
	must(t, err)
	if f := c.until("new_message"); f.Seq != 4 {
		t.Errorf("live after replay: seq %d, want 4", f.Seq)
	}
	if f := fresh.until("new_message"); f.Seq != 4 {
		t.Errorf("live after hello: seq %d, want 4", f.Seq)
	}
	// Once the log has been pruned past a client's position, it is told to reload.
	_, err = w.st.PruneEvents(ctx, time.Now().Add(time.Hour))
	must(t, err)
	late := w.connect(t, n, 0, auth.RoleViewer, "&since=1")
	if f := late.until("reload_required"); f.Type != "reload_required" {
		t.Errorf("got %q", f.Type)
	}
}

// A client that reads nothing is dropped with 4008; one of the same tenant that reads gets
// every frame, in order, before and after.
func TestSlowConsumerIsDropped(t *testing.T) {
	w := newWorld(t)
	bus := realtime.NewMemoryBus()
	reg := prometheus.NewRegistry()
	n := w.node(t, bus, func(c *realtime.Config) { c.QueueSize = 4; c.Registry = reg })
	fast := w.connect(t, n, 0, auth.RoleAdmin, "")
	slow := w.connect(t, n, 0, auth.RoleViewer, "")
	pub := realtime.NewPublisher(bus, quiet)
	ctx := context.Background()
	seq, err := w.st.LatestSeq(ctx, w.tenants[0].id)
	must(t, err)
	big := json.RawMessage(`"` + strings.Repeat("x", 64<<10) + `"`)
	publish := func() {
		t.Helper()
		seq++
		pub.Publish(ctx, inbox.Event{Seq: seq, TenantID: w.tenants[0].id, Type: inbox.EventConversationUpdate, Data: big})
		if f := fast.until(string(inbox.EventConversationUpdate)); f.Seq != seq {
			t.Fatalf("fast client got seq %d, want %d", f.Seq, seq)
		}
	}
	// The slow client reads nothing: socket buffers fill, then the queue, then it is dropped.
	// It starts reading once the drop is counted, while the server's close frame waits behind
	// the buffered frames (a close that waited longer than its write timeout would be cut short).
	dropped := func() bool { return counterValue(t, reg, "teaminbox_websocket_frames_total", "dropped") > 0 }
	for i := 0; i < 1000 && !dropped(); i++ {
		publish()
	}
	if code := slow.closeCode(); code != 4008 {
		t.Errorf("close code %d, want 4008", code)
	}
	publish()
}

func TestShutdownSaysGoingAway(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	c := w.connect(t, n, 0, auth.RoleViewer, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go n.hub.Shutdown(ctx)
	if code := c.closeCode(); code != websocket.StatusGoingAway {
		t.Errorf("close code %d, want 1001", code)
	}
}

// TestTwoNodes: an event committed on node A reaches a client of node B exactly once,
// through a NATS server (embedded here; TEAMINBOX_TEST_NATS_URL runs it against a real one).
func TestTwoNodes(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		twoNodes(t, natstest.Start(t, -1).ClientURL())
	})
	t.Run("external", func(t *testing.T) {
		url := os.Getenv("TEAMINBOX_TEST_NATS_URL")
		if url == "" {
			t.Skip("TEAMINBOX_TEST_NATS_URL is not set: skipping the external NATS variant (.ci/run sets it)")
		}
		twoNodes(t, url)
	})
}

func twoNodes(t *testing.T, url string) {
	w := newWorld(t)
	var nodes [2]*node
	for i := range nodes {
		bus, err := realtime.NewNATSBus(url, quiet)
		must(t, err)
		t.Cleanup(func() { bus.Close() })
		nodes[i] = w.node(t, bus)
	}
	onA := w.connect(t, nodes[0], 0, auth.RoleViewer, "")
	onB := w.connect(t, nodes[1], 0, auth.RoleViewer, "")
	otherTenant := w.connect(t, nodes[1], 1, auth.RoleViewer, "")
	ctx := context.Background()
	for i := range 3 {
		_, err := nodes[0].svc.AddNote(ctx, w.principal(0, auth.RoleAdmin), w.tenants[0].conversation, inbox.NoteInput{Content: fmt.Sprint("cross-node ", i)})
		must(t, err)
	}
	for _, c := range []*client{onA, onB} {
		for i := range 3 {
			f := c.until("new_message")
			if f.Seq != int64(i+1) {
				t.Errorf("seq %d, want %d (each event exactly once, in order)", f.Seq, i+1)
			}
		}
	}
	_, err := nodes[0].svc.AddNote(ctx, w.principal(1, auth.RoleAdmin), w.tenants[1].conversation, inbox.NoteInput{Content: "for tenant B"})
	must(t, err)
	if f := otherTenant.until("new_message"); !strings.Contains(string(f.Data), "for tenant B") {
		t.Errorf("tenant B on node B got %s", f.Data)
	}
}

// presenceOf reads frames until a presence frame and decodes it.
func (c *client) presence() (online, viewers []uuid.UUID, conversation *uuid.UUID) {
	c.t.Helper()
	var p struct {
		Online         []uuid.UUID `json:"online"`
		Viewers        []uuid.UUID `json:"viewers"`
		ConversationID *uuid.UUID  `json:"conversation_id"`
	}
	for {
		if f := c.next(); f.Type == "presence" {
			must(c.t, json.Unmarshal(f.Data, &p))
			return p.Online, p.Viewers, p.ConversationID
		}
	}
}

func TestPresenceAndCollision(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	admin, exec := w.tenants[0].users[auth.RoleAdmin], w.tenants[0].users[auth.RoleExecutive]
	conv := w.tenants[0].conversation

	a := w.connect(t, n, 0, auth.RoleAdmin, "")
	if online, _, _ := a.presence(); len(online) != 1 || online[0] != admin {
		t.Fatalf("alone online = %v, want the admin", online)
	}
	b := w.connect(t, n, 0, auth.RoleExecutive, "")
	if online, _, _ := a.presence(); len(online) != 2 {
		t.Fatalf("online after the executive came = %v, want both", online)
	}
	// A second tab of an online user changes nothing others need to hear of.
	b2 := w.connect(t, n, 0, auth.RoleExecutive, "")
	b.request("view", "v1", map[string]any{"conversation_id": conv})
	if f := b.until("ack"); f.ID != "v1" {
		t.Fatalf("ack %q, want v1", f.ID)
	}
	online, viewers, c := a.presence()
	if len(online) != 2 || c == nil || *c != conv || len(viewers) != 1 || viewers[0] != exec {
		t.Fatalf("after view: online %v, conversation %v, viewers %v; want the executive viewing %s", online, c, viewers, conv)
	}
	// Leaving while viewing tells the others the conversation is free, even with a tab left.
	b.ws.Close(websocket.StatusNormalClosure, "")
	if online, viewers, c := a.presence(); len(online) != 2 || c == nil || *c != conv || len(viewers) != 0 {
		t.Fatalf("after the viewing tab closed: online %v, conversation %v, viewers %v; want both online, nobody viewing %s", online, c, viewers, conv)
	}
	b2.ws.Close(websocket.StatusNormalClosure, "")
	if online, _, _ := a.presence(); len(online) != 1 || online[0] != admin {
		t.Fatalf("after the executive left: online %v, want only the admin", online)
	}
}

// Publishes race, so a later event can reach the hub first; sockets still get them in
// order, and one whose publish was lost is read from the log.
func TestEventsReachSocketsInOrder(t *testing.T) {
	w := newWorld(t)
	bus := realtime.NewMemoryBus()
	n := w.node(t, bus, func(c *realtime.Config) { c.GapWait = 50 * time.Millisecond })
	c := w.connect(t, n, 0, auth.RoleViewer, "")
	ctx := context.Background()
	evs := make([]inbox.Event, 3)
	for i := range evs {
		evs[i] = inbox.Event{TenantID: w.tenants[0].id, Type: inbox.EventConversationUpdate, ConversationID: &w.tenants[0].conversation,
			Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), CreatedAt: time.Now()}
		must(t, w.st.InTx(ctx, func(q inbox.Queries) error { return q.AppendEvent(ctx, &evs[i]) }))
	}
	// The third overtakes the first, and the second is never published.
	must(t, bus.Publish(ctx, realtime.Envelope{Event: evs[2]}))
	must(t, bus.Publish(ctx, realtime.Envelope{Event: evs[0]}))
	for i, want := range evs {
		f := c.until(string(inbox.EventConversationUpdate))
		if f.Seq != want.Seq || string(f.Data) != string(want.Data) {
			t.Errorf("frame %d: seq %d %s, want seq %d %s", i, f.Seq, f.Data, want.Seq, want.Data)
		}
	}
	// A late publish of what the log already gave is not sent again.
	must(t, bus.Publish(ctx, realtime.Envelope{Event: evs[1]}))
	_, err := n.svc.AddNote(ctx, w.principal(0, auth.RoleAdmin), w.tenants[0].conversation, inbox.NoteInput{Content: "next"})
	must(t, err)
	if f := c.until(string(inbox.EventNewMessage)); f.Seq != evs[2].Seq+1 {
		t.Errorf("next event seq %d, want %d", f.Seq, evs[2].Seq+1)
	}
}

// counterValue is the value of the counter of name whose label has the given value in reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	must(t, err)
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if f.GetName() == name && l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestDeactivationClosesSockets deactivates a user on one node and checks that their socket
// on another node (sharing the bus) is closed with 4001 "deactivated" at once, while another
// user's socket stays open and sees the user_deactivated event.
func TestDeactivationClosesSockets(t *testing.T) {
	w := newWorld(t)
	bus := realtime.NewMemoryBus()
	a, b := w.node(t, bus), w.node(t, bus)
	target := w.connect(t, b, 0, auth.RoleExecutive, "")
	other := w.connect(t, b, 0, auth.RoleViewer, "")
	executive := w.tenants[0].users[auth.RoleExecutive]
	_, err := a.svc.SetUserActive(context.Background(), w.principal(0, auth.RoleAdmin), executive, false)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := target.ws.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "deactivated" {
			t.Fatalf("deactivated user's socket ended with %v, want 4001 deactivated", err)
		}
		break
	}
	f := other.until("user_deactivated")
	if !strings.Contains(string(f.Data), executive.String()) || f.Seq == 0 {
		t.Errorf("user_deactivated frame: %+v %s", f, f.Data)
	}
}

// A request longer than the socket's read buffer is read whole.
func TestLongRequest(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	agent := w.connect(t, n, 0, auth.RoleExecutive, "")
	content := strings.Repeat("A long answer. ", inbox.MaxContentLength/15)
	agent.request("send_message", "1", map[string]any{"conversation_id": w.tenants[0].conversation, "content": content})
	if ack := untilReply(agent, "1"); ack.Type != "ack" || !strings.Contains(string(ack.Data), content) {
		t.Errorf("ack: %s %+v (%d bytes of data)", ack.Type, ack.Error, len(ack.Data))
	}
}

// A client's frame that arrives with the handshake request, before the server's answer, is
// not lost.
func TestFrameSentWithTheHandshake(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	nc, err := net.Dial("tcp", strings.TrimPrefix(n.srv.URL, "http://"))
	must(t, err)
	defer nc.Close()
	must(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	handshake := "GET /ws/team-inbox/" + w.tenants[0].id.String() + "/?token=" + w.token(t, 0, auth.RoleAdmin) + " HTTP/1.1\r\n" +
		"Host: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	request := []byte(`{"type":"ping","id":"early"}`)
	masked := append([]byte{0x81, 0x80 | byte(len(request)), 0, 0, 0, 0}, request...) // a zero mask
	_, err = nc.Write(append([]byte(handshake), masked...))
	must(t, err)

	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	must(t, err)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	for {
		var head [2]byte
		_, err := io.ReadFull(br, head[:])
		must(t, err)
		size := int(head[1] & 0x7f)
		if size == 126 {
			var ext [2]byte
			_, err = io.ReadFull(br, ext[:])
			must(t, err)
			size = int(binary.BigEndian.Uint16(ext[:]))
		}
		payload := make([]byte, size)
		_, err = io.ReadFull(br, payload)
		must(t, err)
		var f frame
		must(t, json.Unmarshal(payload, &f))
		if f.ID == "early" {
			if f.Type != "ack" {
				t.Errorf("answer to the early ping: %s", payload)
			}
			return
		}
	}
}
