// Package providertest holds the checks every provider's webhook parser must pass, for the
// parsers' tests and fuzz targets.
package providertest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
)

// CheckParse fails t unless a correctly signed webhook parsed into something the inbox can
// store, or into a Malformed error (400, which the provider does not retry): never a
// signature error for a body whose signature is right, never a message without its
// idempotency key or content type, never a payload that is not JSON (the store keeps it as
// JSON, and a write that fails answers 500, which the provider retries forever).
func CheckParse(t testing.TB, b provider.Batch, err error) {
	t.Helper()
	if err != nil {
		if !errors.As(err, new(provider.Malformed)) {
			t.Fatalf("a signed webhook was refused with %v, want a batch or a Malformed error", err)
		}
		return
	}
	for i, m := range b.Messages {
		if m.ProviderMessageID == "" || m.ContentType == "" {
			t.Errorf("message %d has no provider id or content type: %+v", i, m)
		}
		if m.Payload != nil && !json.Valid(m.Payload) {
			t.Errorf("message %d: payload is not JSON: %q", i, m.Payload)
		}
	}
	for i, r := range b.Receipts {
		if r.ProviderMessageID == "" || r.Status == "" {
			t.Errorf("receipt %d has no provider id or status: %+v", i, r)
		}
	}
	for i, r := range b.Reactions {
		if r.ProviderMessageID == "" || r.From.Address == "" {
			t.Errorf("reaction %d names no message or sender: %+v", i, r)
		}
	}
	for i, c := range b.Calls {
		if c.SID == "" {
			t.Errorf("call update %d has no call id: %+v", i, c)
		}
	}
	for i, s := range b.Typing {
		if s.Address == "" {
			t.Errorf("typing report %d has no sender: %+v", i, s)
		}
	}
}
