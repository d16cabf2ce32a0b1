package sqlstore

import (
	"strings"
	"testing"
)

func TestParseNamed(t *testing.T) {
	n, err := ParseNamed(`-- a header comment

-- name: one
-- a comment about one, left out
SELECT 1
	FROM t

-- name: empty
-- (nothing here)

-- name: fragment
+
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Get("one"); got != "SELECT 1\n\tFROM t" {
		t.Errorf("one = %q", got)
	}
	if n.Get("empty") != "" || n.Get("fragment") != "+" || len(n) != 3 {
		t.Errorf("parsed %q", n)
	}
	for text, want := range map[string]string{
		"-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n": "named twice",
		"SELECT 1\n-- name: a\n":                       "before the first",
		"-- name:\nSELECT 1\n":                         "name is missing",
	} {
		if _, err := ParseNamed(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseNamed(%q) = %v, want an error saying %q", text, err, want)
		}
	}
}
