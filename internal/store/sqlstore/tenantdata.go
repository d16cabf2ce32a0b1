package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
)

// Tables is every table of the schema that holds a tenant's data, in an order that
// satisfies the foreign keys (a table after those it references). The statistics' counters
// (conversation_days, conversation_loads, conversation_campaigns) are left out: triggers
// build them from the conversations.
var Tables = []string{
	"tenants", "tenant_utc_offsets", "users", "teams", "team_members", "contacts", "channels", "contact_identities",
	"campaigns", "broadcasts", "tags", "conversations", "conversation_tags", "messages",
	"message_mentions", "message_status_history", "parked_receipts", "outbox", "events", "voice_calls",
	"audit_log", "two_factor", "two_factor_recovery_codes", "api_keys", "invitations", "password_resets",
	"user_availability", "whatsapp_templates", "media_uploads",
}

// owned says how a table's rows belong to a tenant and how to page through them.
type owned struct {
	// key orders a table with a tenant_id for keyset pagination: unique, and led by an
	// index that starts with tenant_id where the table is large.
	key []string
	// parent and fk, when set, tie a table without tenant_id to its tenant through
	// parent.id = fk; its rows are read a page of parents at a time.
	parent, fk string
}

// ownership covers every table of Tables.
var ownership = map[string]owned{
	"tenants":                   {key: []string{"id"}},
	"users":                     {key: []string{"id"}},
	"teams":                     {key: []string{"id"}},
	"team_members":              {parent: "teams", fk: "team_id"},
	"contacts":                  {key: []string{"created_at", "id"}},
	"channels":                  {key: []string{"id"}},
	"contact_identities":        {key: []string{"channel_id", "address"}},
	"campaigns":                 {key: []string{"id"}},
	"broadcasts":                {key: []string{"id"}},
	"tags":                      {key: []string{"id"}},
	"conversations":             {key: []string{"created_at", "id"}},
	"conversation_tags":         {parent: "conversations", fk: "conversation_id"},
	"messages":                  {key: []string{"created_at", "id"}},
	"message_mentions":          {parent: "messages", fk: "message_id"},
	"message_status_history":    {parent: "messages", fk: "message_id"},
	"parked_receipts":           {parent: "channels", fk: "channel_id"},
	"outbox":                    {key: []string{"id"}},
	"events":                    {key: []string{"seq"}},
	"voice_calls":               {key: []string{"channel_id", "call_sid"}},
	"audit_log":                 {key: []string{"id"}},
	"two_factor":                {key: []string{"user_id"}},
	"two_factor_recovery_codes": {key: []string{"user_id", "code_hash"}},
	"api_keys":                  {key: []string{"id"}},
	"invitations":               {key: []string{"id"}},
	"password_resets":           {key: []string{"id"}},
	"tenant_utc_offsets":        {key: []string{"since"}},
	"user_availability":         {key: []string{"user_id"}},
	"whatsapp_templates":        {key: []string{"channel_id", "name", "language"}},
	"media_uploads":             {key: []string{"id"}},
}

// jsonColumns hold JSON documents as text; an export carries them as JSON.
var jsonColumns = map[string]bool{"config": true, "attachments": true, "payload": true, "reactions": true,
	"last_message": true, "data": true}

// TenantName returns a tenant's name, inbox.ErrNotFound when there is none.
func (s *Store) TenantName(ctx context.Context, tenant uuid.UUID) (string, error) {
	var name string
	if err := s.queries.scanOne(ctx, "tenant", `SELECT name FROM tenants WHERE id = ?`, []any{tenant}, &name); err != nil {
		return "", err
	}
	return name, nil
}

// notExported are tables with a tenant_id whose rows are no data of the business: which node
// holds which agent's sockets.
var notExported = []string{"agent_connections"}

// ExportTenant calls emit with every row of the tenant, table by table in the order of
// Tables, reading page rows at a time after the last row's key: memory stays that of one
// page whatever the tenant's size. A table with a tenant_id that is in neither Tables nor
// notExported fails the export (and its tests) rather than be left out. Rows are read
// outside a transaction, so rows written during the export may or may not be in it.
func (s *Store) ExportTenant(ctx context.Context, tenant uuid.UUID, page int, emit func(tenantdata.Row) error) error {
	all, err := s.TenantTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range all {
		if _, known := ownership[t]; !known && !slices.Contains(deleteLast, t) && !slices.Contains(notExported, t) {
			return fmt.Errorf("export: table %s has a tenant_id but no place in sqlstore.Tables", t)
		}
	}
	for _, table := range Tables {
		if err := s.exportTable(ctx, tenant, table, page, emit); err != nil {
			return fmt.Errorf("export %s: %w", table, err)
		}
	}
	return nil
}

func (s *Store) exportTable(ctx context.Context, tenant uuid.UUID, table string, page int, emit func(tenantdata.Row) error) error {
	o := ownership[table]
	if o.parent != "" {
		return s.exportChildren(ctx, tenant, table, o, page, emit)
	}
	owner := "tenant_id = ?"
	if table == "tenants" {
		owner = "id = ?"
	}
	first, next := keyset("*", table, owner, o.key, page)
	args := []any{tenant}
	for query := first; ; query = next {
		n, last, err := s.exportPage(ctx, table, query, args, o.key, emit)
		if err != nil {
			return err
		}
		if n < page {
			return nil
		}
		args = append([]any{tenant}, last...)
	}
}

// keyset returns the queries of the first and the next pages of cols of table's rows that
// meet cond (whose one argument is the tenant), in the order of key; the next page's
// arguments are the tenant and the previous page's last key.
func keyset(cols, table, cond string, key []string, page int) (first, next string) {
	order := strings.Join(key, ", ")
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(key)), ", ")
	first = fmt.Sprintf(`SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d`, cols, table, cond, order, page)
	next = fmt.Sprintf(`SELECT %s FROM %s WHERE %s AND (%s) > (%s) ORDER BY %s LIMIT %d`, cols, table, cond, order, marks, order, page)
	return first, next
}

// exportChildren emits the rows of a table without tenant_id a page of its parents at a
// time: the parents' ids in order of their key, then the rows that hang on them.
func (s *Store) exportChildren(ctx context.Context, tenant uuid.UUID, table string, o owned, page int, emit func(tenantdata.Row) error) error {
	pk := ownership[o.parent].key
	first, next := keyset("id, "+strings.Join(pk, ", "), o.parent, "tenant_id = ?", pk, page)
	args := []any{tenant}
	for query := first; ; query = next {
		ids, last, err := s.parentPage(ctx, query, args, len(pk))
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
			children := `SELECT * FROM ` + table + ` WHERE ` + o.fk + ` IN (` + marks + `)`
			if _, _, err := s.exportPage(ctx, table, children, ids, nil, emit); err != nil {
				return err
			}
		}
		if len(ids) < page {
			return nil
		}
		args = append([]any{tenant}, last...)
	}
}

// parentPage reads a page of parents' ids and returns them with the last one's key.
func (s *Store) parentPage(ctx context.Context, query string, args []any, keys int) (ids, last []any, err error) {
	rows, err := s.queries.query(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	row := make([]any, 1+keys)
	ptrs := make([]any, len(row))
	for i := range row {
		ptrs[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		ids = append(ids, row[0])
		last = append(last[:0], row[1:]...)
	}
	return ids, last, rows.Err()
}

// exportPage emits one page's rows and returns how many there were and the last one's key.
func (s *Store) exportPage(ctx context.Context, table, query string, args []any, key []string, emit func(tenantdata.Row) error) (int, []any, error) {
	rows, err := s.queries.query(ctx, query, args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, nil, err
	}
	keyAt := make([]int, len(key))
	for i, k := range key {
		keyAt[i] = slices.Index(cols, k)
	}
	row := tenantdata.Row{Table: table, Columns: cols, Values: make([]any, len(cols))}
	ptrs := make([]any, len(cols))
	for i := range ptrs {
		ptrs[i] = &row.Values[i]
	}
	n, last := 0, make([]any, len(key))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, nil, err
		}
		for i, c := range cols {
			row.Values[i] = exported(c, row.Values[i])
		}
		for i, at := range keyAt {
			last[i] = row.Values[at]
		}
		if err := emit(row); err != nil {
			return n, nil, err
		}
		n++
	}
	return n, last, rows.Err()
}

// exported is a column's value as an export writes it.
func exported(col string, v any) any {
	switch x := v.(type) {
	case []byte:
		v = string(x)
	case [16]byte:
		return uuid.UUID(x).String()
	}
	if s, ok := v.(string); ok && jsonColumns[col] && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return v
}

// TenantTables lists the tables of the database that have a tenant_id column, read from the
// catalog: the ones of Tables and any other a later migration adds.
func (s *Store) TenantTables(ctx context.Context) ([]string, error) {
	rows, err := s.queries.query(ctx, s.d.SQL.Get("tenant_tables"))
	if err != nil {
		return nil, fmt.Errorf("tenant tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("tenant tables: %w", err)
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// deleteLast are the tables emptied last, in this order: the statistics' pending changes
// before their counters (PostgreSQL's fold moves the one into the other), the tenant
// itself at the very end. Tables the catalog lists beyond Tables and these (added by later
// migrations, and referencing the tenant's rows) go first.
var deleteLast = []string{"conversation_day_changes", "conversation_load_changes", "conversation_campaign_changes",
	"conversation_days", "conversation_loads", "conversation_campaigns", "tenants"}

// DeleteTenantBatch deletes up to limit rows of the tenant, from the first table that still
// holds some, in one short transaction: call it until it returns a step without a table.
// Messages go with their status history, mentions and outbox items (and, through the
// triggers, their search index entries), conversations with their tags.
func (s *Store) DeleteTenantBatch(ctx context.Context, tenant uuid.UUID, limit int) (tenantdata.DeleteStep, error) {
	tables, err := s.TenantTables(ctx)
	if err != nil {
		return tenantdata.DeleteStep{}, err
	}
	var failed error
	for _, table := range deleteOrder(tables) {
		var step tenantdata.DeleteStep
		err := s.tx(ctx, func(q *queries) error {
			var err error
			step, err = deleteBatch(ctx, q, tenant, table, limit)
			return err
		})
		if err != nil {
			// A table of a later migration may reference another one still full: try the
			// others first, and fail only when no table can go.
			failed = errors.Join(failed, fmt.Errorf("delete %s: %w", table, err))
			continue
		}
		if step.Rows > 0 {
			return step, nil
		}
	}
	return tenantdata.DeleteStep{}, failed
}

// withParent are the tables whose batches delete the rows that hang on them (messages their
// status history and mentions, conversations their tags): reading every id of a large
// parent to delete the children apart would cost each batch a scan of the tenant's messages.
var withParent = map[string]bool{"messages": true, "conversations": true}

// deleteOrder is tables in the order DeleteTenantBatch empties them: the unknown ones, then
// those of Tables children first, then deleteLast.
func deleteOrder(tables []string) []string {
	var order []string
	for _, t := range tables {
		if _, known := ownership[t]; !known && !slices.Contains(deleteLast, t) {
			order = append(order, t)
		}
	}
	for _, t := range slices.Backward(Tables) {
		o := ownership[t]
		if withParent[o.parent] {
			continue // deleted with its parent
		}
		if (o.parent != "" || slices.Contains(tables, t)) && t != "tenants" {
			order = append(order, t)
		}
	}
	for _, t := range deleteLast {
		if slices.Contains(tables, t) || t == "tenants" {
			order = append(order, t)
		}
	}
	return order
}

func deleteBatch(ctx context.Context, q *queries, tenant uuid.UUID, table string, limit int) (tenantdata.DeleteStep, error) {
	step := tenantdata.DeleteStep{Table: table}
	var (
		res sql.Result
		err error
	)
	switch o := ownership[table]; {
	case table == "tenants":
		res, err = q.exec(ctx, `DELETE FROM tenants WHERE id = ?`, tenant)
	case table == "messages":
		return deleteMessages(ctx, q, tenant, limit)
	case table == "media_uploads":
		return deleteUploads(ctx, q, tenant, limit)
	case table == "conversations":
		ids := fmt.Sprintf(`SELECT id FROM conversations WHERE tenant_id = ? LIMIT %d`, limit)
		if _, err := q.exec(ctx, `DELETE FROM conversation_tags WHERE conversation_id IN (`+ids+`)`, tenant); err != nil {
			return step, err
		}
		res, err = q.exec(ctx, `DELETE FROM conversations WHERE id IN (`+ids+`)`, tenant)
	case slices.Contains(deleteLast, table):
		// Counters, a few rows per group of conversations (and SQLite's have no rowid).
		res, err = q.exec(ctx, `DELETE FROM `+table+` WHERE tenant_id = ?`, tenant)
	case o.parent != "":
		res, err = q.exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s IN (SELECT id FROM %s WHERE tenant_id = ?)`, table, o.fk, o.parent), tenant)
	case len(o.key) > 0:
		key := strings.Join(o.key, ", ")
		res, err = q.exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE tenant_id = ? AND (%[2]s) IN (SELECT %[2]s FROM %[1]s WHERE tenant_id = ? LIMIT %[3]d)`,
			table, key, limit), tenant, tenant)
	default: // a table of a later migration, known to the catalog only
		res, err = q.exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[1]s WHERE tenant_id = ? LIMIT %[3]d)`,
			table, q.d.SQL.Get("row_address"), limit), tenant)
	}
	if err != nil {
		return step, err
	}
	step.Rows, err = res.RowsAffected()
	return step, err
}

// deleteUploads deletes up to limit of the tenant's uploaded files' rows, and returns their
// files, which the media store keeps under the "uploads" scope.
func deleteUploads(ctx context.Context, q *queries, tenant uuid.UUID, limit int) (tenantdata.DeleteStep, error) {
	step := tenantdata.DeleteStep{Table: "media_uploads"}
	rows, err := q.query(ctx, fmt.Sprintf(`SELECT id FROM media_uploads WHERE tenant_id = ? LIMIT %d`, limit), tenant)
	if err != nil {
		return step, err
	}
	var ids []any
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return step, err
		}
		ids = append(ids, id)
		step.Media = append(step.Media, tenantdata.MediaRef{ChannelID: "uploads", MediaID: id.String()})
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return step, err
	}
	res, err := q.exec(ctx, `DELETE FROM media_uploads WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return step, err
	}
	step.Rows, err = res.RowsAffected()
	return step, err
}

// deleteMessages deletes up to limit of the tenant's messages with the rows that hang on
// them, and returns the media files they referred to.
func deleteMessages(ctx context.Context, q *queries, tenant uuid.UUID, limit int) (tenantdata.DeleteStep, error) {
	return deleteMessagesWhere(ctx, q, fmt.Sprintf(`SELECT id FROM messages WHERE tenant_id = ? LIMIT %d`, limit), tenant)
}

// deleteMessagesWhere deletes the messages whose ids ids (a query of args) selects, their
// status history, mentions and outbox items, and returns their media files.
func deleteMessagesWhere(ctx context.Context, q *queries, ids string, args ...any) (tenantdata.DeleteStep, error) {
	step := tenantdata.DeleteStep{Table: "messages"}
	rows, err := q.query(ctx, `SELECT channel_id, attachments FROM messages WHERE id IN (`+ids+`) AND attachments LIKE '%media_id%'`, args...)
	if err != nil {
		return step, err
	}
	for rows.Next() {
		var channel, raw string
		if err := rows.Scan(&channel, &raw); err != nil {
			rows.Close()
			return step, err
		}
		var atts []inbox.Attachment
		if json.Unmarshal([]byte(raw), &atts) == nil {
			for _, a := range atts {
				if a.MediaID != "" {
					step.Media = append(step.Media, tenantdata.MediaRef{ChannelID: channel, MediaID: a.MediaID})
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return step, err
	}
	for _, child := range []string{"message_status_history", "message_mentions", "outbox"} {
		if _, err := q.exec(ctx, `DELETE FROM `+child+` WHERE message_id IN (`+ids+`)`, args...); err != nil {
			return step, err
		}
	}
	res, err := q.exec(ctx, `DELETE FROM messages WHERE id IN (`+ids+`)`, args...)
	if err != nil {
		return step, err
	}
	step.Rows, err = res.RowsAffected()
	return step, err
}

// EraseContact deletes a contact of the tenant with everything that holds their data: their
// conversations with their messages (status history, mentions, outbox items, search index
// entries, receipts still parked for them), tags and events, their identities and the calls
// from them. The statistics' counters follow through the conversations' triggers. A contact
// of another tenant is inbox.ErrNotFound.
func (s *Store) EraseContact(ctx context.Context, tenant, contact uuid.UUID) (tenantdata.Erasure, error) {
	var out tenantdata.Erasure
	err := s.tx(ctx, func(q *queries) error {
		out = tenantdata.Erasure{}
		if err := q.exists(ctx, "contact", `SELECT 1 FROM contacts WHERE id = ? AND tenant_id = ?`, contact, tenant); err != nil {
			return err
		}
		convs := `SELECT id FROM conversations WHERE tenant_id = ? AND contact_id = ?`
		msgs := `SELECT id FROM messages WHERE conversation_id IN (` + convs + `)`
		if _, err := q.exec(ctx, `DELETE FROM parked_receipts WHERE EXISTS (SELECT 1 FROM messages m
			WHERE m.conversation_id IN (`+convs+`) AND m.channel_id = parked_receipts.channel_id
			AND m.provider_message_id = parked_receipts.provider_message_id)`, tenant, contact); err != nil {
			return err
		}
		step, err := deleteMessagesWhere(ctx, q, msgs, tenant, contact)
		if err != nil {
			return err
		}
		out.Messages, out.Media = step.Rows, step.Media
		both := []any{tenant, contact}
		steps := []struct {
			n     *int64
			query string
			args  []any
		}{
			{&out.Events, `DELETE FROM events WHERE tenant_id = ? AND conversation_id IN (` + convs + `)`, []any{tenant, tenant, contact}},
			{nil, `DELETE FROM conversation_tags WHERE conversation_id IN (` + convs + `)`, both},
			{&out.Conversations, `DELETE FROM conversations WHERE id IN (` + convs + `)`, both},
			{nil, `DELETE FROM voice_calls WHERE tenant_id = ? AND EXISTS (SELECT 1 FROM contact_identities i
				WHERE i.contact_id = ? AND i.channel_id = voice_calls.channel_id AND i.address = voice_calls.caller)`, both},
			{&out.Identities, `DELETE FROM contact_identities WHERE tenant_id = ? AND contact_id = ?`, both},
			{nil, `DELETE FROM contacts WHERE tenant_id = ? AND id = ?`, both},
		}
		for _, st := range steps {
			res, err := q.exec(ctx, st.query, st.args...)
			if err != nil {
				return err
			}
			if st.n != nil {
				if *st.n, err = res.RowsAffected(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return tenantdata.Erasure{}, fmt.Errorf("erase contact: %w", err)
	}
	return out, nil
}
