package httpapi

import (
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// signedAttachments is atts with the server's media links signed for the tenant, so the page
// can open them in <img> and <a> without a token; a copy, the message itself is untouched.
func (s *Server) signedAttachments(tenant uuid.UUID, atts []inbox.Attachment) []inbox.Attachment {
	if s.SignMedia == nil || len(atts) == 0 {
		return atts
	}
	out := make([]inbox.Attachment, len(atts))
	for i, a := range atts {
		a.URL = s.SignMedia(tenant, a.URL)
		out[i] = a
	}
	return out
}
