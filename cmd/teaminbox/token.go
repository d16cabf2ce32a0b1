package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// token prints a JWT, on its own line, for the demo tenant's user of a role (or for the
// tenant and user given), signed with the same secret the server uses.
func token(ctx context.Context, args []string) error { return writeToken(ctx, os.Stdout, args) }

// writeToken writes what token prints to out. It refuses rather than print a token the server would
// reject: when no secret exists yet (the data folder is not the server's), when the database
// has no such user, or when the user is deactivated. With --user, the role is the user's.
func writeToken(ctx context.Context, out io.Writer, args []string) error {
	var role, tenant, user string
	var ttl time.Duration
	var fs *flag.FlagSet
	cfg, log, err := loadConfig("token", args, func(f *flag.FlagSet) {
		fs = f
		f.StringVar(&role, "role", string(auth.RoleAdmin), "super_admin, admin, executive or viewer")
		f.StringVar(&tenant, "tenant", "", "tenant id (default: the demo tenant)")
		f.StringVar(&user, "user", "", "user id (default: the demo user of --role)")
		f.DurationVar(&ttl, "ttl", 0, "lifetime (default TEAMINBOX_TOKEN_TTL)")
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
	secret, err := cfg.ExistingSecret()
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(secret)
	if err != nil {
		return err
	}
	st, err := openExistingStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.GetUser(ctx, p.TenantID, p.UserID)
	if errors.Is(err, inbox.ErrNotFound) {
		return fmt.Errorf("the database has no user %s in tenant %s: give --tenant and --user of an existing user", p.UserID, p.TenantID)
	}
	if err != nil {
		return fmt.Errorf("look up the user: %w", err)
	}
	if u.DeactivatedAt != nil {
		return fmt.Errorf("user %s is deactivated", u.ID)
	}
	roleGiven := false
	fs.Visit(func(f *flag.Flag) { roleGiven = roleGiven || f.Name == "role" })
	if roleGiven && u.Role != r {
		return fmt.Errorf("user %s has the role %s, not %s", u.ID, u.Role, r)
	}
	p.Role, p.TokenVersion = u.Role, u.TokenVersion
	t, err := tokens.Issue(p, auth.AudienceAPI, ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, t)
	return err
}
