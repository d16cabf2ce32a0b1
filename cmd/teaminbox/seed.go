package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store"
)

// seedCmd adds the demo tenant, or with --conversations a large tenant for benchmarks,
// printing its id and an admin token.
func seedCmd(ctx context.Context, args []string) error {
	var conversations, messages int
	cfg, log, err := loadConfig("seed", args, func(fs *flag.FlagSet) {
		fs.IntVar(&conversations, "conversations", 0, "conversations of a new benchmark tenant (0: the demo tenant)")
		fs.IntVar(&messages, "messages", 0, "messages in all, spread over the conversations")
	})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if conversations == 0 {
		var created bool
		st, err := openStore(ctx, cfg, log, func(ctx context.Context, st store.Store) (err error) {
			created, err = seed.Demo(ctx, st, newHasher(), now)
			return err
		})
		if err != nil {
			return err
		}
		log.Info("demo tenant", "created", created, "tenant_id", seed.DemoTenantID)
		return st.Close()
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	tenant, admin, err := seed.Bulk(ctx, st, newHasher(), conversations, max(messages, conversations), now, func(done int) {
		log.Info("seeding", "conversations", done, "of", conversations, "elapsed_ms", time.Since(start).Milliseconds())
	})
	if err != nil {
		return err
	}
	if o, ok := st.(interface{ Optimize(context.Context) error }); ok {
		if err := o.Optimize(ctx); err != nil {
			return err
		}
	}
	log.Info("seeded", "tenant_id", tenant, "admin_id", admin, "elapsed_ms", time.Since(start).Milliseconds())
	fmt.Printf("tenant %s\nadmin %s\n", tenant, admin)
	return nil
}
