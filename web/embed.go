// Package web holds the agents' app, built from web/src into web/dist by Vite and committed so
// the server builds without Node, embedded in the binary.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed dist
var files embed.FS

// appAreas are the paths of the app's views (web/src/lib/router.svelte.ts).
var appAreas = []string{"/inbox", "/reports", "/settings"}

// publicPages are the app's pages for the signed-out, at the paths of the links the server
// mails or prints (router.svelte.ts publicPages). Whether one is served at all (the setup page
// only with its token, sign-up only when it is on) is the API server's routing.
var publicPages = []string{"/setup", "/signup", "/accept", "/reset-password"}

// isAppView reports whether path is one of the app's views, served by its one page.
func isAppView(path string) bool {
	if path == "/" {
		return true
	}
	for _, p := range publicPages {
		if path == p {
			return true
		}
	}
	for _, a := range appAreas {
		if path == a || strings.HasPrefix(path, a+"/") {
			return true
		}
	}
	return false
}

// Handler serves the app's page at /, /inbox/..., /reports, /settings/... and the public pages,
// and its built assets under /app/assets/.
func Handler() http.Handler {
	dist, _ := fs.Sub(files, "dist")
	built := http.StripPrefix("/app/", http.FileServerFS(dist))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob: https:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		switch {
		case isAppView(r.URL.Path):
			// Every view of the app is the same page; it routes by the URL itself.
			h.Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, dist, "index.html")
		case strings.HasPrefix(r.URL.Path, "/app/assets/"):
			// Built file names carry a hash of their content.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			built.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
