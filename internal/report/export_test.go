package report

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/teaminbox/teaminbox/internal/report/pdf"
)

// A render waits for a free slot, and gives up when its request does.
func TestRenderWaitsForASlot(t *testing.T) {
	e := NewThreadExporter(nil)
	for range cap(e.renders) {
		e.renders <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := e.render(ctx, &buf, pdf.Thread{Title: "t"}); !errors.Is(err, context.Canceled) || buf.Len() != 0 {
		t.Fatalf("every slot taken: err %v, %d bytes; want the request's error and nothing rendered", err, buf.Len())
	}
	<-e.renders
	if err := e.render(context.Background(), &buf, pdf.Thread{Title: "t"}); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("%PDF")) {
		t.Fatalf("a slot free: err %v, %q", err, buf.Bytes()[:min(buf.Len(), 8)])
	}
	if len(e.renders) != cap(e.renders)-1 {
		t.Errorf("%d slots taken after the render, want %d", len(e.renders), cap(e.renders)-1)
	}
}
