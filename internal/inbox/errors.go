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
	// ErrLastSuperAdmin refuses a change that would leave a tenant without an active super
	// admin; the store checks it in the change's own transaction, under the tenant's lock.
	ErrLastSuperAdmin = errors.New("the last active super admin")
)

// Kind classifies a domain error; transports map each kind to one status code.
type Kind int

const (
	KindValidation   Kind = iota + 1 // 400
	KindUnauthorized                 // 401
	KindForbidden                    // 403
	KindNotFound                     // 404
	KindConflict                     // 409
	KindProvider                     // 502: a provider did not answer, or not as it should
)

// The codes of the error envelope ("code"), REST and WebSocket alike. Each HTTP status has
// one code, the v1 document's for 400, 401, 403, 404, 409 and 500; a more specific cause is
// the envelope's "reason" (the Reason* constants), never another code.
const (
	CodeValidation       = "VALIDATION_ERROR"      // 400
	CodeUnauthorized     = "UNAUTHORIZED"          // 401
	CodeForbidden        = "FORBIDDEN"             // 403
	CodeNotFound         = "NOT_FOUND"             // 404
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"    // 405
	CodeConflict         = "CONFLICT"              // 409
	CodePayloadTooLarge  = "PAYLOAD_TOO_LARGE"     // 413
	CodeRateLimited      = "RATE_LIMITED"          // 429
	CodeInternal         = "INTERNAL_SERVER_ERROR" // 500
	CodeProviderError    = "PROVIDER_ERROR"        // 502: a provider did not answer as it should
	CodeNotReady         = "NOT_READY"             // 503: the database does not answer, or a disabled channel's webhook

	// Only in WebSocket error frames, which have no status.
	CodeBadFrame    = "BAD_FRAME"    // not a JSON request frame
	CodeUnknownType = "UNKNOWN_TYPE" // a request type the server does not know
)

// The reasons of a 409 CONFLICT ("reason" next to "code"): what the request clashed with.
const (
	ReasonConversationClosed = "CONVERSATION_CLOSED" // a reply to a closed conversation
	ReasonReplyWindowClosed  = "REPLY_WINDOW_CLOSED" // a free-form WhatsApp reply after the 24-hour window
	ReasonChannelInUse       = "CHANNEL_IN_USE"      // deleting a channel that has conversations
	ReasonNameTaken          = "NAME_TAKEN"          // a tag name the tenant already has
	ReasonEmailTaken         = "EMAIL_TAKEN"         // an email some user (of any business) already has
	ReasonChannelChanged     = "CHANNEL_CHANGED"     // a channel update raced another one
	ReasonChannelDisabled    = "CHANNEL_DISABLED"    // a reply on a channel an admin disabled
	ReasonLastSuperAdmin     = "LAST_SUPER_ADMIN"    // the change would leave the business without an active super admin
)

// Error is the one error type the use cases return for anything the caller did wrong.
// Anything else is an internal error.
type Error struct {
	Kind    Kind
	Code    string            // machine-readable: one of the Code* constants
	Reason  string            // a more specific cause, for some codes: one of the Reason* constants
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
	return &Error{Kind: KindNotFound, Code: CodeNotFound, Message: what + " not found"}
}

// Conflict says the request clashes with the current state; reason (a Reason* constant)
// says with what.
func Conflict(reason, message string) *Error {
	return &Error{Kind: KindConflict, Code: CodeConflict, Reason: reason, Message: message}
}

// Unauthorized says the caller is not who it claims to be, or not any more.
func Unauthorized(message string) *Error {
	return &Error{Kind: KindUnauthorized, Code: CodeUnauthorized, Message: message}
}

// Forbidden says the caller's role may not do this.
func Forbidden(message string) *Error {
	return &Error{Kind: KindForbidden, Code: CodeForbidden, Message: message}
}

// ProviderFailed says a provider the request needed did not answer, or not as it should.
func ProviderFailed(message string) *Error {
	return &Error{Kind: KindProvider, Code: CodeProviderError, Message: message}
}

// Invalid says some fields of the request are wrong; fields maps each to what is wrong.
func Invalid(fields map[string]string) *Error {
	return &Error{Kind: KindValidation, Code: CodeValidation, Message: "Invalid request parameters", Fields: fields}
}

// nothingToChange answers an update that names no field: it would write nothing but the
// update time.
func nothingToChange() error {
	return Invalid(map[string]string{"body": "Give at least one field to change"})
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

// LastSuperAdmin is the 409 of ErrLastSuperAdmin; verb says what was refused.
func LastSuperAdmin(verb string) *Error {
	return Conflict(ReasonLastSuperAdmin, fmt.Sprintf("You cannot %s the business's last active super admin; make someone else super admin first", verb))
}
