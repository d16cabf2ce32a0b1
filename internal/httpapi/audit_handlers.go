package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// AuditLog lists a tenant's administrative actions (audit.Log).
type AuditLog interface {
	List(ctx context.Context, tenant uuid.UUID, f audit.Filter) ([]audit.Entry, error)
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := audit.Filter{
		Action:     q.str("action", 100),
		ObjectType: q.str("object_type", 100),
		ObjectID:   q.str("object_id", 100),
		ActorID:    q.id("actor_id"),
		From:       q.instant("from"),
		To:         q.instant("to"),
		Before:     q.id("before"),
		Limit:      q.intRange("limit", 50, 1, audit.MaxLimit),
	}
	if err := q.err(); err != nil {
		return err
	}
	entries, err := s.Audit.List(r.Context(), principal(r.Context()).TenantID, f)
	if errors.Is(err, inbox.ErrNotFound) {
		return inbox.Invalid(map[string]string{"before": "No entry of the audit log has this id"})
	}
	if err != nil {
		return err
	}
	var next *uuid.UUID
	if len(entries) == f.Limit {
		next = &entries[len(entries)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries, "limit": f.Limit, "next_before": next})
	return nil
}
