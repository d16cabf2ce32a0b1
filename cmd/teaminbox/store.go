package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/store"
	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
)

// migratingStore is a store that can bring its schema up to date.
type migratingStore interface {
	store.Store
	Migrate(ctx context.Context, then ...func(ctx context.Context) error) error
}

// openStore opens PostgreSQL when DATABASE_URL is set, the embedded SQLite file otherwise,
// and migrates it; then it runs setup under the migrations' lock, so that nodes starting
// together on a new database do it one after the other (the demo seed).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, setup ...func(ctx context.Context, st store.Store) error) (store.Store, error) {
	var (
		st  migratingStore
		err error
	)
	if cfg.DatabaseURL != "" {
		st, err = postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns, log)
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		st, err = sqlite.Open(ctx, cfg.SQLitePath(), log)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	then := make([]func(ctx context.Context) error, len(setup))
	for i, fn := range setup {
		then[i] = func(ctx context.Context) error { return fn(ctx, st) }
	}
	if err := st.Migrate(ctx, then...); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, nil
}

// openExistingStore opens the database a server has made, neither creating nor migrating it.
func openExistingStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		st, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns, log)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return st, nil
	}
	path := cfg.SQLitePath()
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s: point --data (TEAMINBOX_DATA) at the server's data folder, or set DATABASE_URL: %w", path, err)
	}
	st, err := sqlite.Open(ctx, path, log)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

func migrate(ctx context.Context, args []string) error {
	cfg, log, err := loadConfig("migrate", args, nil)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("database is up to date")
	return st.Close()
}

func newTokens(cfg *config.Config) (*auth.Tokens, error) {
	secret, err := cfg.Secret()
	if err != nil {
		return nil, err
	}
	return auth.NewTokens(secret)
}

func newHasher() *auth.Hasher { return auth.NewHasher(auth.DefaultArgon2, 2) }
