package channels_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestOutboxReadiness: a worker that has neither polled the queue nor sent for Stall is
// reported stalled (its database gone, say); its next poll makes it ready again.
func TestOutboxReadiness(t *testing.T) {
	st := storetest.OpenSQLite(t)
	o := channels.NewOutbox(inbox.NewService(st, nil, quiet), st, channels.Providers(), http.DefaultClient, "", quiet, nil)
	ctx := context.Background()
	if err := o.Ready(ctx); err != nil {
		t.Fatalf("a new worker: %v, want ready", err)
	}
	o.Stall = 20 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for o.Ready(ctx) == nil {
		if time.Now().After(deadline) {
			t.Fatal("a worker that never polls was never reported stalled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := o.Ready(ctx); !strings.Contains(err.Error(), "stalled") {
		t.Errorf("not ready: %v, want it to say stalled", err)
	}
	o.Stall = time.Minute
	o.RunOnce(ctx)
	if err := o.Ready(ctx); err != nil {
		t.Errorf("after a poll: %v, want ready", err)
	}
}
