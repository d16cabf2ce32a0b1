package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyTimeout bounds each readiness check: a check that hangs is down.
const readyTimeout = 3 * time.Second

// readyz answers 200 when the database and every other check (NATS, the outbox worker) are
// up, and 503 naming those that are down otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := append([]Check{{Name: "database", Ready: s.Ready}}, s.Checks...)
	state, down := map[string]string{}, map[string]string{}
	var names []string
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.Ready(ctx)
		cancel()
		state[c.Name] = "up"
		if err == nil {
			continue
		}
		s.Log.WarnContext(r.Context(), "not ready", "check", c.Name, "err", err)
		state[c.Name], down[c.Name] = "down", err.Error()
		if c.Name == "database" { // the driver's message may name hosts
			down[c.Name] = "not reachable"
		}
		names = append(names, c.Name)
	}
	if len(down) > 0 {
		writeFailure(w, r, http.StatusServiceUnavailable, errorBody{Code: inbox.CodeNotReady,
			Message: "Not ready: " + strings.Join(names, ", ") + " down", Details: down})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": state})
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(s.OpenAPI)
	return err
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      inbox.User `json:"user"`
}

// login checks a password, within two limits: per IP (LoginRate) and per account (the
// accountGuard's backoff), both answered 429 with Retry-After.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in loginRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	if in.Email == "" {
		bad.Add("email", "Email is required")
	}
	if in.Password == "" {
		bad.Add("password", "Password is required")
	}
	if len(in.Email) > maxEmailLength {
		bad.Add("email", fmt.Sprintf("Email must be at most %d characters", maxEmailLength))
	}
	if err := bad.Err(); err != nil {
		return err
	}
	account, now := accountOf(in.Email), s.Service.Now()
	if wait := s.accounts.locked(account, now); wait > 0 {
		tooManyLogins(w, r, wait)
		return nil
	}
	u, err := s.Service.Authenticate(r.Context(), s.Passwords, in.Email, in.Password)
	var refused *inbox.Error
	if errors.As(err, &refused) {
		s.accounts.failed(account, now)
	}
	if err != nil {
		return err
	}
	if s.TwoFactor != nil { // the account's failures are cleared after the second step
		challenge, err := s.TwoFactor.Challenge(r.Context(), u)
		if err != nil || challenge != "" {
			return s.challenged(w, challenge, err)
		}
	}
	s.accounts.succeeded(account)
	return s.loggedIn(w, u)
}

// loggedIn answers a login token for u.
func (s *Server) loggedIn(w http.ResponseWriter, u inbox.User) error {
	token, err := s.Tokens.Issue(u.Principal(), auth.AudienceAPI, s.TokenTTL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: s.Service.Now().Add(s.TokenTTL), User: u})
	return nil
}

func tooManyLogins(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	writeFailure(w, r, http.StatusTooManyRequests, errorBody{Code: inbox.CodeRateLimited, Message: "Too many login attempts; try again shortly"})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Service.Me(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Service.ListUsers(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": nonNil(users)})
	return nil
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.Service.ListTeams(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	for i := range teams {
		teams[i].MemberIDs = nonNil(teams[i].MemberIDs)
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": nonNil(teams)})
	return nil
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
