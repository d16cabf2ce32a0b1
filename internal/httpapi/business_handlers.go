package httpapi

import (
	"net/http"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenancy"
)

func (s *Server) getBusiness(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Tenancy.Business(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"business": t})
	return nil
}

type businessPatch struct {
	Name                    *string `json:"name"`
	TimeZone                *string `json:"time_zone"`
	DefaultTemplateLanguage *string `json:"default_template_language"`
}

func (s *Server) updateBusiness(w http.ResponseWriter, r *http.Request) error {
	var in businessPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	_, t, err := s.Tenancy.UpdateBusiness(r.Context(), principal(r.Context()),
		tenancy.Settings{Name: in.Name, TimeZone: in.TimeZone, DefaultTemplateLanguage: in.DefaultTemplateLanguage})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"business": t})
	return nil
}

type newBusinessRequest struct {
	BusinessName string `json:"business_name"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	TimeZone     string `json:"time_zone"`
}

func (in newBusinessRequest) business() tenancy.NewBusiness {
	return tenancy.NewBusiness{BusinessName: in.BusinessName, FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Password: in.Password, TimeZone: in.TimeZone}
}

// signup creates a business and its super admin when TEAMINBOX_SIGNUP is on (404 otherwise),
// within the login's limit per IP, and answers a login token.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if !s.Signup {
		writeFailure(w, r, http.StatusNotFound, errorBody{Code: inbox.CodeNotFound, Message: "Sign-up is not open on this server"})
		return nil
	}
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in newBusinessRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	_, u, err := s.Tenancy.Signup(r.Context(), in.business())
	if err != nil {
		return err
	}
	return s.answerLogin(w, http.StatusCreated, u)
}

type setupRequest struct {
	Token string `json:"token"`
	newBusinessRequest
}

// setup creates a new server's first business with the token of the link the server printed
// at start, and answers a login token.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in setupRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return inbox.Invalid(map[string]string{"token": "Required: the token of the setup link the server printed to its log at start"})
	}
	_, u, err := s.Tenancy.Setup(r.Context(), in.Token, in.business())
	if err != nil {
		return err
	}
	return s.answerLogin(w, http.StatusCreated, u)
}

// setupPage serves the app's "create your business" page, only with the setup link's token.
func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.Tenancy.SetupOpen(r.Context(), r.URL.Query().Get("token")); err != nil {
		return err
	}
	return s.page(w, r)
}

// answerLogin answers a login token for u, as POST /v1/auth/login does.
func (s *Server) answerLogin(w http.ResponseWriter, status int, u inbox.User) error {
	token, err := s.Tokens.Issue(u.Principal(), auth.AudienceAPI, s.TokenTTL)
	if err != nil {
		return err
	}
	writeJSON(w, status, loginResponse{Token: token, ExpiresAt: s.Service.Now().Add(s.TokenTTL), User: u})
	return nil
}
