package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// decodeJSON reads a JSON object body into dst, refusing anything but one object (null, an
// array), unknown fields, trailing data and wrong types with a per-field validation error.
// Bodies are capped by the middleware.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return inbox.Invalid(map[string]string{"body": "Content-Type must be application/json"})
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err) // *http.MaxBytesError: writeError answers 413
	}
	return decodeObject(raw, dst)
}

// decodeObject is decodeJSON of a body already read.
func decodeObject(raw []byte, dst any) error {
	if body := bytes.TrimLeft(raw, " \t\r\n"); len(body) > 0 && body[0] != '{' {
		return inbox.Invalid(map[string]string{"body": "Body must be a JSON object"})
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return inbox.Invalid(map[string]string{"body": "Body must hold a single JSON object"})
	}
	return nil
}

func jsonError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		fieldName string
	)
	switch {
	case errors.Is(err, io.EOF):
		return inbox.Invalid(map[string]string{"body": "Body is empty: a JSON object is required"})
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return inbox.Invalid(map[string]string{"body": "Malformed JSON: " + err.Error()})
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return inbox.Invalid(map[string]string{field: fmt.Sprintf("Must be of type %s, not %s", jsonType(typeErr.Type.Kind().String()), typeErr.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		fieldName = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return inbox.Invalid(map[string]string{fieldName: "Unknown field"})
	}
	return inbox.Invalid(map[string]string{"body": "Invalid JSON: " + err.Error()})
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// pathID parses the named path segment as a UUID; a malformed one is a 400.
func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, inbox.Invalid(map[string]string{name: "Must be a UUID"})
	}
	return id, nil
}

// query reads and validates query parameters, collecting every problem at once.
type query struct {
	v   url.Values
	bad inbox.Fields
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query(), bad: inbox.Fields{}} }

func (q *query) str(name string, max int) string {
	s := strings.TrimSpace(q.v.Get(name))
	if len(s) > max {
		q.bad.Add(name, fmt.Sprintf("Must be at most %d characters", max))
	}
	return s
}

func (q *query) id(name string) *uuid.UUID {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		q.bad.Add(name, "Must be a UUID")
		return nil
	}
	return &id
}

// idOr parses a parameter that is a UUID or word, which stands for "no id" (none).
func (q *query) idOr(name, word string) (id *uuid.UUID, none bool) {
	switch s := q.v.Get(name); s {
	case "":
		return nil, false
	case word:
		return nil, true
	default:
		id, err := uuid.Parse(s)
		if err != nil {
			q.bad.Add(name, "Must be a UUID or "+word)
			return nil, false
		}
		return &id, false
	}
}

func (q *query) intRange(name string, def, lo, hi int) int {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad.Add(name, fmt.Sprintf("Must be an integer from %d to %d", lo, hi))
		return def
	}
	return n
}

func (q *query) oneOf(name string, allowed []string) string {
	s := q.v.Get(name)
	if s != "" && !slices.Contains(allowed, s) {
		q.bad.Add(name, fmt.Sprintf("Must be one of: %s", strings.Join(allowed, ", ")))
		return ""
	}
	return s
}

func (q *query) boolean(name string) *bool {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.bad.Add(name, "Must be true or false")
		return nil
	}
	return &b
}

// date parses YYYY-MM-DD as midnight UTC.
func (q *query) date(name string) *time.Time {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		q.bad.Add(name, "Must be a date in the format YYYY-MM-DD")
		return nil
	}
	return &t
}

// instant parses an RFC 3339 time or a YYYY-MM-DD date.
func (q *query) instant(name string) *time.Time {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return &t
	}
	return q.date(name)
}

// listCursor parses a cursor that encodeCursor wrote.
func (q *query) listCursor(name string) *inbox.ListCursor {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		q.bad.Add(name, "Must be a next_cursor from an earlier page")
		return nil
	}
	at := time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC()
	return &inbox.ListCursor{ActivityAt: at, ID: uuid.UUID(b[8:])}
}

// encodeCursor writes c opaquely: its time in microseconds and its id, in base64url.
func encodeCursor(c *inbox.ListCursor) *string {
	if c == nil {
		return nil
	}
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 24), uint64(c.ActivityAt.UnixMicro()))
	s := base64.RawURLEncoding.EncodeToString(append(b, c.ID[:]...))
	return &s
}

func (q *query) err() error { return q.bad.Err() }

// bodyID parses a UUID field of a request body.
func bodyID(bad inbox.Fields, field, s string) uuid.UUID {
	id, err := uuid.Parse(s)
	if err != nil {
		bad.Add(field, "Must be a UUID")
	}
	return id
}

// bodyIDs parses a list of UUIDs of a request body.
func bodyIDs(bad inbox.Fields, field string, list []string) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(list))
	for i, s := range list {
		ids = append(ids, bodyID(bad, fmt.Sprintf("%s[%d]", field, i), s))
	}
	return ids
}

// optionalID reads a body field that may be absent, null or a UUID string.
func optionalID(bad inbox.Fields, field string, raw json.RawMessage) inbox.OptionalID {
	if raw == nil {
		return inbox.OptionalID{}
	}
	if string(raw) == "null" {
		return inbox.OptionalID{Set: true}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		bad.Add(field, "Must be a UUID string or null")
		return inbox.OptionalID{}
	}
	id := bodyID(bad, field, s)
	return inbox.OptionalID{Set: true, ID: &id}
}
