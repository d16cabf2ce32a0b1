package realtime

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Close codes beyond the standard ones; the web page stops reconnecting on 4001 and 4003.
const (
	statusUnauthorized = websocket.StatusCode(4001) // no, bad or expired token
	statusForbidden    = websocket.StatusCode(4003) // the token's tenant is not the path's
	statusSlowConsumer = websocket.StatusCode(4008) // fell too far behind; reconnect with since=
	statusGoingAway    = websocket.StatusGoingAway
)

const (
	readLimit    = 64 << 10
	writeTimeout = 10 * time.Second
	// coalesceDelay is how long a busy socket's writer waits for more frames to batch; a
	// socket written to longer ago than that is idle, and its next frame goes out at once.
	coalesceDelay = time.Millisecond
)

// conn is one agent's WebSocket.
type conn struct {
	h    *Hub
	ws   *websocket.Conn
	raw  *frameConn // data frames go here; the library keeps the handshake and control frames
	p    auth.Principal
	user inbox.UserRef

	ctx    context.Context // ends with the socket
	cancel context.CancelFunc
	done   chan struct{}
	pinger *time.Timer

	// An idle socket costs one goroutine, its reader: a writer runs only while frames wait,
	// and pings ride a timer. That keeps ten thousand agents' sockets cheap.
	mu        sync.Mutex
	live      bool // false while replaying: live frames wait in held
	held      []heldFrame
	queue     [][]byte  // whole frames waiting for the writer
	writing   bool      // a writer is draining queue
	wrote     time.Time // the last write to the socket, for coalesceDelay
	lastSeq   int64     // the newest durable event this client has been given
	watching  uuid.UUID
	dropping  bool // a slow-consumer close is under way
	closeOnce sync.Once
}

type heldFrame struct {
	seq   int64
	frame []byte
}

// ServeHTTP upgrades GET /ws/team-inbox/{tenantId}/?token=JWT[&since=SEQ].
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := &websocket.AcceptOptions{InsecureSkipVerify: h.cfg.AcceptAllOrigins, OriginPatterns: h.cfg.AllowedOrigins}
	hj := &frameHijacker{ResponseWriter: w}
	ws, err := websocket.Accept(hj, r, opts)
	if err != nil {
		return // Accept has answered (bad origin or not a WebSocket request)
	}
	ws.SetReadLimit(readLimit)

	p, user, code, reason := h.authenticate(r)
	if code != 0 {
		_ = ws.Close(code, reason)
		return
	}
	since, sinceErr := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	// The socket outlives this handler, so it gets a context of its own.
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{h: h, ws: ws, raw: hj.conn, p: p, user: user, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	c.pinger = time.AfterFunc(h.cfg.PingInterval, c.keepAlive)
	ok, first := h.add(c)
	if !ok {
		c.close(statusGoingAway, "server shutting down")
		return
	}
	if err := c.start(since, sinceErr == nil && since >= 0); err != nil {
		h.log.Debug("websocket start", "err", err)
		h.disconnect(c)
		return
	}
	if first {
		h.announce(p.TenantID, p.UserID, nil)
	}
	// The reader gets a fresh goroutine, whose stack has not grown through the handshake,
	// and this one returns, so the HTTP server's per-request state goes too.
	go func() {
		defer h.disconnect(c)
		c.readLoop()
	}()
}

// start greets the client and, when it resumes, replays what it missed; then it is live.
// A new client is given the newest committed event's seq, registered as already seen: what
// it loads after hello includes everything up to it, and live frames follow it.
func (c *conn) start(since int64, resume bool) error {
	latest, err := c.h.cfg.EventLog.LatestSeq(c.ctx, c.p.TenantID)
	if err != nil {
		return err
	}
	c.h.order.start(c.p.TenantID, latest)
	if !resume {
		c.mu.Lock()
		c.lastSeq = latest
		c.mu.Unlock()
	}
	if err := c.raw.writeText(c.h.hello(c, latest)); err != nil {
		return err
	}
	if resume {
		if err := c.replay(c.ctx, since); err != nil {
			return err
		}
	}
	c.goLive()
	return nil
}

// authenticate checks the token and the path's tenant; code is 0 when the client may in.
func (h *Hub) authenticate(r *http.Request) (auth.Principal, inbox.UserRef, websocket.StatusCode, string) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if tok == "" {
		return auth.Principal{}, inbox.UserRef{}, statusUnauthorized, "missing token"
	}
	p, err := h.cfg.Tokens.Verify(tok, auth.AudienceWebSocket)
	if err != nil {
		// A login token works too, so API clients need no second step.
		if p, err = h.cfg.Tokens.Verify(tok, auth.AudienceAPI); err != nil {
			return auth.Principal{}, inbox.UserRef{}, statusUnauthorized, "invalid or expired token"
		}
	}
	tenant, err := uuid.Parse(r.PathValue("tenantId"))
	if err != nil || tenant != p.TenantID {
		return auth.Principal{}, inbox.UserRef{}, statusForbidden, "token is not valid for this tenant"
	}
	if !p.Can(auth.PermConversationsRead) {
		return auth.Principal{}, inbox.UserRef{}, statusForbidden, "role may not read conversations"
	}
	u, err := h.cfg.Service.Authorize(r.Context(), p)
	var refused *inbox.Error
	if err != nil && !errors.As(err, &refused) {
		h.log.Error("websocket: authorize", "err", err)
		return auth.Principal{}, inbox.UserRef{}, websocket.StatusInternalError, "try again later"
	}
	if err != nil { // deleted or deactivated since the token was issued, or never there
		return auth.Principal{}, inbox.UserRef{}, statusUnauthorized, "unknown or deactivated user"
	}
	return p, u.Ref(), 0, ""
}

// disconnect unregisters c and tells the tenant.
func (h *Hub) disconnect(c *conn) {
	last := h.remove(c)
	c.close(websocket.StatusNormalClosure, "")
	h.typing.clear(c.p.TenantID, c.p.UserID, c.user)
	// Leaving a conversation frees it for the others, so say which one.
	if v := c.viewing(); v != uuid.Nil {
		h.announce(c.p.TenantID, c.p.UserID, &v)
	} else if last {
		h.announce(c.p.TenantID, c.p.UserID, nil)
	}
}

// replay sends the durable events after since, or reload_required when they are gone.
func (c *conn) replay(ctx context.Context, since int64) error {
	limit := c.h.cfg.ReplayLimit
	events, oldest, err := c.h.cfg.EventLog.EventsSince(ctx, c.p.TenantID, since, limit+1)
	if err != nil {
		return err
	}
	if (oldest > since+1 && since > 0) || len(events) > limit {
		frame, _ := encodeControl("reload_required", map[string]any{"reason": "missed events are no longer kept", "since": since})
		return c.raw.writeText(frame)
	}
	for _, e := range events {
		frame, err := encodeFrame(e)
		if err != nil {
			return err
		}
		if err := c.raw.writeText(frame); err != nil {
			return err
		}
		c.mu.Lock()
		c.lastSeq = e.Seq
		c.mu.Unlock()
	}
	return nil
}

// goLive queues what arrived during the replay, minus what the replay already sent.
func (c *conn) goLive() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.held {
		if f.seq == 0 || f.seq > c.lastSeq {
			c.queueLocked(f.seq, f.frame)
		}
	}
	c.held, c.live = nil, true
}

// deliver is called by the hub with every event's frame (see appendTextFrame) of the
// tenant; it never blocks.
func (c *conn) deliver(seq int64, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropping {
		return
	}
	if !c.live {
		c.held = append(c.held, heldFrame{seq, frame})
		if len(c.held) > c.h.cfg.QueueSize {
			c.dropLocked("too many events while resuming")
		}
		return
	}
	if seq != 0 && seq <= c.lastSeq {
		return
	}
	c.queueLocked(seq, frame)
}

func (c *conn) queueLocked(seq int64, frame []byte) {
	if len(c.queue) >= c.h.cfg.QueueSize {
		c.h.dropped.Inc()
		c.dropLocked("client is too slow; reconnect with since=")
		return
	}
	if seq > c.lastSeq {
		c.lastSeq = seq
	}
	if c.writing {
		c.queue = append(c.queue, frame)
		return
	}
	if now := time.Now(); now.Sub(c.wrote) >= coalesceDelay {
		// An idle socket takes the frame at once, from this goroutine: a fan-out to a
		// thousand sockets wakes no goroutine per socket. A busy one is left to its writer,
		// which batches.
		taken, pending := c.raw.tryWrite(frame)
		if taken {
			c.h.sent.Inc()
			if !pending {
				c.wrote = now
				return
			}
			frame = nil // its rest waits in c.raw
		}
	}
	if frame != nil {
		c.queue = append(c.queue, frame)
	}
	c.writing = true
	go c.flush()
}

// flush writes the queued frames in order, and what tryWrite left of one, and ends when none
// is left. Frames that queue up while it writes go out together, in one system call.
func (c *conn) flush() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		if err := c.raw.writeFrames(batch); err != nil {
			c.close(websocket.StatusInternalError, "write failed")
		} else {
			c.h.sent.Add(float64(len(batch)))
		}
		if len(batch) > 1 {
			// Frames are arriving faster than one write each: let the next ones gather,
			// so a busy tenant costs a few system calls per socket per millisecond.
			time.Sleep(coalesceDelay)
		}
		c.mu.Lock()
		c.wrote = time.Now()
		if len(c.queue) == 0 || c.isClosed() {
			c.queue, c.writing = nil, false // an idle socket keeps no buffer
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

func (c *conn) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// keepAlive pings the client every PingInterval; one that does not answer is dropped.
func (c *conn) keepAlive() {
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	err := c.ws.Ping(ctx)
	cancel()
	if err != nil {
		c.close(statusGoingAway, "no pong")
		return
	}
	if !c.isClosed() {
		c.pinger.Reset(c.h.cfg.PingInterval)
	}
}

// dropLocked disconnects a client that fell behind, once: the close handshake may wait for
// the client, so it runs apart from the hub's delivery loop.
func (c *conn) dropLocked(reason string) {
	if c.dropping {
		return
	}
	c.dropping = true
	go c.close(statusSlowConsumer, reason)
}

func (c *conn) readLoop() {
	defer c.close(websocket.StatusNormalClosure, "")
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) && c.ctx.Err() == nil {
				c.h.log.Debug("websocket read", "err", err)
			}
			return
		}
		if typ != websocket.MessageText {
			c.reply(errorFrame("", inbox.CodeBadFrame, "frames are JSON text"))
			continue
		}
		// Each request is checked like a REST request: a user deactivated since the socket
		// opened is disconnected at their next one.
		if _, err := c.h.cfg.Service.Authorize(c.ctx, c.p); err != nil {
			var refused *inbox.Error
			if errors.As(err, &refused) {
				go c.close(statusUnauthorized, "unknown or deactivated user") // the close handshake needs this reader
				continue
			}
			c.reply(encodeError("", frameErrorOf(err)))
			continue
		}
		c.reply(c.h.handle(c.ctx, c, data))
	}
}

// reply queues an answer to the client's own request.
func (c *conn) reply(frame []byte) {
	if frame == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queueLocked(0, appendTextFrame(nil, frame))
}

func (c *conn) viewing() uuid.UUID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.watching
}

func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		close(c.done)
		c.pinger.Stop()
		c.raw.closing()
		_ = c.ws.Close(code, reason)
		c.cancel()
	})
}
