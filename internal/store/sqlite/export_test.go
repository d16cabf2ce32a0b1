package sqlite

import "context"

// Checkpoint runs one of the background checkpoints now, restarting the WAL once it is
// restartAt pages long.
func (s *Store) Checkpoint(ctx context.Context, restartAt int) error {
	return s.checkpointUpTo(ctx, restartAt)
}
