package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// channelCacheTTL is how long a webhook's channel is used without reading it again: how long
// a change made on another node (a new secret, a deleted channel) can take to reach this one.
const channelCacheTTL = 2 * time.Second

// WebhookChannel returns the channel whose webhook URL carries id, of whichever tenant. A
// change made through this service is seen at once; one made on another node within
// channelCacheTTL. The channel's Config is shared: read it, never write it. A channel of a
// disabled business is ErrNotFound: its webhooks answer 404 and store nothing. A channel an
// admin disabled is returned with its DisabledAt, on every node within channelCacheTTL.
func (s *Service) WebhookChannel(ctx context.Context, id uuid.UUID) (Channel, error) {
	now := time.Now()
	ch, ok := s.channels.Get(id, now)
	if !ok {
		var err error
		if ch, err = s.store.LookupChannel(ctx, id); err != nil {
			return Channel{}, err
		}
		s.channels.Put(ch.ID, ch, now)
	}
	if err := s.tenantEnabled(ctx, ch.TenantID); errors.Is(err, errTenantDisabled) {
		return Channel{}, fmt.Errorf("channel %s: business disabled: %w", id, ErrNotFound)
	} else if err != nil {
		return Channel{}, err
	}
	return ch, nil
}
