package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/templates"
)

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.templates(w, r, s.Templates.List)
}

func (s *Server) syncTemplates(w http.ResponseWriter, r *http.Request) error {
	return s.templates(w, r, s.Templates.Sync)
}

// templates answers with the channel's templates as op returns them.
func (s *Server) templates(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, p auth.Principal, channelID uuid.UUID) ([]templates.View, error)) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	list, err := op(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": list})
	return nil
}
