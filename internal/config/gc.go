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
// and at Go's default of 100 once the live heap is half that or more (a fixed 400 would let
// the large live heap of thousands of sockets grow fivefold). It samples the live heap
// every second until ctx ends, then puts the defaults back. While the target is
// raised, a memory limit holds the heap near minHeapGoal: without it, a live heap that grows
// within the second (16 PDFs rendered at once) would be let grow to 5 times its size before a
// collection. A GOGC variable of the environment turns it off; GOMEMLIMIT is honored either
// way, as the lower limit.
func TuneGC(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	base := debug.SetMemoryLimit(-1) // GOMEMLIMIT's, or none
	go func() {
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"},
			{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		current := 100
		for {
			metrics.Read(samples)
			if p := gcPercentFor(samples[0].Value.Uint64()); p != current {
				debug.SetGCPercent(p)
				current = p
			}
			nonHeap := samples[1].Value.Uint64()
			for _, s := range samples[2:] {
				nonHeap -= s.Value.Uint64()
			}
			debug.SetMemoryLimit(memoryLimitFor(current, base, nonHeap))
			select {
			case <-ctx.Done():
				debug.SetGCPercent(100)
				debug.SetMemoryLimit(base)
				return
			case <-tick.C:
			}
		}
	}()
}

// memoryLimitFor is the memory limit under a GC target of percent: base (GOMEMLIMIT's, or
// none) at Go's default; while the target is raised, minHeapGoal plus the memory that is not
// heap (goroutine stacks, the runtime's own: the limit counts all of Go's memory) plus
// limitSlack for that to grow within a second, unless base is lower.
func memoryLimitFor(percent int, base int64, nonHeap uint64) int64 {
	if percent <= 100 {
		return base
	}
	return min(base, int64(minHeapGoal+nonHeap+limitSlack))
}

const limitSlack = 16 << 20

// gcPercentFor is the GC target that lets a heap of live bytes grow to minHeapGoal, between
// Go's default of 100 and maxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	p := int(100 * (float64(minHeapGoal)/float64(live) - 1))
	return min(max(p, 100), maxGCPercent)
}
