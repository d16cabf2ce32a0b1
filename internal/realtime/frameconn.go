package realtime

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
	"sync"
	"time"
)

// frameConn is the TCP connection under a WebSocket. The hub writes its data frames here
// itself, as many as are waiting in one system call; the library's per-message path (a
// lock, a timer and a flush each) is what limits a node that sends thousands of frames a
// second. The library still writes control frames (pings, pongs, close) through Write, a
// whole frame per call, so the two never interleave inside a frame.
type frameConn struct {
	net.Conn
	mu     sync.Mutex
	closed bool // a close frame is on its way: no data frame may follow it
}

func (f *frameConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.Conn.Write(p)
}

// writeText sends payloads as unfragmented text messages.
func (f *frameConn) writeText(payloads ...[]byte) error {
	frames := make([][]byte, len(payloads))
	for i, p := range payloads {
		frames[i] = appendTextFrame(nil, p)
	}
	return f.writeFrames(frames)
}

// writeFrames sends whole frames (see appendTextFrame) in one system call; a client that
// cannot take them in writeTimeout is cut off.
func (f *frameConn) writeFrames(frames [][]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	_ = f.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	bufs := net.Buffers(frames) // writev: frames shared by many sockets are not copied
	_, err := bufs.WriteTo(f.Conn)
	_ = f.Conn.SetWriteDeadline(time.Time{})
	return err
}

// closing stops data frames before the library sends its close frame.
func (f *frameConn) closing() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
}

// appendTextFrame appends a server frame (RFC 6455 §5.2: FIN, text, unmasked) to dst.
func appendTextFrame(dst, payload []byte) []byte {
	const finText = 0x81
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, finText, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, finText, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, finText, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

// frameHijacker hands the WebSocket library a frameConn in place of the raw connection.
type frameHijacker struct {
	http.ResponseWriter
	conn *frameConn
}

func (h *frameHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &frameConn{Conn: nc}
	brw.Writer.Reset(h.conn) // empty: the server flushed the 101 response before hijacking
	return h.conn, brw, nil
}
