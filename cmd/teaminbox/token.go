package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// token prints a JWT, on its own line, for the demo tenant's user of a role (or for the
// tenant and user given), signed with the same secret the server uses.
func token(_ context.Context, args []string) error { return writeToken(os.Stdout, args) }

// writeToken writes what token prints to w.
func writeToken(w io.Writer, args []string) error {
	var role, tenant, user string
	var ttl time.Duration
	cfg, err := loadConfig("token", args, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", string(auth.RoleAdmin), "super_admin, admin, executive or viewer")
		fs.StringVar(&tenant, "tenant", "", "tenant id (default: the demo tenant)")
		fs.StringVar(&user, "user", "", "user id (default: the demo user of --role)")
		fs.DurationVar(&ttl, "ttl", 0, "lifetime (default TEAMINBOX_TOKEN_TTL)")
	})
	if err != nil {
		return err
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return err
	}
	p := auth.Principal{TenantID: seed.DemoTenantID, UserID: seed.DemoUserID(r), Role: r}
	if tenant != "" {
		if p.TenantID, err = uuid.Parse(tenant); err != nil {
			return fmt.Errorf("--tenant: %w", err)
		}
	}
	if user != "" {
		if p.UserID, err = uuid.Parse(user); err != nil {
			return fmt.Errorf("--user: %w", err)
		}
	}
	if ttl == 0 {
		ttl = cfg.TokenTTL
	}
	tokens, err := newTokens(cfg)
	if err != nil {
		return err
	}
	t, err := tokens.Issue(p, auth.AudienceAPI, ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, t)
	return err
}
