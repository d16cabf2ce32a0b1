package inbox

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
)

// channelCacheTTL is how long a webhook's channel is used without reading it again: how long
// a change made on another node (a new secret, a deleted channel) can take to reach this one.
const channelCacheTTL = 2 * time.Second

// channelCache keeps the channels webhooks arrive on, by id. Reading one cost 18 µs, 6 % of a
// webhook's CPU at 5,000 a second, for a row that changes once in months.
type channelCache struct {
	mu      sync.Mutex
	entries map[uuid.UUID]cachedChannel
}

type cachedChannel struct {
	ch      Channel
	expires time.Time
}

func (c *channelCache) get(id uuid.UUID, now time.Time) (Channel, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	return e.ch, ok && now.Before(e.expires)
}

func (c *channelCache) put(ch Channel, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[uuid.UUID]cachedChannel{}
	}
	c.entries[ch.ID] = cachedChannel{ch: ch, expires: now.Add(channelCacheTTL)}
}

func (c *channelCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// WebhookChannel returns the channel whose webhook URL carries id, of whichever tenant. A
// change made through this service is seen at once; one made on another node within
// channelCacheTTL. The channel's Config is shared: read it, never write it.
func (s *Service) WebhookChannel(ctx context.Context, id uuid.UUID) (Channel, error) {
	now := time.Now()
	if ch, ok := s.channels.get(id, now); ok {
		return ch, nil
	}
	ch, err := s.store.LookupChannel(ctx, id)
	if err != nil {
		return Channel{}, err
	}
	s.channels.put(ch, now)
	return ch, nil
}
