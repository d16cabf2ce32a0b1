package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	for _, c := range []struct {
		name, peer string
		forwarded  []string
		want       string
	}{
		{"no proxy trusted: the peer, whatever it forwards", "203.0.113.9:4000", []string{"198.51.100.7"}, "203.0.113.9"},
		{"a trusted proxy: the client it names", "127.0.0.1:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a chain of trusted proxies", "10.1.2.3:4000", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"what the client wrote before is not believed", "10.1.2.3:4000", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"several headers are one list", "10.1.2.3:4000", []string{"1.2.3.4", "198.51.100.7"}, "198.51.100.7"},
		{"a malformed hop: the peer", "10.1.2.3:4000", []string{"198.51.100.7, not-an-ip"}, "10.1.2.3"},
		{"only proxies: the peer", "10.1.2.3:4000", []string{"10.4.4.4"}, "10.1.2.3"},
		{"no header: the peer", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"IPv6", "[::1]:4000", []string{"2001:db8::7"}, "::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.forwarded {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r, trusted); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
