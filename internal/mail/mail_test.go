package mail_test

import (
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/mail"
)

// TestNewSMTP checks which URLs configure a sender, and that a bad one says what is wrong.
// Sending itself is tested against a real SMTP server in internal/httpapi (people_test.go).
func TestNewSMTP(t *testing.T) {
	for _, c := range []struct {
		url, from, err string
	}{
		{"smtp://user:pass@mail.example:587", "a@b.example", ""},
		{"smtps://mail.example", "a@b.example", ""},
		{"smtp://mail.example", "", "TEAMINBOX_MAIL_FROM"},
		{"http://mail.example", "a@b.example", "scheme must be smtp or smtps"},
		{"smtp://", "a@b.example", "no host"},
		{"smtp://mail.example:port", "a@b.example", "port"},
	} {
		_, err := mail.NewSMTP(c.url, c.from)
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("NewSMTP(%q, %q) = %v, want an error saying %q", c.url, c.from, err, c.err)
		}
	}
}
