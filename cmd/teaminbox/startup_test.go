package main

import (
	"context"
	"sync"
	"testing"

	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestNodesStartingTogetherSeedOnce starts three nodes' store at once on an empty
// PostgreSQL schema, each migrating and seeding the demo as serve does: all start, and there
// is one demo tenant.
func TestNodesStartingTogetherSeedOnce(t *testing.T) {
	cfg := &config.Config{DatabaseURL: storetest.PostgresURL(t), DataDir: t.TempDir(), JWTSecret: "0123456789abcdef0123456789abcdef"}
	tokens, err := newTokens(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hasher := newHasher()
	ctx := context.Background()
	var wg sync.WaitGroup
	stores := make([]inbox.Store, 3)
	for i := range stores {
		wg.Go(func() {
			st, err := openServerStore(ctx, cfg, true, hasher, tokens)
			if err != nil {
				t.Errorf("node %d: %v", i, err)
				return
			}
			t.Cleanup(func() { st.Close() })
			stores[i] = st
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	tenants, err := stores[0].ListTenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 1 || tenants[0].ID != seed.DemoTenantID {
		t.Errorf("tenants %+v, want the demo tenant alone", tenants)
	}
}
