package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// tenant manages businesses from the command line: teaminbox tenant create ...
func tenant(ctx context.Context, args []string) error { return runTenant(ctx, os.Stdout, args) }

// runTenant dispatches the tenant subcommands, writing what they print to out.
func runTenant(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: teaminbox tenant create --name NAME --owner-email EMAIL | export ID > FILE.ndjson | delete ID --yes")
	}
	switch args[0] {
	case "create":
		return tenantCreate(ctx, out, args[1:])
	case "export":
		return tenantExport(ctx, out, args[1:])
	case "delete":
		return runTenantDelete(ctx, args[1:])
	default:
		return fmt.Errorf("unknown tenant command %q: use create, export or delete", args[0])
	}
}

// tenantCreate creates a business and an invitation for its owner as super admin, and
// prints the invitation's link: it works once, until TEAMINBOX_INVITATION_TTL has passed.
func tenantCreate(ctx context.Context, out io.Writer, args []string) error {
	var name, owner string
	cfg, log, err := loadConfig("tenant create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the business's name")
		fs.StringVar(&owner, "owner-email", "", "the owner's email; they get a super admin invitation")
	})
	if err != nil {
		return err
	}
	if name == "" || owner == "" {
		return errors.New("--name and --owner-email are required")
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ppl, err := newPeople(cfg, st, inbox.NewService(st, nil, log), newHasher(), audit.New(st), log)
	if err != nil {
		return err
	}
	t, link, err := ppl.CreateBusiness(ctx, name, owner)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "business %s (%s) created\nthe owner's invitation link, shown once:\n%s\n", t.Name, t.ID, link)
	return err
}
