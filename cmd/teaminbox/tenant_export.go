package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
)

// errUsage is a command line that names no valid business or lacks a confirmation.
var errUsage = errors.New("invalid command line")

// tenantExport writes all of a business's data to out as NDJSON:
// `teaminbox tenant export ID > file.ndjson`.
func tenantExport(ctx context.Context, out io.Writer, args []string) error {
	return withBusiness(ctx, "tenant export", args, nil, func(ctx context.Context, b *tenantdata.Service, id uuid.UUID) error {
		_, err := b.ExportTenant(ctx, id, out)
		return err
	})
}

// runTenantDelete deletes a business with everything it owns: `teaminbox tenant delete ID --yes`.
func runTenantDelete(ctx context.Context, args []string) error {
	var yes bool
	return withBusiness(ctx, "tenant delete", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&yes, "yes", false, "confirm the deletion: every row and media file of the business goes, for good")
	}, func(ctx context.Context, b *tenantdata.Service, id uuid.UUID) error {
		if !yes {
			return fmt.Errorf("%w: deleting a business needs --yes", errUsage)
		}
		return b.DeleteTenant(ctx, id)
	})
}

// withBusiness parses "ID [flags]" (flags before or after the id), opens the server's
// database and media store, and runs fn on the business.
func withBusiness(ctx context.Context, name string, args []string, flags func(fs *flag.FlagSet),
	fn func(ctx context.Context, b *tenantdata.Service, id uuid.UUID) error) error {
	var rawID string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		rawID, args = args[0], args[1:]
	}
	var parsed *flag.FlagSet
	cfg, log, err := loadConfig(name, args, func(fs *flag.FlagSet) {
		parsed = fs
		if flags != nil {
			flags(fs)
		}
	})
	if err != nil {
		return err
	}
	if rawID == "" && parsed.NArg() > 0 {
		rawID = parsed.Arg(0)
	}
	id, err := uuid.Parse(rawID)
	if err != nil {
		return fmt.Errorf("%w: %s needs the business's id (a UUID), got %q", errUsage, name, rawID)
	}
	st, err := openExistingStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	files, err := mediastore.Open(ctx, cfg.MediaS3URL, cfg.DataDir)
	if err != nil {
		return err
	}
	svc := inbox.NewService(st, nil, log)
	svc.SetChannelSpecs(channels.Specs(channels.Providers()))
	err = fn(ctx, newBusiness(st, files, svc, audit.New(st), log), id)
	if errors.Is(err, inbox.ErrNotFound) {
		return fmt.Errorf("no business %s in this database: %w", id, err)
	}
	return err
}
