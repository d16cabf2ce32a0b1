package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/templates"
)

var _ templates.Store = (*Store)(nil)

const templateColumns = `name, language, category, status, components, synced_at`

func templateDest(t *templates.Template) []any {
	return []any{&t.Name, &t.Language, &t.Category, &t.Status, rawCol{&t.Components}, timeCol{&t.SyncedAt}}
}

// ReplaceTemplates deletes the channel's templates and inserts list, in one transaction.
func (s *Store) ReplaceTemplates(ctx context.Context, tenant, channel uuid.UUID, list []templates.Template) error {
	return s.tx(ctx, func(q *queries) error {
		if _, err := q.exec(ctx, `DELETE FROM whatsapp_templates WHERE tenant_id = ? AND channel_id = ?`, tenant, channel); err != nil {
			return fmt.Errorf("replace templates: %w", err)
		}
		for _, t := range list {
			if _, err := q.exec(ctx, `INSERT INTO whatsapp_templates (tenant_id, channel_id, `+templateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				tenant, channel, t.Name, t.Language, t.Category, t.Status, string(t.Components), micros(t.SyncedAt)); err != nil {
				return fmt.Errorf("replace templates: insert %s/%s: %w", t.Name, t.Language, err)
			}
		}
		return nil
	})
}

// ListTemplates lists the channel's templates by name and language.
func (s *Store) ListTemplates(ctx context.Context, tenant, channel uuid.UUID) ([]templates.Template, error) {
	rows, err := s.query(ctx, `SELECT `+templateColumns+` FROM whatsapp_templates WHERE tenant_id = ? AND channel_id = ? ORDER BY name, language`, tenant, channel)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return collect(rows, "list templates", templateDest)
}

// GetTemplate returns one template of the channel.
func (s *Store) GetTemplate(ctx context.Context, tenant, channel uuid.UUID, name, language string) (templates.Template, error) {
	var t templates.Template
	err := s.scanOne(ctx, "get template", `SELECT `+templateColumns+` FROM whatsapp_templates WHERE tenant_id = ? AND channel_id = ? AND name = ? AND language = ?`,
		[]any{tenant, channel, name, language}, templateDest(&t)...)
	return t, err
}
