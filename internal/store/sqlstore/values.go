package sqlstore

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Times are stored as unix microseconds, UTC.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// optMicros is a nullable time argument.
func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// optID is a nullable id argument.
func optID(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return *id
}

// optText stores "" as NULL (provider ids: NULLs never clash in a unique index).
func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeCol scans a non-null time column.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(v any) error {
	n, err := toInt64(v)
	if err != nil {
		return err
	}
	*c.dst = fromMicros(n)
	return nil
}

// optTimeCol scans a nullable time column.
type optTimeCol struct{ dst **time.Time }

func (c optTimeCol) Scan(v any) error {
	if v == nil {
		*c.dst = nil
		return nil
	}
	n, err := toInt64(v)
	if err != nil {
		return err
	}
	t := fromMicros(n)
	*c.dst = &t
	return nil
}

// optIDCol scans a nullable id column.
type optIDCol struct{ dst **uuid.UUID }

func (c optIDCol) Scan(v any) error {
	if v == nil {
		*c.dst = nil
		return nil
	}
	var id uuid.UUID
	if err := id.Scan(v); err != nil {
		return err
	}
	*c.dst = &id
	return nil
}

// textCol scans a nullable text column into a string ("" for NULL).
type textCol struct{ dst *string }

func (c textCol) Scan(v any) error {
	switch s := v.(type) {
	case nil:
		*c.dst = ""
	case string:
		*c.dst = s
	case []byte:
		*c.dst = string(s)
	default:
		return fmt.Errorf("text column: unexpected %T", v)
	}
	return nil
}

// jsonCol scans a JSON text column into dst; NULL leaves dst as it is.
type jsonCol struct{ dst any }

func (c jsonCol) Scan(v any) error {
	var b []byte
	switch s := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("json column: unexpected %T", v)
	}
	if err := json.Unmarshal(b, c.dst); err != nil {
		return fmt.Errorf("json column: %w", err)
	}
	return nil
}

// jsonArg is a value stored as JSON text.
func jsonArg(v any) (driver.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// rawArg stores raw JSON, NULL when empty.
func rawArg(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

func toInt64(v any) (int64, error) {
	switch n := v.(type) {
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case int:
		return int64(n), nil
	case float64:
		return int64(n), nil
	}
	return 0, fmt.Errorf("integer column: unexpected %T", v)
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

func idArgs(ids []uuid.UUID) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
