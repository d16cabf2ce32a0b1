package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
)

// ListConversations returns a page of the tenant's conversations and the total.
func (s *Service) ListConversations(ctx context.Context, p auth.Principal, f ConversationFilter) ([]Conversation, int, error) {
	if err := require(p, auth.PermConversationsRead, "view conversations"); err != nil {
		return nil, 0, err
	}
	dropNUL(&f)
	list, total, err := s.store.ListConversations(ctx, p.TenantID, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list conversations: %w", err)
	}
	return list, total, nil
}

// SearchConversations returns a page of a search in the list's default order, after the
// cursor (from the top when nil), and how many matches it counted.
func (s *Service) SearchConversations(ctx context.Context, p auth.Principal, f ConversationFilter, after *ListCursor) (SearchPage, error) {
	if err := require(p, auth.PermConversationsRead, "view conversations"); err != nil {
		return SearchPage{}, err
	}
	dropNUL(&f)
	page, err := s.store.SearchConversations(ctx, p.TenantID, f, after)
	if err != nil {
		return SearchPage{}, fmt.Errorf("search conversations: %w", err)
	}
	return page, nil
}

// GetConversation returns one conversation of the caller's tenant.
func (s *Service) GetConversation(ctx context.Context, p auth.Principal, id uuid.UUID) (Conversation, error) {
	if err := require(p, auth.PermConversationsRead, "view conversations"); err != nil {
		return Conversation{}, err
	}
	c, err := s.store.GetConversation(ctx, p.TenantID, id)
	if err != nil {
		return Conversation{}, notFoundAs(err, "Conversation")
	}
	return c, nil
}

// ListMessages returns a page of a conversation's messages, internal notes included
// (every caller here is a business user).
func (s *Service) ListMessages(ctx context.Context, p auth.Principal, conversationID uuid.UUID, page MessagePage) ([]Message, int, error) {
	if err := require(p, auth.PermConversationsRead, "view conversations"); err != nil {
		return nil, 0, err
	}
	page.IncludeInternal = true
	msgs, total, err := s.store.ListMessages(ctx, p.TenantID, conversationID, page)
	if err != nil {
		return nil, 0, notFoundAs(err, "Conversation")
	}
	for i := range msgs {
		msgs[i].Normalize()
	}
	return msgs, total, nil
}

// Now is the service's clock, for views that depend on time (the reply window).
func (s *Service) Now() time.Time { return s.now() }

// NewConversation is the input of StartConversation.
type NewConversation struct {
	ContactID uuid.UUID
	ChannelID uuid.UUID
	Type      string
	Priority  Priority
	Category  string
}

// StartConversation opens a conversation with a contact on a channel, or returns the open
// one that already exists (one open conversation per contact and channel).
func (s *Service) StartConversation(ctx context.Context, p auth.Principal, in NewConversation) (Conversation, bool, error) {
	if err := require(p, auth.PermConversationsUpdate, "start conversations"); err != nil {
		return Conversation{}, false, err
	}
	dropNUL(&in)
	bad := Fields{}
	if in.Priority == "" {
		in.Priority = PriorityMedium
	} else if !slices.Contains(Priorities, in.Priority) {
		bad.Add("priority", "Priority must be one of: low, medium, high, urgent")
	}
	if in.Type == "" {
		in.Type = "support"
	}
	if err := bad.Err(); err != nil {
		return Conversation{}, false, err
	}
	var id uuid.UUID
	created := false
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		if _, err := q.GetContact(ctx, p.TenantID, in.ContactID); err != nil {
			return notFoundAs(err, "Contact")
		}
		if _, err := q.GetChannel(ctx, p.TenantID, in.ChannelID); err != nil {
			return notFoundAs(err, "Channel")
		}
		open, err := q.FindOpenConversation(ctx, p.TenantID, in.ContactID, in.ChannelID)
		if err == nil {
			id = open
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("find open conversation: %w", err)
		}
		c := Conversation{
			ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, ContactID: in.ContactID, ChannelID: in.ChannelID,
			Type: in.Type, Status: StatusActive, Priority: in.Priority, Category: in.Category,
			CreatedAt: em.now, UpdatedAt: em.now,
		}
		if err := q.CreateConversation(ctx, c); err != nil {
			return fmt.Errorf("create conversation: %w", err)
		}
		id, created = c.ID, true
		return s.emitConversation(ctx, q, em, c.ID, "created")
	})
	if err != nil {
		return Conversation{}, false, err
	}
	c, err := s.store.GetConversation(ctx, p.TenantID, id)
	return c, created, err
}

// emitConversation emits a conversation_update event with the conversation's current view.
func (s *Service) emitConversation(ctx context.Context, q Queries, em *emitter, id uuid.UUID, reason string) error {
	c, err := q.GetConversation(ctx, em.tenant, id)
	if err != nil {
		return fmt.Errorf("reload conversation: %w", err)
	}
	em.emit(EventConversationUpdate, &c, ConversationEvent{Reason: reason, Conversation: c.View(em.now)})
	return nil
}

// SetStatus changes a conversation's status, writes a system message saying who did it, and
// emits ticket_update. Closing sets resolved_at and closed_at; reopening clears them.
func (s *Service) SetStatus(ctx context.Context, p auth.Principal, id uuid.UUID, status Status, note string) (StatusUpdate, error) {
	if err := require(p, auth.PermConversationsUpdate, "update conversation status"); err != nil {
		return StatusUpdate{}, err
	}
	dropNUL(&note)
	if !slices.Contains(Statuses, status) {
		return StatusUpdate{}, Invalid(map[string]string{"status": "Status must be one of: active, pending, closed"})
	}
	var out StatusUpdate
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		c, actor, err := lockWithActor(ctx, q, p, id)
		if err != nil {
			return err
		}
		out = StatusUpdate{ID: c.ID, Status: status, PreviousStatus: c.Status, Note: note, UpdatedAt: c.UpdatedAt, UpdatedBy: actor}
		if c.Status == status {
			return nil // nothing changes, nothing to tell
		}
		c.Status, c.UpdatedAt = status, em.now
		if status == StatusClosed {
			c.ResolvedAt, c.ClosedAt = ptr(em.now), ptr(em.now)
		} else {
			c.ResolvedAt, c.ClosedAt = nil, nil
		}
		if err := q.SaveConversation(ctx, c); err != nil {
			return fmt.Errorf("save conversation: %w", err)
		}
		text := fmt.Sprintf("Status changed from %s to %s by %s", out.PreviousStatus, status, actor.Name())
		if err := s.systemMessage(ctx, q, em, &c, p.UserID, text, "status_changed", out); err != nil {
			return err
		}
		out.UpdatedAt = em.now
		em.emit(EventTicketUpdate, &c, out)
		return nil
	})
	return out, err
}

// SetPriority changes a conversation's priority and writes a system message saying who did it.
// That message's new_message frame carries the conversation with its new priority, so agents'
// lists and threads need no event of its own.
func (s *Service) SetPriority(ctx context.Context, p auth.Principal, id uuid.UUID, priority Priority) (PriorityUpdate, error) {
	if err := require(p, auth.PermConversationsUpdate, "update conversation priority"); err != nil {
		return PriorityUpdate{}, err
	}
	if !slices.Contains(Priorities, priority) {
		return PriorityUpdate{}, Invalid(map[string]string{"priority": "Priority must be one of: low, medium, high, urgent"})
	}
	var out PriorityUpdate
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		c, actor, err := lockWithActor(ctx, q, p, id)
		if err != nil {
			return err
		}
		out = PriorityUpdate{ID: c.ID, Priority: priority, PreviousPriority: c.Priority, UpdatedAt: c.UpdatedAt, UpdatedBy: actor}
		if c.Priority == priority {
			return nil // nothing changes, nothing to tell
		}
		c.Priority, c.UpdatedAt = priority, em.now
		if err := q.SaveConversation(ctx, c); err != nil {
			return fmt.Errorf("save conversation: %w", err)
		}
		text := fmt.Sprintf("Priority changed from %s to %s by %s", out.PreviousPriority, priority, actor.Name())
		out.UpdatedAt = em.now
		return s.systemMessage(ctx, q, em, &c, p.UserID, text, "priority_changed", out)
	})
	return out, err
}

// lockWithActor locks the tenant's conversation id for a change by p, and returns it with p
// as the change's actor.
func lockWithActor(ctx context.Context, q Queries, p auth.Principal, id uuid.UUID) (Conversation, UserRef, error) {
	c, err := q.LockConversation(ctx, p.TenantID, id)
	if err != nil {
		return Conversation{}, UserRef{}, notFoundAs(err, "Conversation")
	}
	actor, err := actorRef(ctx, q, p)
	return c, actor, err
}

// OptionalID is a JSON field that may be absent (leave as is), null (clear) or an id.
type OptionalID struct {
	Set bool
	ID  *uuid.UUID
}

// AssignInput is the body of an assignment.
type AssignInput struct {
	User OptionalID
	Team OptionalID
	Note string
}

// Assign sets or clears a conversation's user and team, writes a system message, and emits
// assignment_update.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id uuid.UUID, in AssignInput) (AssignmentUpdate, error) {
	if err := require(p, auth.PermConversationsUpdate, "assign conversations"); err != nil {
		return AssignmentUpdate{}, err
	}
	dropNUL(&in)
	if !in.User.Set && !in.Team.Set {
		return AssignmentUpdate{}, Invalid(map[string]string{"assigned_user_id": "Give assigned_user_id, assigned_team_id or both (null to unassign)"})
	}
	var out AssignmentUpdate
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		c, actor, err := lockWithActor(ctx, q, p, id)
		if err != nil {
			return err
		}
		before := c
		if in.User.Set {
			c.AssignedUserID, c.AssignedUser = in.User.ID, nil
			if in.User.ID != nil {
				u, err := q.GetUser(ctx, p.TenantID, *in.User.ID)
				if err != nil {
					return notFoundAs(err, "User")
				}
				c.AssignedUser = ptr(u.Ref())
			}
		}
		if in.Team.Set {
			c.AssignedTeamID, c.AssignedTeam = in.Team.ID, nil
			if in.Team.ID != nil {
				t, err := q.GetTeam(ctx, p.TenantID, *in.Team.ID)
				if err != nil {
					return notFoundAs(err, "Team")
				}
				c.AssignedTeam = &TeamRef{ID: t.ID, Name: t.Name}
			}
		}
		out, err = s.applyAssignment(ctx, q, em, p, before, c, actor, in.Note)
		return err
	})
	return out, err
}

// applyAssignment saves c's user and team, changed from before (c as locked) by actor, with
// a system message and an assignment_update event; when neither changed it only describes c.
func (s *Service) applyAssignment(ctx context.Context, q Queries, em *emitter, p auth.Principal, before, c Conversation, actor UserRef, note string) (AssignmentUpdate, error) {
	out := AssignmentUpdate{ID: c.ID, AssignedUser: c.AssignedUser, AssignedTeam: c.AssignedTeam, Note: note, UpdatedAt: c.UpdatedAt, UpdatedBy: actor}
	if sameID(before.AssignedUserID, c.AssignedUserID) && sameID(before.AssignedTeamID, c.AssignedTeamID) {
		return out, nil
	}
	c.UpdatedAt = em.now
	if err := q.SaveConversation(ctx, c); err != nil {
		return out, fmt.Errorf("save conversation: %w", err)
	}
	if err := s.systemMessage(ctx, q, em, &c, p.UserID, assignmentText(c, actor), "assigned", out); err != nil {
		return out, err
	}
	out.UpdatedAt = em.now
	em.emit(EventAssignmentUpdate, &c, out)
	return out, nil
}

func assignmentText(c Conversation, actor UserRef) string {
	var parts []string
	if c.AssignedUser != nil {
		parts = append(parts, c.AssignedUser.Name())
	}
	if c.AssignedTeam != nil {
		parts = append(parts, c.AssignedTeam.Name)
	}
	if len(parts) == 0 {
		return "Unassigned by " + actor.Name()
	}
	return fmt.Sprintf("Assigned to %s by %s", strings.Join(parts, " / "), actor.Name())
}

func sameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// AddTag puts a tag of the tenant on a conversation; adding it twice is not an error.
func (s *Service) AddTag(ctx context.Context, p auth.Principal, conversationID, tagID uuid.UUID) (Tag, error) {
	return s.changeTag(ctx, p, conversationID, tagID, "added")
}

// RemoveTag takes a tag off a conversation; 404 when it is not on it.
func (s *Service) RemoveTag(ctx context.Context, p auth.Principal, conversationID, tagID uuid.UUID) error {
	_, err := s.changeTag(ctx, p, conversationID, tagID, "removed")
	return err
}

func (s *Service) changeTag(ctx context.Context, p auth.Principal, conversationID, tagID uuid.UUID, action string) (Tag, error) {
	if err := require(p, auth.PermConversationsUpdate, "tag conversations"); err != nil {
		return Tag{}, err
	}
	var tag Tag
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		c, err := q.LockConversation(ctx, p.TenantID, conversationID)
		if err != nil {
			return notFoundAs(err, "Conversation")
		}
		if tag, err = q.GetTag(ctx, p.TenantID, tagID); err != nil {
			return notFoundAs(err, "Tag")
		}
		var changed bool
		if action == "added" {
			changed, err = q.AddConversationTag(ctx, p.TenantID, c.ID, tag.ID)
		} else {
			changed, err = q.RemoveConversationTag(ctx, p.TenantID, c.ID, tag.ID)
		}
		if err != nil {
			return fmt.Errorf("tag %s: %w", action, err)
		}
		if !changed {
			if action == "removed" {
				return NotFound("Tag on this conversation")
			}
			return nil
		}
		c.UpdatedAt = em.now
		if err := q.SaveConversation(ctx, c); err != nil {
			return fmt.Errorf("save conversation: %w", err)
		}
		actor, err := actorRef(ctx, q, p)
		if err != nil {
			return err
		}
		after, err := q.GetConversation(ctx, p.TenantID, c.ID)
		if err != nil {
			return fmt.Errorf("reload conversation: %w", err)
		}
		em.emit(EventTagUpdate, &after, TagEvent{ConversationID: c.ID, Action: action, Tag: tag, Tags: after.Tags, UpdatedBy: actor})
		return nil
	})
	return tag, err
}

// MarkRead marks a conversation's inbound messages read by an agent and emits
// conversation_update with reason "read" when anything changed.
func (s *Service) MarkRead(ctx context.Context, p auth.Principal, conversationID uuid.UUID) (int, error) {
	if err := require(p, auth.PermConversationsUpdate, "mark conversations read"); err != nil {
		return 0, err
	}
	var n int
	err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
		if _, err := q.LockConversation(ctx, p.TenantID, conversationID); err != nil {
			return notFoundAs(err, "Conversation")
		}
		var err error
		if n, err = q.MarkConversationRead(ctx, p.TenantID, conversationID); err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
		if n == 0 {
			return nil
		}
		return s.emitConversation(ctx, q, em, conversationID, "read")
	})
	return n, err
}
