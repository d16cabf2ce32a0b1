package sqlite

import "context"

// Checkpoint runs one of the background checkpoints now, restarting the WAL once it is
// restartPages long.
func (s *Store) Checkpoint(ctx context.Context, restartPages int) error {
	s.restartPages = restartPages
	return s.checkpoint(ctx)
}
