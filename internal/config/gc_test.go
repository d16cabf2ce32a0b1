package config

import (
	"math"
	"testing"
)

func TestGCPercentFor(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{8 << 20, 400},        // a tiny heap: the bound
		{16 << 20, 300},       // 16 MB grows to 64 MB
		{32 << 20, 100},       // half the goal: Go's default
		{200 << 20, 100},      // a large heap: never under the default
		{(64 << 20) / 3, 200}, // a third of the goal
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

func TestMemoryLimitFor(t *testing.T) {
	const none = math.MaxInt64
	for _, tc := range []struct {
		percent int
		base    int64
		nonHeap uint64
		want    int64
	}{
		{100, none, 10 << 20, none},                 // Go's default target: no limit of ours
		{100, 200 << 20, 10 << 20, 200 << 20},       // nor under GOMEMLIMIT
		{400, none, 10 << 20, (64 + 10 + 16) << 20}, // raised: the heap held near its goal
		{400, none, 60 << 20, (64 + 60 + 16) << 20}, // 10,000 sockets' stacks on top
		{300, 50 << 20, 10 << 20, 50 << 20},         // a lower GOMEMLIMIT stands
	} {
		if got := memoryLimitFor(tc.percent, tc.base, tc.nonHeap); got != tc.want {
			t.Errorf("memoryLimitFor(%d, %d, %d) = %d, want %d", tc.percent, tc.base, tc.nonHeap, got, tc.want)
		}
	}
}
