package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// exportLines runs `teaminbox tenant export` and counts its lines by type.
func exportLines(t *testing.T, args ...string) (map[string]int, []byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := tenantExport(context.Background(), &out, args)
	types := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if jerr := json.Unmarshal(sc.Bytes(), &line); jerr != nil || line.Type == "" || len(line.Data) < 2 {
			t.Fatalf("line %q: %v (the export: %v)", sc.Text(), jerr, err)
		}
		types[line.Type]++
	}
	return types, out.Bytes(), err
}

// TestTenantExportDeleteCommands: `tenant export ID` writes the business as NDJSON; `tenant delete ID`
// refuses without --yes, deletes with it, and the business is then unknown.
func TestTenantExportDeleteCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for name, url := range map[string]func(t testing.TB) string{
		"sqlite":   func(testing.TB) string { return "" },
		"postgres": storetest.PostgresURL,
	} {
		t.Run(name, func(t *testing.T) {
			u := url(t)
			dir, _ := serverData(t, u)
			db := []string{"--data", dir}
			if u != "" {
				db = append(db, "--database-url", u)
			}
			id := seed.DemoTenantID.String()
			types, raw, err := exportLines(t, append([]string{id}, db...)...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(raw, []byte(`{"type":"manifest",`)) || types["manifest"] != 1 {
				t.Errorf("the export does not open with its manifest: %.120s", raw)
			}
			if types["business"] != 1 || types["message"] == 0 || types["conversation"] == 0 || types["user"] == 0 {
				t.Errorf("export types %v", types)
			}
			if bytes.Contains(raw, []byte("password_hash")) || bytes.Contains(raw, []byte("$argon2")) {
				t.Error("the export holds password hashes")
			}
			if _, _, err := exportLines(t, append([]string{"not-an-id"}, db...)...); !errors.Is(err, errUsage) {
				t.Errorf("a bad id: %v", err)
			}
			if err := runTenantDelete(context.Background(), append([]string{id}, db...)); !errors.Is(err, errUsage) {
				t.Fatalf("delete without --yes: %v", err)
			}
			if again, _, err := exportLines(t, append([]string{id}, db...)...); err != nil || again["message"] != types["message"] {
				t.Fatalf("after a refused deletion: %v, %v", again, err)
			}
			if err := runTenantDelete(context.Background(), append([]string{id, "--yes"}, db...)); err != nil {
				t.Fatal(err)
			}
			if _, raw, err := exportLines(t, append([]string{id}, db...)...); err == nil || !strings.Contains(err.Error(), "no business") || len(raw) != 0 {
				t.Errorf("export of the deleted business: %q, %v", raw, err)
			}
		})
	}
}
