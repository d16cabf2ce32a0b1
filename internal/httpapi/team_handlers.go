package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// teamView is a team with its member count.
type teamView struct {
	inbox.Team
	MemberCount int `json:"member_count"`
}

func viewTeam(t inbox.Team) teamView {
	t.MemberIDs = nonNil(t.MemberIDs)
	return teamView{Team: t, MemberCount: len(t.MemberIDs)}
}

type teamRequest struct {
	Name      *string     `json:"name"`
	MemberIDs []uuid.UUID `json:"member_ids"`
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teamId")
	if err != nil {
		return err
	}
	t, err := s.Service.GetTeam(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": viewTeam(t)})
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in teamRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.Service.CreateTeam(r.Context(), principal(r.Context()), inbox.TeamInput{Name: in.Name, MemberIDs: in.MemberIDs})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"team": viewTeam(t)})
	return nil
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teamId")
	if err != nil {
		return err
	}
	var in struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	_, t, err := s.Service.RenameTeam(r.Context(), principal(r.Context()), id, inbox.TeamInput{Name: in.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": viewTeam(t)})
	return nil
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teamId")
	if err != nil {
		return err
	}
	_, n, err := s.Service.DeleteTeam(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "unassigned_conversations": n})
	return nil
}

func (s *Server) addTeamMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teamId")
	if err != nil {
		return err
	}
	var in struct {
		UserID *uuid.UUID `json:"user_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.UserID == nil {
		return inbox.Invalid(map[string]string{"user_id": "user_id is required"})
	}
	t, added, err := s.Service.AddTeamMember(r.Context(), principal(r.Context()), id, *in.UserID)
	if err != nil {
		return err
	}
	status := http.StatusOK // already a member: nothing changed
	if added {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"team": viewTeam(t)})
	return nil
}

func (s *Server) removeTeamMember(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "teamId")
	if err != nil {
		return err
	}
	user, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	t, err := s.Service.RemoveTeamMember(r.Context(), principal(r.Context()), id, user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": viewTeam(t)})
	return nil
}

func (s *Server) setAvailability(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Availability *inbox.Availability `json:"availability"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Availability == nil {
		return inbox.Invalid(map[string]string{"availability": "availability is required: online, away or offline"})
	}
	a, err := s.Service.SetAvailability(r.Context(), principal(r.Context()), *in.Availability)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"availability": a})
	return nil
}
