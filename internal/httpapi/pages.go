package httpapi

import "net/http"

// page serves file, a page of the web handler, at the path of a link the server mails or
// prints (/accept, /reset-password). The page reads the link's token itself and shows, in
// words, what the API answers about it, so a missing or bad token is explained, not a 404.
func (s *Server) page(file string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.servePage(w, r, file)
		return nil
	}
}

// servePage answers the web handler's /app/file for r.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, file string) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL holds the link's token
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/app/" + file
	s.Web.ServeHTTP(w, r2)
}
