package provider

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestClientDropsIdleConnections: the providers' client reuses a connection in use, but not
// one left idle for 4.5 s, which a server with Node's 5 s keepAliveTimeout may be closing as
// we send on it: it dials again.
func TestClientDropsIdleConnections(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc := NewClient(5 * time.Second)
	get := func() {
		t.Helper()
		res, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	get()
	get()
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections for two calls in a row, want 1", n)
	}
	time.Sleep(4500 * time.Millisecond)
	get()
	if n := dials.Load(); n != 2 {
		t.Errorf("%d connections after 4.5 s idle, want 2: the idle one was reused", n)
	}
}
