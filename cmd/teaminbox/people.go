package main

import (
	"fmt"
	"log/slog"

	"github.com/teaminbox/teaminbox/internal/config"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mail"
	"github.com/teaminbox/teaminbox/internal/people"
)

// newPeople builds the people use cases over st (which holds the people store too), mailing
// links through TEAMINBOX_SMTP_URL when it is set.
func newPeople(cfg *config.Config, st inbox.Store, svc *inbox.Service, passwords people.Hasher, auditor people.Auditor, log *slog.Logger) (*people.Service, error) {
	ps, ok := st.(people.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no invitations", st)
	}
	o := people.Options{Store: ps, Inbox: svc, Passwords: passwords, BaseURL: cfg.LinkBaseURL(),
		InvitationTTL: cfg.InvitationTTL, Audit: auditor, Log: log}
	if cfg.SMTPURL != "" {
		m, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, err
		}
		o.Mailer = m
	}
	return people.New(o), nil
}
