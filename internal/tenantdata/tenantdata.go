// Package tenantdata handles a business's data as a whole: its export (every row, as NDJSON),
// its deletion with everything it owns, and the erasure of one contact's personal data.
package tenantdata

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
)

// Row is one row of a business's export: its table, column names and values (times as
// unix microseconds, ids as text, JSON columns as json.RawMessage). The store reuses its
// slices for the next row.
type Row struct {
	Table   string
	Columns []string
	Values  []any
}

// MediaRef is a media file a message refers to: its channel and the provider's media id; or
// an uploaded file, of ChannelID "uploads" (mediastore's key scope) and its id.
type MediaRef struct {
	ChannelID string
	MediaID   string
}

// DeleteStep is what one batch of a business's deletion removed.
type DeleteStep struct {
	Table string     // "" when nothing was left
	Rows  int64      // how many of the table's rows went
	Media []MediaRef // the media files of the messages that went
}

// Erasure is what erasing a contact removed: counts only, never the personal data.
type Erasure struct {
	Conversations int64      `json:"conversations"`
	Messages      int64      `json:"messages"`
	Identities    int64      `json:"identities"`
	Events        int64      `json:"events"`
	MediaFiles    int        `json:"media_files"`
	Media         []MediaRef `json:"-"`
}

// Store is what this package needs of the database.
type Store interface {
	// TenantName is inbox.ErrNotFound for an unknown business.
	TenantName(ctx context.Context, tenant uuid.UUID) (string, error)
	// ExportTenant calls emit with every row of the business, page rows read at a time.
	ExportTenant(ctx context.Context, tenant uuid.UUID, page int, emit func(Row) error) error
	// CountTenant counts the business's rows by table, as ExportTenant will read them.
	CountTenant(ctx context.Context, tenant uuid.UUID) (map[string]int64, error)
	// DeleteTenantBatch deletes up to limit rows in one short transaction; a step without a
	// table means the business is gone.
	DeleteTenantBatch(ctx context.Context, tenant uuid.UUID, limit int) (DeleteStep, error)
	// EraseContact is inbox.ErrNotFound for a contact of another business.
	EraseContact(ctx context.Context, tenant, contact uuid.UUID) (Erasure, error)
}

// Media removes stored media files (mediastore.Store).
type Media interface {
	Delete(ctx context.Context, key string) error
}

// auditor records the administrative actions (audit.Log).
type auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
	RecordSystem(ctx context.Context, tenant uuid.UUID, c audit.Change) error
}

// Options configures a Service; zero values take the defaults.
type Options struct {
	Page          int           // rows read per query of an export (500)
	Batch         int           // rows deleted per transaction (1000)
	ProgressEvery time.Duration // how often an export or a deletion logs its progress (5 s)
	// ChannelSpec says which keys of a channel's configuration are secrets.
	ChannelSpec func(inbox.ChannelKind) inbox.ChannelSpec
	// Forget drops what the node keeps in memory of a deleted business (inbox.Service's
	// ForgetTenant), so that its tokens and webhooks are refused at once.
	Forget func(tenant uuid.UUID)
	// Disconnect unregisters the webhooks of the business's channels before they are
	// deleted (inbox.Service's DisconnectChannels); nil: nothing to unregister.
	Disconnect func(ctx context.Context, tenant uuid.UUID) error
}

// Service runs the exports, deletions and erasures.
type Service struct {
	store Store
	media Media // nil: no media store
	audit auditor
	log   *slog.Logger
	o     Options
}

// New returns the service. media may be nil.
func New(store Store, media Media, a auditor, log *slog.Logger, o Options) *Service {
	if o.Page <= 0 {
		o.Page = 500
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 5 * time.Second
	}
	if o.Forget == nil {
		o.Forget = func(uuid.UUID) {}
	}
	if o.ChannelSpec == nil {
		o.ChannelSpec = func(inbox.ChannelKind) inbox.ChannelSpec { return inbox.ChannelSpec{} }
	}
	return &Service{store: store, media: media, audit: a, log: log, o: o}
}

// ExportSummary is what an export wrote.
type ExportSummary struct {
	Rows     map[string]int64 // by type
	Bytes    int64
	Duration time.Duration
}

// Export writes the principal's business as NDJSON to w (super_admin only).
func (s *Service) Export(ctx context.Context, p auth.Principal, w io.Writer) (ExportSummary, error) {
	if !p.Can(auth.PermBusinessAdmin) {
		return ExportSummary{}, inbox.Forbidden("Only a super admin can export the business")
	}
	sum, err := s.export(ctx, p.TenantID, w)
	if err != nil {
		return sum, err
	}
	return sum, s.audit.Record(ctx, p, exported(p.TenantID, sum))
}

// ExportTenant writes a business as NDJSON to w, for the command line.
func (s *Service) ExportTenant(ctx context.Context, tenant uuid.UUID, w io.Writer) (ExportSummary, error) {
	sum, err := s.export(ctx, tenant, w)
	if err != nil {
		return sum, err
	}
	return sum, s.audit.RecordSystem(ctx, tenant, exported(tenant, sum))
}

func exported(tenant uuid.UUID, sum ExportSummary) audit.Change {
	return audit.Change{Action: "business.exported", ObjectType: "business", ObjectID: tenant.String(),
		After: map[string]any{"rows": sum.Rows, "bytes": sum.Bytes}}
}

// types are the export's line types by table; a table missing here is typed by its name.
var types = map[string]string{
	"tenants": "business", "users": "user", "teams": "team", "team_members": "team_member",
	"contacts": "contact", "channels": "channel", "contact_identities": "contact_identity",
	"campaigns": "campaign", "broadcasts": "broadcast", "tags": "tag", "conversations": "conversation",
	"conversation_tags": "conversation_tag", "messages": "message", "message_mentions": "message_mention",
	"message_status_history": "message_status", "parked_receipts": "parked_receipt", "outbox": "outbox_item",
	"events": "event", "voice_calls": "voice_call", "audit_log": "audit_entry",
	"two_factor": "two_factor", "two_factor_recovery_codes": "recovery_code", "api_keys": "api_key",
	"invitations": "invitation", "password_resets": "password_reset",
}

// secretish are parts of the names of columns that hold a secret or its hash (password
// hashes, second-factor secrets, hashes of api keys, recovery codes and invitation and reset
// tokens, in any table, a later one's too): no export carries them.
var secretish = []string{"password", "secret", "token", "hash"}

func leftOut(col string) bool {
	return slices.ContainsFunc(secretish, func(s string) bool { return strings.Contains(col, s) })
}

// redacted replaces a secret's value in an export.
const redacted = "[redacted]"

// typeOf is the export's line type of a table's rows.
func typeOf(table string) string {
	if typ := types[table]; typ != "" {
		return typ
	}
	return table
}

// ManifestType is the type of an export's first line, which describes the lines after it.
const ManifestType = "manifest"

// Manifest is the data of an export's first line: what follows, counted by type before the
// rows are read (rows written during the export may make the lines differ a little), so a
// reader can show its progress. A reader of the rows skips it as a line of an unknown type.
type Manifest struct {
	Format     string           `json:"format"` // always "teaminbox.business-export"
	Version    int              `json:"version"`
	BusinessID uuid.UUID        `json:"business_id"`
	StartedAt  time.Time        `json:"started_at"`
	Counts     map[string]int64 `json:"counts"` // lines to come, by type
	Total      int64            `json:"total"`  // their sum
}

func (s *Service) manifest(ctx context.Context, tenant uuid.UUID, now time.Time) ([]byte, error) {
	byTable, err := s.store.CountTenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	m := Manifest{Format: "teaminbox.business-export", Version: 1, BusinessID: tenant, StartedAt: now.UTC(), Counts: map[string]int64{}}
	for table, n := range byTable {
		m.Counts[typeOf(table)] += n
		m.Total += n
	}
	line, err := json.Marshal(struct {
		Type string   `json:"type"`
		Data Manifest `json:"data"`
	}{ManifestType, m})
	return append(line, '\n'), err
}

func (s *Service) export(ctx context.Context, tenant uuid.UUID, w io.Writer) (ExportSummary, error) {
	if _, err := s.store.TenantName(ctx, tenant); err != nil {
		return ExportSummary{}, fmt.Errorf("export: %w", err)
	}
	start := time.Now()
	head, err := s.manifest(ctx, tenant, start)
	if err != nil {
		return ExportSummary{}, fmt.Errorf("export: %w", err)
	}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	sum := ExportSummary{Rows: map[string]int64{}}
	if _, err := bw.Write(head); err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	lastLog := start
	var line []byte
	err = s.store.ExportTenant(ctx, tenant, s.o.Page, func(r Row) error {
		typ := typeOf(r.Table)
		var err error
		line, err = s.appendLine(line[:0], typ, r)
		if err != nil {
			return err
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
		sum.Rows[typ]++
		if time.Since(lastLog) >= s.o.ProgressEvery {
			lastLog = time.Now()
			s.log.InfoContext(ctx, "export progress", "business", tenant, "type", typ, "rows", sum.Rows[typ],
				"bytes", cw.n+int64(bw.Buffered()), "elapsed_ms", time.Since(start).Milliseconds())
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	sum.Bytes, sum.Duration = cw.n, time.Since(start)
	if err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	attrs := []any{"business", tenant, "bytes", sum.Bytes, "elapsed_ms", sum.Duration.Milliseconds()}
	for _, t := range slices.Sorted(maps.Keys(sum.Rows)) {
		attrs = append(attrs, "rows_"+t, sum.Rows[t])
	}
	s.log.InfoContext(ctx, "export done", attrs...)
	return sum, nil
}

// appendLine appends {"type":…,"data":{…}} and a newline to buf.
func (s *Service) appendLine(buf []byte, typ string, r Row) ([]byte, error) {
	buf = append(buf, `{"type":`...)
	buf = appendJSON(buf, typ)
	buf = append(buf, `,"data":{`...)
	first := true
	var kind inbox.ChannelKind
	for i, c := range r.Columns {
		if leftOut(c) {
			continue
		}
		v := r.Values[i]
		if r.Table == "channels" {
			switch c {
			case "kind":
				str, _ := v.(string)
				kind = inbox.ChannelKind(str)
			case "config":
				v = s.redact(kind, v)
			}
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendJSON(buf, c)
		buf = append(buf, ':')
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", r.Table, c, err)
		}
		buf = append(buf, raw...)
	}
	return append(buf, "}}\n"...), nil
}

// redact keeps only the configuration keys the channel's kind declares as not secret: an
// unknown key may be a secret too.
func (s *Service) redact(kind inbox.ChannelKind, v any) any {
	raw, ok := v.(json.RawMessage)
	var config map[string]any
	if !ok || json.Unmarshal(raw, &config) != nil {
		return redacted
	}
	spec := s.o.ChannelSpec(kind)
	for k := range config {
		public := (slices.Contains(spec.Required, k) || slices.Contains(spec.Optional, k)) && !slices.Contains(spec.Secret, k)
		if !public {
			config[k] = redacted
		}
	}
	return config
}

func appendJSON(buf []byte, s string) []byte {
	raw, _ := json.Marshal(s) // a string always marshals
	return append(buf, raw...)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ErrConfirm is a deletion whose confirmation is not the business's name.
var ErrConfirm = errors.New("the confirmation does not match the business's name")

// Delete deletes the principal's business with everything it owns (super_admin only);
// confirm must be the business's name.
func (s *Service) Delete(ctx context.Context, p auth.Principal, confirm string) error {
	if !p.Can(auth.PermBusinessAdmin) {
		return inbox.Forbidden("Only a super admin can delete the business")
	}
	name, err := s.store.TenantName(ctx, p.TenantID)
	if err != nil {
		return fmt.Errorf("delete business: %w", err)
	}
	if confirm != name {
		return inbox.Invalid(map[string]string{"confirm": "Must be the business's name, exactly"})
	}
	c, err := s.deleteTenant(ctx, p.TenantID, name)
	if err != nil {
		return err
	}
	return s.audit.Record(ctx, p, c)
}

// DeleteTenant deletes a business with everything it owns, for the command line.
func (s *Service) DeleteTenant(ctx context.Context, tenant uuid.UUID) error {
	name, err := s.store.TenantName(ctx, tenant)
	if err != nil {
		return fmt.Errorf("delete business: %w", err)
	}
	c, err := s.deleteTenant(ctx, tenant, name)
	if err != nil {
		return err
	}
	return s.audit.RecordSystem(ctx, tenant, c)
}

// deleteTenant deletes the business batch by batch, then its media files, and returns the
// audit entry that stays (the audit log's rows of the business go with the rest).
func (s *Service) deleteTenant(ctx context.Context, tenant uuid.UUID, name string) (audit.Change, error) {
	if s.o.Disconnect != nil {
		if err := s.o.Disconnect(ctx, tenant); err != nil {
			return audit.Change{}, fmt.Errorf("delete business: %w", err)
		}
	}
	start := time.Now()
	lastLog := start
	rows := map[string]int64{}
	media := 0
	for {
		step, err := s.store.DeleteTenantBatch(ctx, tenant, s.o.Batch)
		if err != nil {
			return audit.Change{}, fmt.Errorf("delete business: %w", err)
		}
		if step.Table == "" {
			s.o.Forget(tenant)
			break
		}
		rows[step.Table] += step.Rows
		n, err := s.deleteMedia(ctx, tenant, step.Media)
		media += n
		if err != nil {
			return audit.Change{}, fmt.Errorf("delete business: %w", err)
		}
		if time.Since(lastLog) >= s.o.ProgressEvery {
			lastLog = time.Now()
			s.log.InfoContext(ctx, "delete progress", "business", tenant, "table", step.Table, "rows", rows[step.Table],
				"elapsed_ms", time.Since(start).Milliseconds())
		}
	}
	attrs := []any{"business", tenant, "media_files", media, "elapsed_ms", time.Since(start).Milliseconds()}
	for _, t := range slices.Sorted(maps.Keys(rows)) {
		attrs = append(attrs, "rows_"+t, rows[t])
	}
	s.log.InfoContext(ctx, "business deleted", attrs...)
	return audit.Change{Action: "business.deleted", ObjectType: "business", ObjectID: tenant.String(),
		Before: map[string]any{"name": name}, After: map[string]any{"rows": rows, "media_files": media}}, nil
}

// deleteMedia deletes the files of refs from the media store, and returns how many.
func (s *Service) deleteMedia(ctx context.Context, tenant uuid.UUID, refs []MediaRef) (int, error) {
	if s.media == nil {
		return 0, nil
	}
	for i, m := range refs {
		if err := s.media.Delete(ctx, mediastore.Key(tenant.String(), m.ChannelID, m.MediaID)); err != nil {
			return i, err
		}
	}
	return len(refs), nil
}

// EraseContact deletes one contact of the principal's business with their conversations,
// messages and media files (the right to erasure). The audit entry keeps only the id and
// the counts: the personal data erased is not stored again.
func (s *Service) EraseContact(ctx context.Context, p auth.Principal, contact uuid.UUID) (Erasure, error) {
	if !p.Can(auth.PermSettingsWrite) {
		return Erasure{}, inbox.Forbidden("Only an admin can erase a contact")
	}
	e, err := s.store.EraseContact(ctx, p.TenantID, contact)
	if errors.Is(err, inbox.ErrNotFound) {
		return Erasure{}, inbox.NotFound("Contact")
	}
	if err != nil {
		return Erasure{}, err
	}
	e.MediaFiles, err = s.deleteMedia(ctx, p.TenantID, e.Media)
	if err != nil {
		// The rows are gone and cannot be found again: the file left behind is logged.
		s.log.ErrorContext(ctx, "erase contact: media", "contact", contact, "err", err)
	}
	s.log.InfoContext(ctx, "contact erased", "business", p.TenantID, "contact", contact, "conversations", e.Conversations,
		"messages", e.Messages, "media_files", e.MediaFiles)
	return e, s.audit.Record(ctx, p, audit.Change{Action: "contact.erased", ObjectType: "contact", ObjectID: contact.String(),
		After: e})
}
