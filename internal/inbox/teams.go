package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
)

// TeamQueries reads and writes teams and their members, in the same transactions as the
// conversations a team's changes touch.
type TeamQueries interface {
	// CreateTeam stores the team and its MemberIDs.
	CreateTeam(ctx context.Context, t Team) error
	GetTeam(ctx context.Context, tenant, id uuid.UUID) (Team, error)
	ListTeams(ctx context.Context, tenant uuid.UUID) ([]Team, error)
	// RenameTeam writes the team's name: ErrNotFound when the tenant has no such team,
	// ErrDuplicate when it has another of that name in any case.
	RenameTeam(ctx context.Context, tenant, id uuid.UUID, name string) error
	// DeleteTeam deletes the team and its memberships: ErrInUse while conversations are
	// assigned to it, ErrNotFound when the tenant has no such team.
	DeleteTeam(ctx context.Context, tenant, id uuid.UUID) error
	// AddTeamMember makes a user of the tenant a member; false when it already was one.
	AddTeamMember(ctx context.Context, tenant, team, user uuid.UUID) (bool, error)
	// RemoveTeamMember reports false when the user was no member.
	RemoveTeamMember(ctx context.Context, tenant, team, user uuid.UUID) (bool, error)
	// TeamConversations lists the ids of up to limit conversations assigned to the team.
	TeamConversations(ctx context.Context, tenant, team uuid.UUID, limit int) ([]uuid.UUID, error)
}

// teamUnassignBatch is how many conversations one transaction of a team's deletion
// unassigns: each costs a row lock, an update, a system message and two events, so a team
// with 100,000 conversations is 500 transactions of a few milliseconds each, never one that
// holds the tenant's event counter for minutes.
const teamUnassignBatch = 200

// TeamInput is a team's editable fields: Name (nil leaves it), and the first members.
type TeamInput struct {
	Name      *string
	MemberIDs []uuid.UUID
}

func teamName(in *string, bad Fields) string {
	if in == nil {
		bad.Add("name", "Name is required")
		return ""
	}
	dropNUL(in)
	name := strings.TrimSpace(*in)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		bad.Add("name", "Name is required, at most 100 characters")
	}
	return name
}

func teamConflict(err error) error {
	if errors.Is(err, ErrDuplicate) {
		return Conflict(ReasonNameTaken, "A team with this name already exists")
	}
	return err
}

// GetTeam returns one team of the caller's tenant with its members.
func (s *Service) GetTeam(ctx context.Context, p auth.Principal, id uuid.UUID) (Team, error) {
	if err := require(p, auth.PermConversationsRead, "view teams"); err != nil {
		return Team{}, err
	}
	t, err := s.store.GetTeam(ctx, p.TenantID, id)
	return t, notFoundAs(err, "Team")
}

// CreateTeam adds a team, with members when given; names are unique per tenant in any case.
func (s *Service) CreateTeam(ctx context.Context, p auth.Principal, in TeamInput) (Team, error) {
	if err := require(p, auth.PermSettingsWrite, "manage teams"); err != nil {
		return Team{}, err
	}
	bad := Fields{}
	t := Team{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: teamName(in.Name, bad), CreatedAt: s.now()}
	if len(in.MemberIDs) > 1000 {
		bad.Add("member_ids", "At most 1000 members")
	}
	if err := bad.Err(); err != nil {
		return Team{}, err
	}
	t.MemberIDs = slices.Compact(slices.SortedFunc(slices.Values(in.MemberIDs), compareIDs))
	err := s.store.InTx(ctx, func(q Queries) error {
		return notFoundAs(teamConflict(q.CreateTeam(ctx, t)), "User")
	})
	if err != nil {
		return Team{}, err
	}
	s.audit(ctx, p, audit.Change{Action: "team.created", ObjectType: "team", ObjectID: t.ID.String(), After: t})
	return t, nil
}

func compareIDs(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) }

// RenameTeam changes a team's name.
func (s *Service) RenameTeam(ctx context.Context, p auth.Principal, id uuid.UUID, in TeamInput) (before, after Team, err error) {
	if err := require(p, auth.PermSettingsWrite, "manage teams"); err != nil {
		return Team{}, Team{}, err
	}
	bad := Fields{}
	name := teamName(in.Name, bad)
	if err := bad.Err(); err != nil {
		return Team{}, Team{}, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		tq := TeamQueries(q)
		if before, err = q.GetTeam(ctx, p.TenantID, id); err != nil {
			return notFoundAs(err, "Team")
		}
		after = before
		after.Name = name
		return teamConflict(tq.RenameTeam(ctx, p.TenantID, id, name))
	})
	if err != nil {
		return Team{}, Team{}, err
	}
	if before.Name != after.Name {
		s.audit(ctx, p, audit.Change{Action: "team.renamed", ObjectType: "team", ObjectID: id.String(), Before: before, After: after})
	}
	return before, after, nil
}

// AddTeamMember makes a user of the tenant a member of the team. Adding a member again
// changes nothing and is no error (added is false): the caller wants the user in the team,
// and is.
func (s *Service) AddTeamMember(ctx context.Context, p auth.Principal, team, user uuid.UUID) (t Team, added bool, err error) {
	return s.changeMember(ctx, p, team, user, true)
}

// RemoveTeamMember takes a user out of the team; 404 when the user is no member.
func (s *Service) RemoveTeamMember(ctx context.Context, p auth.Principal, team, user uuid.UUID) (Team, error) {
	t, _, err := s.changeMember(ctx, p, team, user, false)
	return t, err
}

func (s *Service) changeMember(ctx context.Context, p auth.Principal, team, user uuid.UUID, add bool) (t Team, changed bool, err error) {
	if err := require(p, auth.PermSettingsWrite, "manage teams"); err != nil {
		return Team{}, false, err
	}
	err = s.store.InTx(ctx, func(q Queries) error {
		tq := TeamQueries(q)
		if _, err := q.GetTeam(ctx, p.TenantID, team); err != nil {
			return notFoundAs(err, "Team")
		}
		if _, err := q.GetUser(ctx, p.TenantID, user); err != nil {
			return notFoundAs(err, "User")
		}
		if add {
			changed, err = tq.AddTeamMember(ctx, p.TenantID, team, user)
		} else if changed, err = tq.RemoveTeamMember(ctx, p.TenantID, team, user); err == nil && !changed {
			return NotFound("Member of this team")
		}
		if err != nil {
			return fmt.Errorf("change team member: %w", err)
		}
		t, err = q.GetTeam(ctx, p.TenantID, team)
		return err
	})
	if err != nil || !changed {
		return t, changed, err
	}
	member := map[string]uuid.UUID{"team_id": team, "user_id": user}
	if add {
		s.audit(ctx, p, audit.Change{Action: "team.member_added", ObjectType: "team", ObjectID: team.String(), After: member})
	} else {
		s.audit(ctx, p, audit.Change{Action: "team.member_removed", ObjectType: "team", ObjectID: team.String(), Before: member})
	}
	return t, true, nil
}

// DeleteTeam deletes a team. Its conversations lose their team first, each with a system
// message and an assignment_update event as if the caller had unassigned it, in
// transactions of teamUnassignBatch conversations; the team goes in the last. It returns the
// team as it was and how many conversations it unassigned. A failure part way leaves the team
// with fewer conversations, and deleting it again finishes the work.
func (s *Service) DeleteTeam(ctx context.Context, p auth.Principal, id uuid.UUID) (Team, int, error) {
	if err := require(p, auth.PermSettingsWrite, "manage teams"); err != nil {
		return Team{}, 0, err
	}
	t, err := s.store.GetTeam(ctx, p.TenantID, id)
	if err != nil {
		return Team{}, 0, notFoundAs(err, "Team")
	}
	note := fmt.Sprintf("Team %s was deleted", t.Name)
	unassigned := 0
	for done := false; !done; {
		n := 0
		err := s.write(ctx, p.TenantID, func(q Queries, em *emitter) error {
			n, done = 0, false // a retried transaction starts again
			tq := TeamQueries(q)
			ids, err := tq.TeamConversations(ctx, p.TenantID, id, teamUnassignBatch)
			if err != nil {
				return fmt.Errorf("team conversations: %w", err)
			}
			for _, cid := range ids {
				c, actor, err := lockWithActor(ctx, q, p, cid)
				if err != nil {
					return err
				}
				if !sameID(c.AssignedTeamID, &id) {
					continue // reassigned since it was listed
				}
				before := c
				c.AssignedTeamID, c.AssignedTeam = nil, nil
				if _, err := s.applyAssignment(ctx, q, em, p, before, c, actor, note); err != nil {
					return err
				}
				n++
			}
			if len(ids) == teamUnassignBatch {
				return nil
			}
			// Assigned meanwhile: the next round unassigns them.
			if err := tq.DeleteTeam(ctx, p.TenantID, id); !errors.Is(err, ErrInUse) {
				done = true
				return notFoundAs(err, "Team")
			}
			return nil
		})
		if err != nil {
			return Team{}, unassigned, err
		}
		unassigned += n
	}
	s.audit(ctx, p, audit.Change{Action: "team.deleted", ObjectType: "team", ObjectID: id.String(), Before: t,
		After: map[string]int{"unassigned_conversations": unassigned}})
	return t, unassigned, nil
}
