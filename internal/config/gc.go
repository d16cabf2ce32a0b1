package config

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target when GOGC is not set. The live heap is small
// (SQLite's page cache is not on it), so at Go's default of 100 the collector ran often, and
// shrank the HTTP goroutines' stacks for them to grow again at the next request; at 400 a
// webhook costs 12–20 % less CPU. The heap may grow to five times its live size; GOGC and
// GOMEMLIMIT, read by Go itself, override.
const GCPercent = 400

// TuneGC sets GCPercent, unless GOGC is set.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(GCPercent)
	}
}
