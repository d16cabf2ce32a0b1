// Package transfer copies a team inbox from the embedded SQLite database into PostgreSQL,
// for a team that outgrows one node (and to load a large benchmark set into PostgreSQL
// faster than inserting it row by row).
package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/teaminbox/teaminbox/internal/store/sqlstore"
)

// tables are copied in sqlstore.Tables' order, which satisfies the foreign keys. The
// statistics' counters are not copied: PostgreSQL's triggers build them as the
// conversations arrive, as they do the columns in counted.
var tables = sqlstore.Tables

// derived are the SQLite tables not copied: PostgreSQL builds what they hold (counters and
// search indexes) itself, or has no use for them.
var derived = []string{
	"schema_migrations", "conversation_days", "conversation_loads", "conversation_campaigns", "messages_fts_queue",
	"contacts_fts", "conversation_names", "messages_fts", "notes_fts",
	"agent_connections", // which node holds whose sockets: nothing once the server is stopped
}

// counted are the columns triggers keep (table.column), left to them.
var counted = map[string]bool{"contacts.conversation_count": true}

// ErrNotEmpty is returned when the target database already holds a tenant.
var ErrNotEmpty = errors.New("the PostgreSQL database already holds data")

// SQLiteToPostgres copies every row of src (a migrated SQLite database) into dst (a
// migrated, empty PostgreSQL database) in one transaction, with COPY. It reads src in one
// transaction too, so the copy is of one moment even while a server writes to src: read
// table by table, a tenant's event counter could be copied before events written after it,
// and PostgreSQL would then number new events with numbers already taken.
func SQLiteToPostgres(ctx context.Context, src, dst *sql.DB, log *slog.Logger) error {
	var found bool
	if err := dst.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tenants)`).Scan(&found); err != nil {
		return fmt.Errorf("check target: %w", err)
	}
	if found {
		return ErrNotEmpty
	}
	snap, err := src.Conn(ctx)
	if err != nil {
		return fmt.Errorf("source connection: %w", err)
	}
	defer snap.Close()
	// A deferred transaction: it takes its snapshot at its first read and no write lock, so
	// a server using src goes on writing meanwhile (the pool's BeginTx would take that lock).
	if _, err := snap.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("begin reading: %w", err)
	}
	defer snap.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`) //nolint:errcheck // ends a read; nothing to undo
	conn, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("target connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pg := dc.(*stdlib.Conn).Conn()
		tx, err := pg.Begin(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		for _, table := range tables {
			start := time.Now()
			n, err := copyTable(ctx, snap, tx, table)
			if err != nil {
				return err
			}
			log.InfoContext(ctx, "copied", "table", table, "rows", n, "elapsed_ms", time.Since(start).Milliseconds())
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}

// column is a target column and the conversion of SQLite's value to its type.
type column struct {
	name    string
	convert func(v any) (any, error)
}

func copyTable(ctx context.Context, src *sql.Conn, tx pgx.Tx, table string) (int64, error) {
	cols, err := targetColumns(ctx, tx, table)
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+table)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, names, &rowSource{rows: rows, cols: cols})
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", table, err)
	}
	return n, nil
}

// targetColumns lists table's columns in PostgreSQL, but for generated and identity ones
// (numbered by PostgreSQL, such as the events' ord), with a
// conversion for each type the schema uses.
func targetColumns(ctx context.Context, tx pgx.Tx, table string) ([]column, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' AND is_identity = 'NO' ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		if counted[table+"."+name] {
			continue
		}
		conv, ok := conversions[typ]
		if !ok {
			return nil, fmt.Errorf("column %s.%s: no conversion for type %s", table, name, typ)
		}
		cols = append(cols, column{name: name, convert: conv})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s is missing from the target", table)
	}
	return cols, nil
}

// conversions turn the values SQLite stores (ids as text, booleans as 0/1) into what pgx
// writes for each PostgreSQL type; NULL stays NULL.
var conversions = map[string]func(v any) (any, error){
	"uuid": func(v any) (any, error) {
		s, err := text(v)
		if err != nil || s == nil {
			return nil, err
		}
		id, err := uuid.Parse(*s)
		return [16]byte(id), err
	},
	"boolean": func(v any) (any, error) {
		switch b := v.(type) {
		case nil:
			return nil, nil
		case int64:
			return b != 0, nil
		case bool:
			return b, nil
		}
		return nil, fmt.Errorf("boolean stored as %T", v)
	},
	"bytea": func(v any) (any, error) {
		switch b := v.(type) {
		case nil, []byte:
			return b, nil
		}
		return nil, fmt.Errorf("bytes stored as %T", v)
	},
	"bigint":  integer,
	"integer": integer,
	"text": func(v any) (any, error) {
		s, err := text(v)
		if err != nil || s == nil {
			return nil, err
		}
		return *s, nil
	},
}

func integer(v any) (any, error) {
	switch v.(type) {
	case nil, int64:
		return v, nil
	}
	return nil, fmt.Errorf("integer stored as %T", v)
}

func text(v any) (*string, error) {
	switch s := v.(type) {
	case nil:
		return nil, nil
	case string:
		return &s, nil
	case []byte:
		str := string(s)
		return &str, nil
	}
	return nil, fmt.Errorf("text stored as %T", v)
}

// rowSource feeds SQLite's rows to COPY, converted.
type rowSource struct {
	rows *sql.Rows
	cols []column
	err  error
}

func (r *rowSource) Next() bool { return r.err == nil && r.rows.Next() }

func (r *rowSource) Values() ([]any, error) {
	raw := make([]any, len(r.cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return nil, err
	}
	for i, c := range r.cols {
		v, err := c.convert(raw[i])
		if err != nil {
			r.err = fmt.Errorf("column %s: %w", c.name, err)
			return nil, r.err
		}
		raw[i] = v
	}
	return raw, nil
}

func (r *rowSource) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}
