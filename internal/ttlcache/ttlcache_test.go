package ttlcache

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c := New[string, int](10 * time.Second)
	c.Put("a", 1, t0)
	if v, ok := c.Get("a", t0.Add(9*time.Second)); !ok || v != 1 {
		t.Errorf("within the TTL: %d %v", v, ok)
	}
	if _, ok := c.Get("a", t0.Add(10*time.Second)); ok {
		t.Error("kept past the TTL")
	}
	c.Update("a", func(v *int) { *v = 2 })
	if v, ok := c.Get("a", t0.Add(9*time.Second)); !ok || v != 2 {
		t.Errorf("after Update: %d %v (Update must not move the expiry)", v, ok)
	}
	if _, ok := c.Get("a", t0.Add(10*time.Second)); ok {
		t.Error("Update moved the expiry")
	}
	c.Update("b", func(v *int) { *v = 3 })
	if _, ok := c.Get("b", t0); ok {
		t.Error("Update kept an entry that was not there")
	}
	c.Put("b", 3, t0)
	c.Forget("a")
	c.ForgetIf(func(v int) bool { return v == 3 })
	if _, ok := c.Get("a", t0); ok {
		t.Error("Forget kept a")
	}
	if _, ok := c.Get("b", t0); ok {
		t.Error("ForgetIf kept b")
	}
}

func TestCacheSweepsExpiredEntries(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	c := New[int, int](time.Second)
	for i := range sweepAt {
		c.Put(i, i, t0)
	}
	c.Put(-1, -1, t0.Add(time.Minute)) // the others expired: swept first
	if n := len(c.entries); n != 1 {
		t.Errorf("%d entries after the sweep, want 1", n)
	}
}
