package provider

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the redirects of one media fetch.
const maxRedirects = 5

// HostNotAllowedError is a request to a host outside a media fetch's allow-list.
type HostNotAllowedError struct{ Host string }

func (e *HostNotAllowedError) Error() string {
	return fmt.Sprintf("host %q is not among the provider's media hosts", e.Host)
}

// HostAllowed tells whether host matches one of the patterns: a name (or address) exactly,
// or "*.example.net" for any name under example.net.
func HostAllowed(host string, patterns []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if suffix, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if p != "" && host == p {
			return true
		}
	}
	return false
}

// RestrictHosts returns a client like hc whose every request, the first and each redirect,
// may only go to the hosts allowed: a URL from a provider's answer, or one it redirects to,
// cannot make the server call anywhere else with the channel's credentials.
func RestrictHosts(hc *http.Client, allowed []string) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c := *hc
	c.Transport = hostGuard{next: next, allowed: allowed}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &c
}

type hostGuard struct {
	next    http.RoundTripper
	allowed []string
}

func (g hostGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if !HostAllowed(req.URL.Hostname(), g.allowed) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &HostNotAllowedError{Host: req.URL.Hostname()}
	}
	return g.next.RoundTrip(req)
}

// PathSegments escapes each segment of a relative path a provider answered with, refusing
// empty, "." and ".." segments, so the path stays below the URL it is appended to.
func PathSegments(p string) (string, error) {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("unsafe path %q", p)
		}
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/"), nil
}
