// Package seed fills a database: the demo tenant a new server starts with, and large
// realistic data sets for benchmarks.
package seed

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// demoNS derives the demo's fixed ids, so scripts and `teaminbox token` can find them.
var demoNS = uuid.MustParse("6f1d2a8e-6c55-4a57-9d0c-1b7f3f8f0e11")

func demoID(name string) uuid.UUID { return uuid.NewSHA1(demoNS, []byte(name)) }

// DemoTenantID is the id of the demo tenant.
var DemoTenantID = demoID("tenant")

// DemoUserID is the id of the demo user of a role.
func DemoUserID(r auth.Role) uuid.UUID { return demoID("user:" + string(r)) }

// RandomPassword is a new password of 16 random characters (80 bits), for demo and
// benchmark users whose password nobody chose.
func RandomPassword() string { return rand.Text()[:16] }

// DemoEmail is the login of the demo user of a role.
func DemoEmail(r auth.Role) string { return string(r) + "@demo.teaminbox.local" }

var demoNames = map[auth.Role][2]string{
	auth.RoleSuperAdmin: {"Sam", "Super"},
	auth.RoleAdmin:      {"Jane", "Smith"},
	auth.RoleExecutive:  {"Alex", "Johnson"},
	auth.RoleViewer:     {"Vic", "Viewer"},
}

// Store is what the seeder needs of the store (inbox.Store): it writes in transactions, and
// reads whether the demo tenant exists.
type Store interface {
	InTx(ctx context.Context, fn func(q inbox.Queries) error) error
	GetTenant(ctx context.Context, id uuid.UUID) (inbox.Tenant, error)
}

// Hasher hashes passwords (auth.Hasher).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// Demo creates the demo tenant unless it exists: a user per role, teams, tags, a channel of
// every kind, contacts and conversations with messages. Every user gets password, or when it
// is "" a random one of their own. It returns each role's user's password when it created
// the tenant, and nil when the tenant existed.
// Nodes starting together run it under the migrations' lock (see sqlstore.Store.Migrate);
// one that finds the tenant created meanwhile all the same creates nothing.
func Demo(ctx context.Context, st Store, h Hasher, now time.Time, password string) (map[auth.Role]string, error) {
	if _, err := st.GetTenant(ctx, DemoTenantID); err == nil {
		return nil, nil
	} else if !errors.Is(err, inbox.ErrNotFound) {
		return nil, fmt.Errorf("look for demo tenant: %w", err)
	}
	passwords, hashes := map[auth.Role]string{}, map[auth.Role]string{}
	for _, r := range auth.Roles {
		passwords[r] = cmp.Or(password, RandomPassword())
		hash, err := h.Hash(ctx, passwords[r])
		if err != nil {
			return nil, fmt.Errorf("seed demo tenant: %w", err)
		}
		hashes[r] = hash
	}
	err := st.InTx(ctx, func(q inbox.Queries) error {
		t := DemoTenantID
		if err := q.CreateTenant(ctx, inbox.Tenant{ID: t, Name: "Demo Business", CreatedAt: now}); err != nil {
			return fmt.Errorf("create tenant: %w", err)
		}
		var users []uuid.UUID
		for _, r := range auth.Roles {
			n := demoNames[r]
			u := inbox.User{ID: DemoUserID(r), TenantID: t, FirstName: n[0], LastName: n[1], Email: DemoEmail(r), Role: r, PasswordHash: hashes[r], CreatedAt: now}
			if err := q.CreateUser(ctx, u); err != nil {
				return fmt.Errorf("create user: %w", err)
			}
			users = append(users, u.ID)
		}
		g := newGenerator(q, t, users, now, 42)
		if err := g.directory(ctx); err != nil {
			return err
		}
		for i := range 24 {
			if err := g.conversation(ctx, i, 6+i%9); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, inbox.ErrDuplicate) {
		if _, gerr := st.GetTenant(ctx, DemoTenantID); gerr == nil {
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("seed demo tenant: %w", err)
	}
	return passwords, nil
}
