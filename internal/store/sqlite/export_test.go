package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// Checkpoint runs one of the background checkpoints now, restarting the WAL once it is
// restartAt pages long.
func (s *Store) Checkpoint(ctx context.Context, restartAt int) error {
	return s.checkpointUpTo(ctx, restartAt)
}

// OpenWith is Open through the database/sql driver registered as driverName, with
// retryable (nil: none) naming the errors worth running a transaction again.
func OpenWith(ctx context.Context, path, driverName string, retryable func(error) string) (*Store, error) {
	d := newDialect()
	d.Retryable = retryable
	return open(ctx, path, driverName, d, slog.New(slog.DiscardHandler))
}

// OpenIndexingEvery is Open with the messages queued for content search indexed at most
// every interval.
func OpenIndexingEvery(ctx context.Context, path string, interval time.Duration) (*Store, error) {
	d := newDialect()
	d.Indexing.Interval = interval
	return open(ctx, path, "sqlite", d, slog.New(slog.DiscardHandler))
}

// IndexBacklog is how many queued messages a commit indexes at once.
const IndexBacklog = indexBacklog
