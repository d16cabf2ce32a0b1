package config

import "testing"

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
