package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/people"
)

type inviteRequest struct {
	Email   string   `json:"email"`
	Role    string   `json:"role"`
	TeamIDs []string `json:"team_ids"`
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	var in inviteRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	teams := bodyIDs(bad, "team_ids", in.TeamIDs)
	if err := bad.Err(); err != nil {
		return err
	}
	inv, err := s.People.Invite(r.Context(), principal(r.Context()), people.InviteInput{Email: in.Email, Role: in.Role, TeamIDs: teams})
	if err != nil {
		return err
	}
	writeInvited(w, http.StatusCreated, inv)
	return nil
}

// writeInvited answers an invitation, and its link when it was not mailed.
func writeInvited(w http.ResponseWriter, status int, inv people.Invited) {
	out := map[string]any{"invitation": inv.Invitation, "mailed": inv.Mailed}
	if inv.Link != "" {
		out["link"] = inv.Link
	}
	writeJSON(w, status, out)
}

type resendRequest struct {
	Mail *bool `json:"mail"`
}

// resendInvitation renews a pending invitation's link; the body is optional.
func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "invitationId")
	if err != nil {
		return err
	}
	var in resendRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	inv, err := s.People.ResendInvitation(r.Context(), principal(r.Context()), id, in.Mail == nil || *in.Mail)
	if err != nil {
		return err
	}
	writeInvited(w, http.StatusOK, inv)
	return nil
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.People.ListInvitations(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": nonNil(list)})
	return nil
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "invitationId")
	if err != nil {
		return err
	}
	if err := s.People.RevokeInvitation(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Invitation revoked"})
	return nil
}

func (s *Server) lookupInvitation(w http.ResponseWriter, r *http.Request) error {
	v, err := s.People.LookupInvitation(r.Context(), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitation": v})
	return nil
}

type acceptRequest struct {
	Token     string `json:"token"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Password  string `json:"password"`
}

// acceptInvitation creates the invited user and logs them in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in acceptRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.People.AcceptInvitation(r.Context(), people.AcceptInput{Token: in.Token, FirstName: in.FirstName, LastName: in.LastName, Password: in.Password})
	if err != nil {
		return err
	}
	return s.answerLogin(w, http.StatusCreated, u)
}

type passwordChange struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword sets the caller's password; every token of theirs stops working, and the
// answer carries a new one.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.People.ChangePassword(r.Context(), principal(r.Context()), in.OldPassword, in.NewPassword)
	if err != nil {
		return err
	}
	return s.answerLogin(w, http.StatusOK, u)
}

// logout revokes every token of the caller (see docs/openapi.yaml: there is one token
// version per user, so logging out is logging out everywhere).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.People.Logout(r.Context(), principal(r.Context())); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Logged out: every token of yours is revoked"})
	return nil
}

type resetRequest struct {
	Email string `json:"email"`
}

// requestPasswordReset always answers 202, whether or not the email is a user's.
func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in resetRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Email == "" || len(in.Email) > maxEmailLength {
		return inbox.Invalid(map[string]string{"email": "Email is required, at most 254 characters"})
	}
	if err := s.People.RequestReset(r.Context(), in.Email); err != nil {
		logFailure(r.Context(), err) // the answer must not tell; the log does
	}
	writeRaw(w, http.StatusAccepted, map[string]any{"success": true, "message": "If this email belongs to an account, a reset link was sent to it"})
	return nil
}

type resetConfirm struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

func (s *Server) confirmPasswordReset(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in resetConfirm
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.People.ConfirmReset(r.Context(), in.Token, in.NewPassword); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Password changed; log in with the new one"})
	return nil
}

func (s *Server) issuePasswordReset(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	link, err := s.People.IssueReset(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"link": link, "expires_at": s.Service.Now().Add(people.ResetTTL)})
	return nil
}

type userPatch struct {
	Role      *string `json:"role"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	var in userPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.People.UpdateUser(r.Context(), principal(r.Context()), id, people.UserChange{Role: in.Role, FirstName: in.FirstName, LastName: in.LastName})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

type deactivateRequest struct {
	ReassignTo json.RawMessage `json:"reassign_to"`
}

// setActive deactivates (with an optional body) or reactivates the path's user.
func (s *Server) setActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "userId")
		if err != nil {
			return err
		}
		var in deactivateRequest
		if r.ContentLength != 0 {
			if err := decodeJSON(r, &in); err != nil {
				return err
			}
		}
		bad := inbox.Fields{}
		to := optionalID(bad, "reassign_to", in.ReassignTo)
		if err := bad.Err(); err != nil {
			return err
		}
		out, err := s.People.SetActive(r.Context(), principal(r.Context()), id, people.SetActiveInput{Active: active, ReassignTo: to})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

type reassignRequest struct {
	ToUserID json.RawMessage `json:"to_user_id"`
}

func (s *Server) reassign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	var in reassignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	to := optionalID(bad, "to_user_id", in.ToUserID)
	if err := bad.Err(); err != nil {
		return err
	}
	n, err := s.People.Reassign(r.Context(), principal(r.Context()), id, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"reassigned": n})
	return nil
}
