package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxStatements bounds the cache; the store's queries come from a fixed set of shapes (a
// list filter's combinations, IN lists up to a page), far fewer than this.
const maxStatements = 1024

// stmtCache keeps prepared statements by query text: parsing a statement costs the pure-Go
// SQLite more than running most of ours (a third of an inbound webhook's time, measured).
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns the prepared statement of query, preparing it the first time; nil means run
// it unprepared (no cache, a full cache, or a failed prepare, whose error the run repeats).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, full := c.m[query], len(c.m) >= maxStatements
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prior := c.m[query]; prior != nil { // another caller prepared it meanwhile
		st.Close()
		return prior
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// stmtQuerier runs a prepared statement through the querier interface; the query text is
// the statement's own.
type stmtQuerier struct{ st *sql.Stmt }

func (s stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}
