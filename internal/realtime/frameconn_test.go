package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A frame that a full socket takes only in part is finished before anything else goes out:
// the library's control frames and the hub's next frames.
func TestFrameConnKeepsFramesWhole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	f := newFrameConn(nc)

	// More than the socket buffers hold while the client reads nothing.
	big := appendTextFrame(nil, bytes.Repeat([]byte("x"), 16<<20))
	if taken, pending := f.tryWrite(big); !taken || !pending {
		t.Fatalf("tryWrite of 16 MiB: taken %v, pending %v; want part of it taken", taken, pending)
	}
	next := appendTextFrame(nil, []byte(`{"type":"next"}`))
	if taken, _ := f.tryWrite(next); taken {
		t.Fatal("tryWrite took a frame while the rest of another waited")
	}
	ping := []byte{0x89, 0} // what the library writes through Write
	done := make(chan error, 1)
	go func() {
		if _, err := f.Write(ping); err != nil {
			done <- err
			return
		}
		done <- f.writeFrames([][]byte{next})
	}()

	br := bufio.NewReader(client)
	for i, want := range [][]byte{big, ping, next} {
		got, err := readServerFrame(br)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d: got %d bytes starting %q, want %d starting %q", i, len(got), got[:min(len(got), 8)], len(want), want[:min(len(want), 8)])
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// readServerFrame reads one unmasked frame, header included.
func readServerFrame(br *bufio.Reader) ([]byte, error) {
	head := make([]byte, 2, 10)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, err
	}
	size := uint64(head[1] & 0x7f)
	switch size {
	case 126:
		head = head[:4]
		if _, err := io.ReadFull(br, head[2:]); err != nil {
			return nil, err
		}
		size = uint64(binary.BigEndian.Uint16(head[2:]))
	case 127:
		head = head[:10]
		if _, err := io.ReadFull(br, head[2:]); err != nil {
			return nil, err
		}
		size = binary.BigEndian.Uint64(head[2:])
	}
	frame := append(head, make([]byte, size)...)
	_, err := io.ReadFull(br, frame[len(head):])
	return frame, err
}

// The library writes each control frame, even the longest (a close with a 123-byte reason),
// to the connection in one call, so that the hub's frames cannot land inside it.
func TestControlFramesReachTheConnectionWhole(t *testing.T) {
	accepted := make(chan *recordingConn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj := &frameHijacker{ResponseWriter: w}
		ws, err := websocket.Accept(hj, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		rec := &recordingConn{Conn: hj.conn.Conn}
		hj.conn.Conn = rec // nothing is written before the ping below
		ctx := ws.CloseRead(context.Background())
		if err := ws.Ping(ctx); err != nil {
			t.Error(err)
		}
		_ = ws.Close(websocket.StatusNormalClosure, strings.Repeat("r", 123))
		accepted <- rec
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseNow()
	if _, _, err := client.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("client read: %v, want the server's close", err)
	}
	rec := <-accepted
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.writes) != 2 {
		t.Fatalf("%d writes, want 2 (a ping, a close)", len(rec.writes))
	}
	for i, w := range rec.writes {
		frame, err := readServerFrame(bufio.NewReader(bytes.NewReader(w)))
		if err != nil || len(frame) != len(w) {
			t.Errorf("write %d (%d bytes, opcode %#x) is not one whole frame: %v", i, len(w), w[0], err)
		}
	}
}

// recordingConn keeps what each Write was given.
type recordingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}
