package config

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	// minHeapGoal is the heap size the garbage collector lets a small live heap grow to before
	// it runs. The live heap of a server taking webhooks is small (SQLite's page cache is not
	// on it), and at Go's default target (GOGC=100) the collector runs often and shrinks the
	// HTTP goroutines' stacks for them to grow again at the next request, a webhook costing
	// noticeably more CPU.
	minHeapGoal = 64 << 20
	// maxGCPercent bounds the target given to a tiny live heap.
	maxGCPercent = 400
)

// TuneGC keeps the garbage collector's target at minHeapGoal while the live heap is small,
// and at Go's default of 100 once the live heap is half that or more (10,000 idle sockets
// hold ~175 MB; a fixed target of 400 would put each over issue 3's 30 KB). It samples the
// live heap every second until ctx ends, then puts the default back. A GOGC variable of the
// environment turns it off; GOMEMLIMIT is honored either way.
func TuneGC(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		current := 100
		for {
			metrics.Read(live)
			if p := gcPercentFor(live[0].Value.Uint64()); p != current {
				debug.SetGCPercent(p)
				current = p
			}
			select {
			case <-ctx.Done():
				debug.SetGCPercent(100)
				return
			case <-tick.C:
			}
		}
	}()
}

// gcPercentFor is the GC target that lets a heap of live bytes grow to minHeapGoal, between
// Go's default of 100 and maxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	p := int(100 * (float64(minHeapGoal)/float64(live) - 1))
	return min(max(p, 100), maxGCPercent)
}
