// Package ttlcache keeps values for a while: what a node remembers of rows that change
// rarely (users, channels, API keys), so a request does not read them each time.
package ttlcache

import (
	"maps"
	"sync"
	"time"
)

// sweepAt is the size past which a Put first drops the entries that have expired.
const sweepAt = 10_000

// Cache keeps values by key for its TTL; Forget drops one at once, for changes made on this
// node. The zero Cache keeps nothing for long: give it a TTL with New.
type Cache[K comparable, V any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[K]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live ttl.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{ttl: ttl, entries: map[K]entry[V]{}}
}

// Get returns the value of k unless it expired by now.
func (c *Cache[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e.v, ok && now.Before(e.expires)
}

// Put keeps v for k until now + the TTL.
func (c *Cache[K, V]) Put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= sweepAt {
		maps.DeleteFunc(c.entries, func(_ K, e entry[V]) bool { return !now.Before(e.expires) })
	}
	c.entries[k] = entry[V]{v: v, expires: now.Add(c.ttl)}
}

// Update changes the value of k in place, if it is kept, without moving its expiry.
func (c *Cache[K, V]) Update(k K, fn func(*V)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		fn(&e.v)
		c.entries[k] = e
	}
}

// Forget drops k.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

// ForgetIf drops the entries whose value drop selects.
func (c *Cache[K, V]) ForgetIf(drop func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.DeleteFunc(c.entries, func(_ K, e entry[V]) bool { return drop(e.v) })
}
