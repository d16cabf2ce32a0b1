package httpapi

import (
	"net/http"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// exportBusiness streams the caller's business as NDJSON. An error before the first line is
// answered in the envelope; one after cuts the download short, so that a client never takes
// a partial export for a whole one.
func (s *Server) exportBusiness(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	lw := &lazyHeaders{ResponseWriter: w, set: func(h http.Header) {
		h.Set("Content-Type", "application/x-ndjson")
		h.Set("Content-Disposition", `attachment; filename="business-`+p.TenantID.String()+`.ndjson"`)
	}}
	if _, err := s.Business.Export(r.Context(), p, lw); err != nil {
		if !lw.started {
			return err
		}
		logFailure(r.Context(), err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// lazyHeaders sets the response's headers at its first write.
type lazyHeaders struct {
	http.ResponseWriter
	set     func(http.Header)
	started bool
}

func (l *lazyHeaders) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set(l.Header())
		l.WriteHeader(http.StatusOK)
	}
	return l.ResponseWriter.Write(p)
}

func (s *Server) deleteBusiness(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Confirm *string `json:"confirm"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Confirm == nil {
		return inbox.Invalid(map[string]string{"confirm": "Required: the business's name"})
	}
	p := principal(r.Context())
	if err := s.Business.Delete(r.Context(), p, *in.Confirm); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"business_id": p.TenantID, "deleted": true})
	return nil
}

func (s *Server) eraseContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "contactId")
	if err != nil {
		return err
	}
	e, err := s.Business.EraseContact(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact_id": id, "erased": e})
	return nil
}
