package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// multipartSlack is what an upload's body may carry besides the file: the multipart framing.
const multipartSlack = 1 << 20

// Uploader stores the files agents upload to send (channels.Media).
type Uploader interface {
	// Upload stores a file and returns it as an attachment whose link is not signed yet.
	Upload(ctx context.Context, p auth.Principal, name string, body []byte) (inbox.Attachment, error)
}

// uploadMedia stores the file of the multipart field "file" and answers it as an attachment
// to send by its media_id.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return inbox.Invalid(map[string]string{"body": `Content-Type must be multipart/form-data, with the file in the field "file"`})
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return inbox.Invalid(map[string]string{"file": `The file is required, in the multipart field "file"`})
		}
		if err != nil {
			return fmt.Errorf("read upload: %w", err) // *http.MaxBytesError: writeError answers 413
		}
		if part.FormName() != "file" {
			continue
		}
		body, err := io.ReadAll(io.LimitReader(part, s.MaxUploadBytes+1))
		if err != nil {
			return fmt.Errorf("read upload: %w", err)
		}
		if int64(len(body)) > s.MaxUploadBytes {
			writeFailure(w, r, http.StatusRequestEntityTooLarge, errorBody{Code: inbox.CodePayloadTooLarge,
				Message: fmt.Sprintf("The file is larger than %d MB", s.MaxUploadBytes>>20)})
			return nil
		}
		p := principal(r.Context())
		a, err := s.Uploads.Upload(r.Context(), p, part.FileName(), body)
		if err != nil {
			return err
		}
		a.URL = s.signedAttachments(p.TenantID, []inbox.Attachment{a})[0].URL
		writeJSON(w, http.StatusCreated, map[string]any{"attachment": a})
		return nil
	}
}
