package httpapi

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/teaminbox/teaminbox/internal/audit"
)

// ipLimiter keeps a token bucket per client IP, forgetting idle ones. Limits are per node.
type ipLimiter struct {
	mu      sync.Mutex
	perSec  rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(perSec float64, burst int) *ipLimiter {
	return &ipLimiter{perSec: rate.Limit(perSec), burst: burst, buckets: map[string]*bucket{}}
}

// allow reports whether the request's IP may go on; a zero rate allows everything.
func (l *ipLimiter) allow(r *http.Request) bool {
	if l.perSec <= 0 {
		return true
	}
	ip := audit.IP(r.Context()) // the client's address, which withClientAddress put there
	if ip == "" {
		ip = peerAddress(r)
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[ip]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.perSec, l.burst)}
		l.buckets[ip] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// Per-account login backoff: after freeFailures failed logins in a row for one email, from
// whichever IPs, each further attempt waits a lock window that doubles with every failure.
const (
	freeFailures   = 5
	firstLock      = time.Second
	longestLock    = 15 * time.Minute
	failureMemory  = time.Hour // failures older than this are forgotten
	trackedLogins  = 100_000   // emails tracked at most; past that, new ones go untracked
	maxEmailLength = 254
)

// accountGuard keeps the failed logins of each email, per node. Unknown emails are counted
// and locked alike, so a lock tells nothing about which emails exist.
type accountGuard struct {
	mu     sync.Mutex
	emails map[string]*failures
	swept  time.Time
}

type failures struct {
	n           int
	last        time.Time
	lockedUntil time.Time
}

func newAccountGuard() *accountGuard { return &accountGuard{emails: map[string]*failures{}} }

// locked returns how long the email must still wait; 0 when it may try.
func (g *accountGuard) locked(email string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.emails[email]; ok && now.Before(f.lockedUntil) {
		return f.lockedUntil.Sub(now)
	}
	return 0
}

// failed counts a failed login and, past freeFailures, locks the email.
func (g *accountGuard) failed(email string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweepLocked(now)
	f, ok := g.emails[email]
	if !ok || now.Sub(f.last) > failureMemory {
		if !ok && len(g.emails) >= trackedLogins {
			return
		}
		f = &failures{}
		g.emails[email] = f
	}
	f.n++
	f.last = now
	if f.n >= freeFailures {
		f.lockedUntil = now.Add(min(firstLock<<min(f.n-freeFailures, 20), longestLock))
	}
}

// succeeded forgets the email's failures.
func (g *accountGuard) succeeded(email string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.emails, email)
}

func (g *accountGuard) sweepLocked(now time.Time) {
	if now.Sub(g.swept) < time.Minute {
		return
	}
	for k, f := range g.emails {
		if now.Sub(f.last) > failureMemory && !now.Before(f.lockedUntil) {
			delete(g.emails, k)
		}
	}
	g.swept = now
}
