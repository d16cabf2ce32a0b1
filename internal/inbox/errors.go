package inbox

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Stores return these sentinels (wrapped); the use cases turn them into *Error.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("duplicate")
	ErrInUse     = errors.New("in use") // a row others still refer to
)

// Kind classifies a domain error; transports map each kind to one status code.
type Kind int

const (
	KindValidation   Kind = iota + 1 // 400
	KindUnauthorized                 // 401
	KindForbidden                    // 403
	KindNotFound                     // 404
	KindConflict                     // 409
)

// Error is the one error type the use cases return for anything the caller did wrong.
// Anything else is an internal error.
type Error struct {
	Kind    Kind
	Code    string            // machine-readable, e.g. VALIDATION_ERROR, CONVERSATION_CLOSED
	Message string            // human-readable
	Fields  map[string]string // per-field details, for validation errors
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", k, e.Fields[k])
	}
	return b.String()
}

// NotFound says that a thing of the caller's tenant does not exist (or belongs to another
// tenant, which the caller must not be able to tell apart).
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "NOT_FOUND", Message: what + " not found"}
}

// Conflict says the request clashes with the current state.
func Conflict(code, message string) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: message}
}

// Forbidden says the caller's role may not do this.
func Forbidden(message string) *Error {
	return &Error{Kind: KindForbidden, Code: "FORBIDDEN", Message: message}
}

// Invalid says some fields of the request are wrong; fields maps each to what is wrong.
func Invalid(fields map[string]string) *Error {
	return &Error{Kind: KindValidation, Code: "VALIDATION_ERROR", Message: "Invalid request parameters", Fields: fields}
}

// Fields collects per-field validation problems; Err returns nil when there are none.
type Fields map[string]string

// Add records a problem with field unless one is already recorded.
func (f Fields) Add(field, problem string) {
	if _, ok := f[field]; !ok {
		f[field] = problem
	}
}

// Err returns the validation error for the collected problems, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f)
}

// notFoundAs turns a store's ErrNotFound into NotFound(what) and passes other errors through.
func notFoundAs(err error, what string) error {
	if errors.Is(err, ErrNotFound) {
		return NotFound(what)
	}
	return err
}
