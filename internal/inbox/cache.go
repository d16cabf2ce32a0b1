package inbox

import (
	"maps"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ttlCache keeps values by id for ttl; forget drops one at once, for changes made on this node.
type ttlCache[V any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[uuid.UUID]cached[V]
}

type cached[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[V]) get(id uuid.UUID, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	return e.v, ok && now.Before(e.expires)
}

func (c *ttlCache[V]) put(id uuid.UUID, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[uuid.UUID]cached[V]{}
	}
	c.entries[id] = cached[V]{v: v, expires: now.Add(c.ttl)}
}

func (c *ttlCache[V]) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// forgetIf drops the entries whose value drop selects.
func (c *ttlCache[V]) forgetIf(drop func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.DeleteFunc(c.entries, func(_ uuid.UUID, e cached[V]) bool { return drop(e.v) })
}
