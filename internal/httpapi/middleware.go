package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrincipal
	ctxRequestLog
)

// requestLog is what the request's log line learns from deeper handlers: who made it, and
// why it failed when it failed for a reason not meant for the client.
type requestLog struct {
	principal *auth.Principal
	err       error
}

// logPrincipal records the authenticated principal for the request's log line.
func logPrincipal(ctx context.Context, p auth.Principal) {
	if l, ok := ctx.Value(ctxRequestLog).(*requestLog); ok {
		l.principal = &p
	}
}

// logFailure records err, answered 500, for the request's log line.
func logFailure(ctx context.Context, err error) {
	if l, ok := ctx.Value(ctxRequestLog).(*requestLog); ok {
		l.err = err
	}
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(ctxPrincipal).(auth.Principal)
	return p
}

// statusWriter remembers the status for the access log and the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and the WebSocket upgrade reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id (X-Request-ID, kept when the client sends a sane one),
// turns panics into a 500 envelope, and logs and measures every request.
func observe(next http.Handler, log *slog.Logger, latency *prometheus.HistogramVec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		rl := &requestLog{}
		r = r.WithContext(context.WithValue(context.WithValue(r.Context(), ctxRequestID, id), ctxRequestLog, rl))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "value", v, "stack", string(debug.Stack()), "request_id", id)
				if sw.status == 0 {
					writeFailure(sw, r, http.StatusInternalServerError, errInternal)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			took := time.Since(start)
			latency.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Observe(took.Seconds())
			attrs := []slog.Attr{slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Float64("duration_ms", float64(took)/float64(time.Millisecond))}
			if p := rl.principal; p != nil {
				attrs = append(attrs, slog.String("tenant_id", p.TenantID.String()), slog.String("user_id", p.UserID.String()))
			}
			level := slog.LevelInfo
			if rl.err != nil {
				level = slog.LevelError
				attrs = append(attrs, slog.String("err", rl.err.Error()))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps every request body, an upload's (POST /v1/media) at its own cap when that
// is larger; reading past the cap fails with *http.MaxBytesError, which writeError answers 413.
func limitBody(next http.Handler, max, uploadMax int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		max := max
		if uploadMax > max && r.Method == http.MethodPost && r.URL.Path == "/v1/media" {
			max = uploadMax
		}
		if r.ContentLength > max {
			writeFailure(w, r, http.StatusRequestEntityTooLarge, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is a handler that returns its error; the wrapper writes it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// TokenVerifier verifies API tokens (auth.Tokens).
type TokenVerifier interface {
	Verify(token, audience string) (auth.Principal, error)
}

var errUnauthorized = errorBody{Code: inbox.CodeUnauthorized, Message: "Authentication credentials are missing or invalid"}

// authed requires a valid Bearer token of an existing, active user of the token's tenant,
// holding perm, then runs h with the principal in the request context. The permission is
// checked here, where the route is declared, and again by the use case.
func (s *Server) authed(perm auth.Permission, h handlerFunc) http.Handler {
	return guarded{perm: perm, HandlerFunc: func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			writeFailure(w, r, http.StatusUnauthorized, errUnauthorized)
			return
		}
		p, err := s.bearer(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, auth.ErrInvalidToken) {
			writeFailure(w, r, http.StatusUnauthorized, errUnauthorized)
			return
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		if _, err := s.Service.Authorize(r.Context(), p); err != nil {
			writeError(w, r, err)
			return
		}
		if !p.Can(perm) {
			writeFailure(w, r, http.StatusForbidden, errorBody{Code: inbox.CodeForbidden, Message: "You do not have permission to do this"})
			return
		}
		logPrincipal(r.Context(), p)
		r = r.WithContext(context.WithValue(r.Context(), ctxPrincipal, p))
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	}}
}

// bearer returns who a bearer is: a personal API key (tik_...) when keys are on, a login
// token otherwise. A bearer that does not verify is auth.ErrInvalidToken.
func (s *Server) bearer(ctx context.Context, token string) (auth.Principal, error) {
	if s.APIKeys != nil && strings.HasPrefix(token, apikeys.Prefix) {
		return s.APIKeys.Resolve(ctx, token)
	}
	return s.tokens.Verify(token, auth.AudienceAPI)
}

// guarded is an authed route's handler with the permission it requires, which Routes reports.
type guarded struct {
	http.HandlerFunc
	perm auth.Permission
}

// public runs h without authentication (login, health, webhooks are verified otherwise).
func public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	})
}

// envelopeMuxErrors answers the mux's own 404 and 405 in the error envelope: when no pattern
// matches, the mux's handler is run against a writer that keeps only its status and headers.
func envelopeMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerOnly{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if probe.status == http.StatusMethodNotAllowed {
			writeFailure(w, r, http.StatusMethodNotAllowed, errorBody{Code: inbox.CodeMethodNotAllowed, Message: "Method " + r.Method + " is not allowed here"})
			return
		}
		if probe.status >= 300 && probe.status < 400 { // the mux's trailing-slash redirect
			http.Redirect(w, r, probe.header.Get("Location"), probe.status)
			return
		}
		writeFailure(w, r, http.StatusNotFound, errorBody{Code: inbox.CodeNotFound, Message: "No route for " + r.Method + " " + r.URL.Path})
	})
}

type headerOnly struct {
	header http.Header
	status int
}

func (h *headerOnly) Header() http.Header         { return h.header }
func (h *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerOnly) WriteHeader(code int)        { h.status = code }
