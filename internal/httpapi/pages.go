package httpapi

import (
	"net/http"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// page serves the app's page at the path of a link the server mails or prints (/accept,
// /reset-password) or of sign-up. The app reads the link's token itself and shows, in words,
// what the API answers about it, so a missing or bad token is explained, not a 404.
func (s *Server) page(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds the link's token
	s.Web.ServeHTTP(w, r)
	return nil
}

// signupPage serves the app's sign-up page when TEAMINBOX_SIGNUP is on, and a 404 otherwise,
// so the app's login page knows from HEAD /signup whether to offer it.
func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) error {
	if !s.Signup {
		writeFailure(w, r, http.StatusNotFound, errorBody{Code: inbox.CodeNotFound, Message: "Sign-up is not open on this server"})
		return nil
	}
	return s.page(w, r)
}
