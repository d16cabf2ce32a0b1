package provider

import (
	"net/http"
	"time"
)

// idleConnTimeout is how long a pooled connection to a provider may wait unused. Node's
// default keepAliveTimeout and many proxies' (Apache's too) close an idle connection after
// 5 s: dropping ours a second earlier, a margin for the network's delay, means we rarely
// send on a connection the server is closing. A new connection after 4 s of quiet costs one
// handshake.
const idleConnTimeout = 4 * time.Second

// NewClient returns the client of the providers' APIs: every request ends after timeout, and
// idle connections are dropped before common servers drop them.
func NewClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = idleConnTimeout
	return &http.Client{Timeout: timeout, Transport: t}
}

// Repeatable marks req as safe to send twice, and returns it. net/http resends such a
// request once when a reused keep-alive connection fails before any answer (the server
// closed it as we sent); it resends only GETs and requests with an Idempotency-Key, whose
// nil value marks it without being sent. A message send is not repeatable unless the
// provider drops duplicates: it could reach the customer twice.
func Repeatable(req *http.Request) *http.Request {
	req.Header["Idempotency-Key"] = nil
	return req
}

// RepeatableClient returns a client like hc whose every request is Repeatable, for a
// library's requests (OAuth token requests) that are all safe to repeat.
func RepeatableClient(hc *http.Client) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c := *hc
	c.Transport = repeatable{next}
	return &c
}

type repeatable struct{ next http.RoundTripper }

func (r repeatable) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not change the request it is given: it marks a copy.
	return r.next.RoundTrip(Repeatable(req.Clone(req.Context())))
}
