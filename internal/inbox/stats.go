package inbox

import (
	"context"
	"fmt"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// Statistics computes the v1 conversation statistics.
func (s *Service) Statistics(ctx context.Context, p auth.Principal, f StatsFilter) (ConversationStats, error) {
	if err := require(p, auth.PermConversationsRead, "view statistics"); err != nil {
		return ConversationStats{}, err
	}
	if f.TeamID != nil {
		if _, err := s.store.GetTeam(ctx, p.TenantID, *f.TeamID); err != nil {
			return ConversationStats{}, notFoundAs(err, "Team")
		}
	}
	st, err := s.store.ConversationStats(ctx, p.TenantID, f)
	if err != nil {
		return ConversationStats{}, fmt.Errorf("conversation stats: %w", err)
	}
	return st, nil
}

// InboxStatistics computes the team-inbox statistics with the agent workload.
func (s *Service) InboxStatistics(ctx context.Context, p auth.Principal) (InboxStats, error) {
	if err := require(p, auth.PermConversationsRead, "view statistics"); err != nil {
		return InboxStats{}, err
	}
	st, err := s.store.InboxStats(ctx, p.TenantID, s.now())
	if err != nil {
		return InboxStats{}, fmt.Errorf("inbox stats: %w", err)
	}
	avail, err := s.tenantAvailability(ctx, p.TenantID)
	for i := range st.Agents {
		st.Agents[i].Availability = availabilityOf(avail, st.Agents[i].User.ID)
	}
	return st, err
}

// ListInboxMessages lists messages across the tenant's conversations, newest first.
func (s *Service) ListInboxMessages(ctx context.Context, p auth.Principal, f InboxMessageFilter) ([]InboxMessage, error) {
	if err := require(p, auth.PermConversationsRead, "view messages"); err != nil {
		return nil, err
	}
	dropNUL(&f)
	list, err := s.store.ListInboxMessages(ctx, p.TenantID, f)
	if err != nil { // not found: the before cursor names no message of the tenant
		return nil, notFoundAs(fmt.Errorf("list inbox messages: %w", err), "Message of the before cursor")
	}
	for i := range list {
		list[i].Normalize()
	}
	return list, nil
}
