// Package httpapi serves the REST API: /v1/... and /team-inbox/api/..., with one error
// envelope for every failure on every route.
package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// errorBody is the v1 error envelope's "error" object.
type errorBody struct {
	Code      string            `json:"code"`             // an inbox.Code* constant, one per status
	Reason    string            `json:"reason,omitempty"` // an inbox.Reason* constant, for some codes
	Message   string            `json:"message"`
	Details   map[string]string `json:"details,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// writeJSON writes {"success": true, "data": data} with the status.
func writeJSON(w http.ResponseWriter, status int, data any) {
	writeRaw(w, status, map[string]any{"success": true, "data": data})
}

func writeRaw(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeFailure writes {"success": false, "error": {...}}.
func writeFailure(w http.ResponseWriter, r *http.Request, status int, e errorBody) {
	if status >= 500 {
		e.RequestID = requestID(r.Context())
	}
	writeRaw(w, status, map[string]any{"success": false, "error": e})
}

var (
	errTooLarge = errorBody{Code: inbox.CodePayloadTooLarge, Message: "Request body is too large"}
	errInternal = errorBody{Code: inbox.CodeInternal, Message: "An unexpected error occurred"}
)

var kindStatus = map[inbox.Kind]int{
	inbox.KindValidation:   http.StatusBadRequest,
	inbox.KindUnauthorized: http.StatusUnauthorized,
	inbox.KindForbidden:    http.StatusForbidden,
	inbox.KindNotFound:     http.StatusNotFound,
	inbox.KindConflict:     http.StatusConflict,
	inbox.KindProvider:     http.StatusBadGateway,
}

// writeError maps a use-case error to its status; anything that is not an *inbox.Error is
// logged (on the request's line, see observe) and answered 500 with the request id and nothing internal.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ie *inbox.Error
	if errors.As(err, &ie) {
		writeFailure(w, r, kindStatus[ie.Kind], errorBody{Code: ie.Code, Reason: ie.Reason, Message: ie.Message, Details: ie.Fields})
		return
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeFailure(w, r, http.StatusRequestEntityTooLarge, errTooLarge)
		return
	}
	if r.Context().Err() != nil {
		return // the client went away; nobody reads an answer
	}
	logFailure(r.Context(), err)
	writeFailure(w, r, http.StatusInternalServerError, errInternal)
}

// Pagination is the v1 pagination block.
type Pagination struct {
	Total int `json:"total"`
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Pages int `json:"pages"`
}

func paginate(total, page, limit int) Pagination {
	return Pagination{Total: total, Page: page, Limit: limit, Pages: (total + limit - 1) / limit}
}
