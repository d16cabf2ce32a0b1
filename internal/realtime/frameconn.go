package realtime

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// frameConn is the TCP connection under a WebSocket. The hub writes its data frames here
// itself: one frame straight from the fan-out when the socket takes it without waiting, or
// else as many as are waiting in one system call; the library's per-message path (a lock, a
// timer and a flush each) is what limits a node that sends thousands of frames a second.
// The library still writes control frames (pings, pongs, close) through Write, a whole frame
// per call, so the two never interleave inside a frame.
type frameConn struct {
	net.Conn
	raw      syscall.RawConn       // for tryWrite; nil when the connection has no descriptor
	writeOut func(fd uintptr) bool // f.writeOnce, bound once so that tryWrite allocates nothing

	mu     sync.Mutex
	closed bool   // a close frame is on its way: no data frame may follow it
	unsent []byte // the rest of a frame tryWrite began: it goes out before anything else
	out    []byte // what writeOnce writes
	n      int    // and what it wrote
}

func newFrameConn(nc net.Conn) *frameConn {
	f := &frameConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok {
		f.raw, _ = sc.SyscallConn()
	}
	f.writeOut = f.writeOnce
	return f
}

func (f *frameConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.unsent) > 0 {
		if _, err := f.Conn.Write(f.unsent); err != nil {
			return 0, err
		}
		f.unsent = nil
	}
	return f.Conn.Write(p)
}

// tryWrite writes a frame (see appendTextFrame) if the socket takes it without waiting,
// which an idle socket does. taken is false when the socket took none of it; when it took a
// part, pending is true and the rest waits for writeFrames.
func (f *frameConn) tryWrite(frame []byte) (taken, pending bool) {
	if f.raw == nil {
		return false, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || len(f.unsent) > 0 {
		return false, false
	}
	f.out, f.n = frame, 0
	err := f.raw.Write(f.writeOut)
	n := f.n
	f.out = nil
	switch {
	case err != nil || n == 0:
		return false, false
	case n < len(frame):
		f.unsent = frame[n:]
		return true, true
	}
	return true, false
}

// writeOnce is tryWrite's single write(2): it never asks to wait for the socket, and leaves
// errors to writeFrames, which meets them again.
func (f *frameConn) writeOnce(fd uintptr) bool {
	for {
		n, err := syscall.Write(int(fd), f.out)
		if err == syscall.EINTR {
			continue
		}
		f.n = max(n, 0)
		return true
	}
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
	if len(f.unsent) > 0 {
		frames = append([][]byte{f.unsent}, frames...)
		f.unsent = nil
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
	h.conn = newFrameConn(nc)
	// The server's 4 KiB buffers would be two thirds of an idle socket's memory. The library
	// writes only control frames (pings, pongs, close) through its writer, and each must
	// reach Write whole; it reads clients' frames, small requests, through its reader. The
	// server flushed the 101 response before hijacking, so its writer is empty; its reader
	// stays when a client sent a frame before the 101 arrived (it holds those bytes).
	if brw.Reader.Buffered() == 0 {
		brw.Reader = bufio.NewReaderSize(h.conn, readBufferSize)
	}
	brw.Writer = bufio.NewWriterSize(h.conn, controlFrameMax)
	return h.conn, brw, nil
}

const (
	// controlFrameMax is the longest control frame: a 2-byte header and 125 bytes of payload.
	controlFrameMax = 2 + 125
	// readBufferSize holds a client's request frame (a subscription, a typing signal) whole;
	// longer frames are read through it in parts.
	readBufferSize = 512
)
