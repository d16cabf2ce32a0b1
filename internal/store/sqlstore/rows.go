package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"
)

// collect scans every row into a T through the destinations dest gives for it.
func collect[T any](rows *sql.Rows, what string, dest func(*T) []any) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := rows.Scan(dest(&v)...); err != nil {
			return nil, fmt.Errorf("%s: scan: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// LikePattern is a LIKE pattern for "contains s", with LIKE's wildcards escaped by \.
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// pageWindow turns a 1-based page and a limit into LIMIT and OFFSET.
func pageWindow(page, limit int) (int, int) {
	if limit < 1 {
		limit = 20
	}
	if page < 1 {
		page = 1
	}
	return limit, (page - 1) * limit
}
