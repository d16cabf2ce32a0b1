package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// CountTenant counts the tenant's rows in each table of Tables, as ExportTenant reads them
// (a table without tenant_id through its parent), for the manifest that opens an export.
// Each count is one indexed COUNT(*); rows written meanwhile make the export differ a little.
func (s *Store) CountTenant(ctx context.Context, tenant uuid.UUID) (map[string]int64, error) {
	counts := make(map[string]int64, len(Tables))
	for _, table := range Tables {
		query := `SELECT COUNT(*) FROM ` + table + ` WHERE tenant_id = ?`
		if o := ownership[table]; o.parent != "" {
			query = `SELECT COUNT(*) FROM ` + table + ` x JOIN ` + o.parent + ` p ON p.id = x.` + o.fk + ` WHERE p.tenant_id = ?`
		} else if table == "tenants" {
			query = `SELECT COUNT(*) FROM tenants WHERE id = ?`
		}
		var n int64
		if err := s.queries.scanOne(ctx, "count "+table, query, []any{tenant}, &n); err != nil {
			return nil, fmt.Errorf("count tenant: %w", err)
		}
		counts[table] = n
	}
	return counts, nil
}
