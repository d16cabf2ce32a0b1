package main

import (
	"context"
	"fmt"
	"os"
)

// tenantCommands are the subcommands of `teaminbox tenant`, run on a business as a whole.
var tenantCommands = map[string]func(ctx context.Context, args []string) error{
	"export": runTenantExport,
	"delete": runTenantDelete,
}

// tenant dispatches `teaminbox tenant SUBCOMMAND`.
func tenant(ctx context.Context, args []string) error {
	if len(args) == 0 || tenantCommands[args[0]] == nil {
		fmt.Fprintln(os.Stderr, "usage: teaminbox tenant export ID > file.ndjson | teaminbox tenant delete ID --yes")
		return errUsage
	}
	return tenantCommands[args[0]](ctx, args[1:])
}
