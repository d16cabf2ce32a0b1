package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Bulk adds a tenant with conversations conversations holding messages messages in all,
// spread over 90 days, in transactions of batch conversations. It prints progress to
// progress (may be nil) and returns the tenant id and its admin's id. Its users share a
// random password: benchmarks use tokens (teaminbox token).
func Bulk(ctx context.Context, st Store, h Hasher, conversations, messages int, now time.Time, progress func(done int)) (tenant, admin uuid.UUID, err error) {
	hash, err := h.Hash(ctx, RandomPassword())
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	tenant = uuid.Must(uuid.NewV7())
	var users []uuid.UUID
	var g *generator
	err = st.InTx(ctx, func(q inbox.Queries) error {
		if err := q.CreateTenant(ctx, inbox.Tenant{ID: tenant, Name: fmt.Sprintf("Bench %d×%d", conversations, messages), CreatedAt: now}); err != nil {
			return fmt.Errorf("create tenant: %w", err)
		}
		for i := range 12 {
			role := auth.RoleExecutive
			if i == 0 {
				role = auth.RoleAdmin
			}
			u := inbox.User{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, FirstName: firstNames[i], LastName: lastNames[i],
				Email: fmt.Sprintf("agent%d.%s@bench.teaminbox.local", i, tenant), Role: role, PasswordHash: hash, CreatedAt: now}
			if err := q.CreateUser(ctx, u); err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			users = append(users, u.ID)
		}
		g = newGenerator(q, tenant, users, now, uint64(conversations))
		g.span = 90 * 24 * time.Hour
		return g.directory(ctx)
	})
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	// Each transaction must finish within the store's batch deadline (30 s) on the slowest
	// machine that seeds: 500 conversations' 5,000 messages took nearly that under the race
	// detector. 100 cost no measurable speed, a commit being a few milliseconds.
	const batch = 100
	per := max(1, messages/max(1, conversations))
	extra := messages - per*conversations
	for start := 0; start < conversations; start += batch {
		err := st.InTx(ctx, func(q inbox.Queries) error {
			g.q = q
			for i := start; i < min(start+batch, conversations); i++ {
				n := per
				if i < extra {
					n++
				}
				if err := g.conversation(ctx, i, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return uuid.Nil, uuid.Nil, err
		}
		if progress != nil {
			progress(min(start+batch, conversations))
		}
	}
	return tenant, users[0], nil
}
