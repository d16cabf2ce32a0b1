// Package report turns inbox data into documents: the PDF of a contact's thread or of one
// of its conversations.
package report

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/report/pdf"
)

// ThreadExporter writes the PDF of a contact's thread.
type ThreadExporter struct {
	svc *inbox.Service
	// renders has a slot per core. Rendering is CPU-bound: more renders at once finish no
	// sooner, and each holds its fonts' faces, its shaper and a compressor (~2 MB), which
	// sixteen at once took to ~40 MB of heap.
	renders chan struct{}
}

// NewThreadExporter returns an exporter over the use cases.
func NewThreadExporter(svc *inbox.Service) *ThreadExporter {
	return &ThreadExporter{svc: svc, renders: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// WritePDF renders the thread of contactID, as seen by p, and writes it as a download;
// internal notes are in it, marked, unless withNotes is false (a copy for the customer).
// It renders into memory first, so a failure still gets an error envelope.
func (e *ThreadExporter) WritePDF(ctx context.Context, p auth.Principal, contactID uuid.UUID, withNotes bool, w http.ResponseWriter) error {
	t, err := e.svc.ContactThread(ctx, p, contactID)
	if err != nil {
		return err
	}
	return e.write(ctx, p, t, withNotes, w)
}

// WriteConversationPDF renders one conversation of the contact's thread, as WritePDF does
// the whole thread.
func (e *ThreadExporter) WriteConversationPDF(ctx context.Context, p auth.Principal, conversationID uuid.UUID, withNotes bool, w http.ResponseWriter) error {
	t, err := e.svc.ConversationThread(ctx, p, conversationID)
	if err != nil {
		return err
	}
	return e.write(ctx, p, t, withNotes, w)
}

func (e *ThreadExporter) write(ctx context.Context, p auth.Principal, t inbox.Thread, withNotes bool, w http.ResponseWriter) error {
	users, err := e.svc.ListUsers(ctx, p)
	if err != nil {
		return err
	}
	doc := buildThread(t, users, withNotes, e.svc.Now())
	var buf bytes.Buffer
	if err := e.render(ctx, &buf, doc); err != nil {
		return fmt.Errorf("render thread pdf: %w", err)
	}
	name := fileName(t.Contact, doc.ExportedAt)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiOnly(name), url.PathEscape(name)))
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}

// render renders doc into buf once a slot is free.
func (e *ThreadExporter) render(ctx context.Context, buf *bytes.Buffer, doc pdf.Thread) error {
	select {
	case e.renders <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-e.renders }()
	return pdf.Render(buf, doc)
}

func buildThread(t inbox.Thread, users []inbox.User, withNotes bool, now time.Time) pdf.Thread {
	names := map[uuid.UUID]string{}
	for _, u := range users {
		names[u.ID] = u.Ref().Name()
	}
	doc := pdf.Thread{
		Title:      "Conversation with " + t.Contact.Name(),
		Contact:    pdf.ContactInfo{Name: t.Contact.Name(), Phone: t.Contact.Phone, Email: t.Contact.Email},
		ExportedAt: now,
	}
	if len(t.Conversations) > 0 {
		c := t.Conversations[0] // the newest conversation describes the thread's current state
		var channels []string
		for _, cv := range t.Conversations {
			if k := string(cv.Channel.Name); !slices.Contains(channels, k) {
				channels = append(channels, k)
			}
		}
		doc.Channel, doc.Status, doc.CreatedAt = strings.Join(channels, ", "), string(c.Status), t.Conversations[len(t.Conversations)-1].CreatedAt
		if c.AssignedUser != nil {
			doc.Assignee = c.AssignedUser.Name()
		}
		if c.AssignedTeam != nil {
			doc.Team = c.AssignedTeam.Name
		}
		if c.LastMessageAt != nil {
			doc.LastMessageAt = *c.LastMessageAt
		}
	}
	for _, m := range t.Messages {
		if m.IsInternal && !withNotes {
			continue
		}
		pm := pdf.Message{At: m.CreatedAt, Text: m.Content, Internal: m.IsInternal}
		switch {
		case m.SenderType == inbox.SenderSystem:
			pm.Direction, pm.Author = "system", "System"
		case m.IsInternal:
			pm.Direction, pm.Author = "note", nameOf(names, m.SenderID, "Agent")
		case m.SenderType == inbox.SenderEndUser:
			pm.Direction, pm.Author = "in", t.Contact.Name()
		default:
			pm.Direction, pm.Author, pm.Status = "out", nameOf(names, m.SenderID, "Business"), string(m.Status)
		}
		if m.SenderType == inbox.SenderBot {
			pm.Author = "Bot"
		}
		for _, a := range m.Attachments {
			pm.Attachments = append(pm.Attachments, firstNonEmpty(a.FileName, a.URL, a.MediaID, a.MimeType))
		}
		doc.Messages = append(doc.Messages, pm)
	}
	if t.Truncated {
		doc.Title += fmt.Sprintf(" (newest %d messages)", inbox.MaxThreadMessages)
	}
	return doc
}

func nameOf(names map[uuid.UUID]string, id *uuid.UUID, fallback string) string {
	if id != nil && names[*id] != "" {
		return names[*id]
	}
	return fallback
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "attachment"
}

// fileName is "conversation-<contact>-<date>.pdf".
func fileName(c inbox.Contact, at time.Time) string {
	base := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '-'
	}, c.Name())
	base = strings.Trim(base, "-")
	if base == "" {
		base = c.ID.String()
	}
	return fmt.Sprintf("conversation-%s-%s.pdf", base, at.Format("2006-01-02"))
}

// asciiOnly keeps the quoted filename parameter plain ASCII for old clients.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, s)
}
