package sqlstore

import (
	"bufio"
	"fmt"
	"strings"
)

// Named holds a dialect's queries.sql: the statements and fragments that differ between the
// databases, each under a "-- name: key" line, so that Go code names them and holds no SQL
// text of one database. A section may be empty (a fragment the database does without).
type Named map[string]string

// ParseNamed reads the sections of a queries.sql. Comment lines inside a section are kept
// out of its text; a name given twice, or text before the first name, is an error.
func ParseNamed(text string) (Named, error) {
	n := Named{}
	var (
		name string
		body []string
	)
	flush := func() {
		if name != "" {
			n[name] = strings.TrimSpace(strings.Join(body, "\n"))
		}
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		trimmed := strings.TrimSpace(l)
		if key, ok := strings.CutPrefix(trimmed, "-- name:"); ok {
			flush()
			name, body = strings.TrimSpace(key), nil
			if name == "" {
				return nil, fmt.Errorf("queries.sql line %d: a name is missing", line)
			}
			if _, dup := n[name]; dup {
				return nil, fmt.Errorf("queries.sql line %d: %s is named twice", line, name)
			}
			continue
		}
		if strings.HasPrefix(trimmed, "--") || trimmed == "" && name == "" {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("queries.sql line %d: text before the first -- name: line", line)
		}
		body = append(body, l)
	}
	flush()
	return n, sc.Err()
}

// MustParseNamed is ParseNamed of an embedded file, which the tests parse: it panics.
func MustParseNamed(text string) Named {
	n, err := ParseNamed(text)
	if err != nil {
		panic(err)
	}
	return n
}

// Get returns the section name; a name the file lacks is a programming error, found when
// the dialect is built at start.
func (n Named) Get(name string) string {
	q, ok := n[name]
	if !ok {
		panic("queries.sql has no section " + name)
	}
	return q
}

// sharedSections are the sections of queries.sql that shared code reads through Dialect.SQL:
// every dialect's file has them.
var sharedSections = []string{
	"for_update",    // locks the selected rows until the transaction ends
	"skip_locked",   // for_update that passes over rows another transaction holds
	"ilike",         // the case-insensitive LIKE operator
	"unindexed",     // put before a column to keep the planner off its index
	"tag_names",     // conversation c's tag names as a JSON array, by lower(name); NULL for none
	"lock_tenant",   // locks the tenant's row until the transaction ends: changes that check the tenant's users
	"row_address",   // the column that names a row of any table
	"tenant_tables", // the tables with a tenant_id column, from the catalog
	"percentile",    // the aggregate percentile_disc({p}) of column {col}
	// contact ct's full name or phone is LIKE the pattern (two arguments), any case, read in the row
	"row_name_match",
	// message m's content is LIKE the pattern, any case, read in the row
	"row_content_match",
}

// CheckShared reports the shared sections n lacks.
func (n Named) CheckShared() error {
	for _, name := range sharedSections {
		if _, ok := n[name]; !ok {
			return fmt.Errorf("queries.sql has no section %s", name)
		}
	}
	return nil
}
