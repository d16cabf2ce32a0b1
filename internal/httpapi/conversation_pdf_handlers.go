package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// ThreadPDF writes the PDFs of a contact's thread and of one conversation
// (report.ThreadExporter); internal notes are in them, marked, unless withNotes is false.
type ThreadPDF interface {
	WritePDF(ctx context.Context, p auth.Principal, contactID uuid.UUID, withNotes bool, w http.ResponseWriter) error
	WriteConversationPDF(ctx context.Context, p auth.Principal, conversationID uuid.UUID, withNotes bool, w http.ResponseWriter) error
}

// conversationPDF downloads one conversation as a PDF, internal notes marked in it unless
// include_notes=false.
func (s *Server) conversationPDF(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "conversationId")
	if err != nil {
		return err
	}
	q := newQuery(r)
	notes := q.boolean("include_notes")
	if err := q.err(); err != nil {
		return err
	}
	return s.ThreadPDF.WriteConversationPDF(r.Context(), principal(r.Context()), id, notes == nil || *notes, w)
}
