package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/report"
	"github.com/teaminbox/teaminbox/internal/templates"
	"github.com/teaminbox/teaminbox/internal/tenancy"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// router is where routes registers the routes: the server's mux, or the table Routes reads.
type router interface {
	Handle(pattern string, h http.Handler)
}

// Route is one route of the server.
type Route struct {
	Method     string          // "" when the route takes every method
	Path       string          // the mux pattern's path, such as /v1/tags/{tagId}
	Permission auth.Permission // "" when the route is public or authenticates itself
}

// Routes is the server's route table with every optional handler mounted, as the docs'
// tests check it against openapi.yaml.
func Routes() []Route {
	mounted := http.NotFoundHandler()
	s := &Server{Deps: Deps{
		Registry: prometheus.NewRegistry(), Tenancy: &tenancy.Service{}, WebSocket: mounted, Webhooks: mounted, Media: mounted, Uploads: tableUploader{}, Web: mounted,
		Business: &tenantdata.Service{}, Templates: &templates.Service{},
		WebSocketInfo: func(auth.Principal, string) (any, error) { return nil, nil },
		ThreadPDF:     &report.ThreadExporter{},
		Audit:         audit.New(nil),
		TwoFactor:     &twofactor.Service{}, APIKeys: &apikeys.Service{},
	}}
	var t routeTable
	s.routes(&t)
	return t
}

// tableUploader mounts POST /v1/media in the table; it is never called.
type tableUploader struct{}

func (tableUploader) Upload(context.Context, auth.Principal, string, []byte) (inbox.Attachment, error) {
	return inbox.Attachment{}, nil
}

// routeTable records the routes instead of serving them.
type routeTable []Route

func (t *routeTable) Handle(pattern string, h http.Handler) {
	r := Route{Path: pattern}
	if method, path, ok := strings.Cut(pattern, " "); ok {
		r.Method, r.Path = method, path
	}
	if g, ok := h.(guarded); ok {
		r.Permission = g.perm
	}
	*t = append(*t, r)
}
