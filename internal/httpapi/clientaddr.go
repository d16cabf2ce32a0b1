package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/teaminbox/teaminbox/internal/audit"
)

// withClientAddress puts the address a request came from in its context (audit.WithIP), for
// the audit log and the login rate limits: the peer's, or, when the peer is one of the
// trusted proxies, the nearest address its X-Forwarded-For names that is not a trusted
// proxy itself (the entries before it are the client's to write, and not believed).
func withClientAddress(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(audit.WithIP(r.Context(), clientAddress(r, trusted))))
	})
}

func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddress(r)
	if !trusts(trusted, peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a malformed hop: nothing before it can be believed
		}
		if !trusts(trusted, a.Unmap().String()) {
			return a.Unmap().String()
		}
	}
	return peer
}

// peerAddress is the address of the connection's other end.
func peerAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func trusts(trusted []netip.Prefix, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
