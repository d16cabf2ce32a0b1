package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/teaminbox/teaminbox/internal/store/postgres"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
	"github.com/teaminbox/teaminbox/internal/store/transfer"
)

// copyToPostgres copies the embedded SQLite database into the empty PostgreSQL database of
// DATABASE_URL.
func copyToPostgres(ctx context.Context, args []string) error {
	var from string
	cfg, log, err := loadConfig("copy-to-postgres", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the SQLite file to copy (default: the data folder's)")
	})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL (or --database-url) must name the PostgreSQL database to copy into")
	}
	if from == "" {
		from = cfg.SQLitePath()
	}
	src, err := sqlite.Open(ctx, from, log)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Migrate(ctx); err != nil {
		return err
	}
	dst, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns, log)
	if err != nil {
		return err
	}
	defer dst.Close()
	if err := dst.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := transfer.SQLiteToPostgres(ctx, src.DB(), dst.DB(), log); err != nil {
		return err
	}
	if err := dst.Optimize(ctx); err != nil {
		return err
	}
	log.Info("copied to PostgreSQL", "from", from, "elapsed_ms", time.Since(start).Milliseconds())
	return nil
}
