package sequencer

import "time"

// SetSweep sets how often s numbers without being asked; call it before Run.
func SetSweep(s *Sequencer, d time.Duration) { s.sweep = d }
