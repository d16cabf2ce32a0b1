// Package mail sends the server's own mail (invitations, password resets) through an SMTP
// server given as a URL.
package mail

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends plain-text mail through one SMTP server.
type SMTP struct {
	opts []gomail.Option
	host string
	from string
}

// NewSMTP reads rawURL, smtp://[user:pass@]host[:port] (port 587 by default, STARTTLS when
// the server offers it) or smtps://[user:pass@]host[:port] (TLS from the start, port 465 by
// default), and sends as from.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("smtp url: no host")
	}
	if from == "" {
		return nil, fmt.Errorf("smtp: a sender address (TEAMINBOX_MAIL_FROM) is required")
	}
	port, opts := 587, []gomail.Option{gomail.WithTLSPolicy(gomail.TLSOpportunistic)}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		port, opts = 465, []gomail.Option{gomail.WithSSL()}
	default:
		return nil, fmt.Errorf("smtp url: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp url: port: %w", err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{opts: opts, host: u.Hostname(), from: from}, nil
}

// Send mails a plain-text message to one address, on a connection of its own.
func (s *SMTP) Send(ctx context.Context, to, subject, body string) error {
	m := gomail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("mail from %q: %w", s.from, err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail to %q: %w", to, err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send mail to %s: %w", to, err)
	}
	return nil
}
