package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"sync"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// setupLink is the secret of a new server's setup link: made at start when the database
// holds no business, kept in memory for the life of the process, good for one business.
type setupLink struct {
	mu    sync.Mutex // also makes two setups at once run one after the other
	token string
}

// OfferSetup returns a new setup token when the database holds no business, and "" when it
// holds one. The server prints the link with it to its log.
func (s *Service) OfferSetup(ctx context.Context) (string, error) {
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	has, err := s.store.HasTenants(ctx)
	if err != nil {
		return "", fmt.Errorf("offer setup: %w", err)
	}
	if has {
		return "", nil
	}
	s.setup.token = rand.Text()
	return s.setup.token, nil
}

// SetupOpen is nil when token is the setup link's and the database still holds no business,
// and a Forbidden saying why not otherwise.
func (s *Service) SetupOpen(ctx context.Context, token string) error {
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	return s.setupOpen(ctx, token)
}

func (s *Service) setupOpen(ctx context.Context, token string) error {
	if s.setup.token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.setup.token)) != 1 {
		return inbox.Forbidden("This setup link is not valid: use the link the server printed to its log at start")
	}
	has, err := s.store.HasTenants(ctx)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if has {
		s.setup.token = ""
		return inbox.Forbidden("This server is set up already: log in instead")
	}
	return nil
}

// Setup creates the server's first business and its super admin, with the setup link's
// token; the link is spent then.
func (s *Service) Setup(ctx context.Context, token string, in NewBusiness) (inbox.Tenant, inbox.User, error) {
	s.setup.mu.Lock()
	defer s.setup.mu.Unlock()
	if err := s.setupOpen(ctx, token); err != nil {
		return inbox.Tenant{}, inbox.User{}, err
	}
	t, u, err := s.Create(ctx, in)
	if err != nil {
		return t, u, err
	}
	s.setup.token = ""
	s.audit(ctx, owner(u), change("business.set_up", nil, t, t))
	return t, u, nil
}
