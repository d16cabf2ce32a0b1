package inbox

import (
	"context"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
)

// Auditor records administrative actions (audit.Log).
type Auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
}

// SetAuditor has the settings use cases (channels, tags) recorded by a; call it before the
// service is used. Without one they are not recorded.
func (s *Service) SetAuditor(a Auditor) { s.auditor = a }

// audit records a change that has been made. A failure is logged, not returned: the change
// is committed, and an error would have the client make it again.
func (s *Service) audit(ctx context.Context, p auth.Principal, c audit.Change) {
	if s.auditor == nil {
		return
	}
	if err := s.auditor.Record(ctx, p, c); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", c.Action, "object_id", c.ObjectID, "err", err)
	}
}
