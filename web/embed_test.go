package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandler: the app's views and public pages are its index.html, with the CSP; anything
// else under /app/ but the built assets is a 404 (the plain pages of links are retired).
func TestHandler(t *testing.T) {
	h := Handler()
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	for _, path := range []string{"/", "/inbox", "/inbox/c/x", "/reports", "/settings/account", "/setup", "/signup", "/accept", "/reset-password"} {
		w := get(path)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<div id="app"></div>`) {
			t.Errorf("GET %s: %d, want the app's page:\n%s", path, w.Code, w.Body)
		}
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, w.Header().Get("Content-Security-Policy"))
		}
	}
	for _, path := range []string{"/app/setup.html", "/app/form.js", "/app/index.html", "/signup/x", "/accepted"} {
		if w := get(path); w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
}
