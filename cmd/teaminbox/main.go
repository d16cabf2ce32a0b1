// Command teaminbox runs the team inbox server and its tools: serve, migrate, token, seed,
// simulate, tenant (create, export or delete a business) and copy-to-postgres.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // business time zones on hosts without a zone database

	"github.com/teaminbox/teaminbox/internal/config"
)

var commands = map[string]func(ctx context.Context, args []string) error{
	"serve":    serve,
	"migrate":  migrate,
	"token":    token,
	"seed":     seedCmd,
	"simulate": simulate,
	"tenant":   tenantCmd,
	// copy-to-postgres moves an inbox from the embedded database to PostgreSQL.
	"copy-to-postgres": copyToPostgres,
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: teaminbox serve|migrate|token|seed|simulate|tenant|copy-to-postgres [flags]  (teaminbox CMD -h for flags)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := commands[os.Args[1]](ctx, os.Args[2:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		newLogger("error").Error(os.Args[1]+" failed", "err", err)
		os.Exit(1)
	}
}

// loadConfig reads the environment and the command's flags, and makes the command's
// logger; extra registers the command's own flags before parsing.
func loadConfig(name string, args []string, extra func(fs *flag.FlagSet)) (*config.Config, *slog.Logger, error) {
	fs := flag.NewFlagSet("teaminbox "+name, flag.ContinueOnError)
	cfg, err := config.Load(fs)
	if err != nil {
		return nil, nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg.LogLevel)
	config.WarnUnknownVariables(log, os.Environ())
	return cfg, log, nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
