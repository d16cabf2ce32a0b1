package sqlstore

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`SELECT '?' , ? FROM t`, `SELECT '?' , $1 FROM t`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT "odd?name" FROM t WHERE x = ?`, `SELECT "odd?name" FROM t WHERE x = $1`},
		{"SELECT 1 -- why? because\nWHERE x = ?", "SELECT 1 -- why? because\nWHERE x = $1"},
		{`SELECT /* a ? here */ ? `, `SELECT /* a ? here */ $1 `},
		{`SELECT $$ what? $$, ?`, `SELECT $$ what? $$, $1`},
		{`SELECT $fn$ what's ? $fn$, ?`, `SELECT $fn$ what's ? $fn$, $1`},
		{`SELECT m.content LIKE ? ESCAPE '\', ?`, `SELECT m.content LIKE $1 ESCAPE '\', $2`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
		{`SELECT x::text, ?`, `SELECT x::text, $1`},
	} {
		if got := numberPlaceholders(c.in); got != c.want {
			t.Errorf("numberPlaceholders(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
