package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

const tenantUsage = "usage: teaminbox tenant create --name NAME --owner-email EMAIL | list | disable ID | enable ID | export ID > FILE.ndjson | delete ID --yes"

// tenantCmd manages the server's businesses: create one with its owner's invitation, list
// them, disable one (its users' tokens and
// logins refused, its webhooks answered 404, within 5 s on every node) or enable it again.
func tenantCmd(ctx context.Context, args []string) error { return runTenant(ctx, os.Stdout, args) }

func runTenant(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return errors.New(tenantUsage)
	}
	switch args[0] {
	case "create":
		return tenantCreate(ctx, out, args[1:])
	case "list":
		return tenantList(ctx, out, args[1:])
	case "disable":
		return tenantSetDisabled(ctx, out, args[1:], true)
	case "enable":
		return tenantSetDisabled(ctx, out, args[1:], false)
	case "export":
		return tenantExport(ctx, out, args[1:])
	case "delete":
		return runTenantDelete(ctx, args[1:])
	}
	return fmt.Errorf("unknown subcommand %q; %s", args[0], tenantUsage)
}

// openTenancy reads the configuration and flags of a tenant subcommand and opens the
// business use cases on the server's database; close closes the database.
func openTenancy(ctx context.Context, name string, args []string) (svc *tenancy.Service, rest []string, done func(), err error) {
	var fs *flag.FlagSet
	cfg, log, err := loadConfig("tenant "+name, args, func(f *flag.FlagSet) { fs = f })
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := openExistingStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return tenancy.New(st, newHasher(), audit.New(st), log), fs.Args(), func() { st.Close() }, nil
}

func tenantList(ctx context.Context, out io.Writer, args []string) error {
	svc, _, closeStore, err := openTenancy(ctx, "list", args)
	if err != nil {
		return err
	}
	defer closeStore()
	list, err := svc.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tUSERS\tCREATED\tDISABLED")
	for _, b := range list {
		disabled := "-"
		if b.DisabledAt != nil {
			disabled = b.DisabledAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", b.ID, b.Name, b.Users, b.CreatedAt.Format(time.RFC3339), disabled)
	}
	return w.Flush()
}

func tenantSetDisabled(ctx context.Context, out io.Writer, args []string, disabled bool) error {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	svc, rest, closeStore, err := openTenancy(ctx, verb, args)
	if err != nil {
		return err
	}
	defer closeStore()
	if len(rest) != 1 {
		return fmt.Errorf("usage: teaminbox tenant %s ID", verb)
	}
	id, err := uuid.Parse(rest[0])
	if err != nil {
		return fmt.Errorf("tenant %s: %q is no business id: %w", verb, rest[0], err)
	}
	_, b, err := svc.SetDisabled(ctx, id, disabled)
	if err != nil {
		return fmt.Errorf("tenant %s: %w", verb, err)
	}
	fmt.Fprintf(out, "%sd %s (%s)\n", verb, b.ID, b.Name)
	return nil
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
