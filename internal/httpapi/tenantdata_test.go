package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/httpapi"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
)

// businessEnv is an env with the business routes, a media folder and the audit trail.
type businessEnv struct {
	*env
	db    *sql.DB
	media *mediastore.FS
}

func newBusinessEnv(t *testing.T, open func(testing.TB) inbox.Store) *businessEnv {
	b := &businessEnv{}
	var err error
	if b.media, err = mediastore.NewFS(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	b.env = newEnv(t, func(o *options) {
		o.open = open
		o.deps = func(e *env, d *httpapi.Deps) {
			d.Business = tenantdata.New(e.st.(tenantdata.Store), b.media, audit.New(e.st.(audit.Store)), slog.New(slog.DiscardHandler), tenantdata.Options{
				Page: 7, Batch: 50, ChannelSpec: e.svc.ChannelSpecFor, Forget: e.svc.ForgetTenant})
		}
	})
	b.db = b.st.(interface{ DB() *sql.DB }).DB()
	return b
}

// actions lists the tenant's audit entries' actions, oldest first, and the last one's before
// and after.
func (b *businessEnv) actions(tenant uuid.UUID) (actions []string, last string) {
	b.t.Helper()
	rows, err := b.db.Query(b.bind(`SELECT action, COALESCE(before, '') || COALESCE(after, '') FROM audit_log WHERE tenant_id = ? ORDER BY created_at, id`), tenant)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a, &last); err != nil {
			b.t.Fatal(err)
		}
		actions = append(actions, a)
	}
	return actions, last
}

func forBothStores(t *testing.T, fn func(t *testing.T, open func(testing.TB) inbox.Store)) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) { fn(t, open) })
	}
}

// bind rewrites ? placeholders for PostgreSQL.
func (b *businessEnv) bind(query string) string {
	if _, pg := b.st.(interface{ FoldCounts(context.Context) error }); !pg {
		return query
	}
	for i := 1; strings.Contains(query, "?"); i++ {
		query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
	}
	return query
}

func (b *businessEnv) count(query string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.db.QueryRow(b.bind(query), args...).Scan(&n); err != nil {
		b.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// tenantTables lists the tables with a tenant_id column, from the database's catalog.
func (b *businessEnv) tenantTables() []string {
	b.t.Helper()
	query := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND c.name = 'tenant_id'`
	if b.bind("?") != "?" {
		query = `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
			WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id'`
	}
	rows, err := b.db.Query(query)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, name)
	}
	if len(out) < 15 {
		b.t.Fatalf("the catalog lists only %v", out)
	}
	return out
}

// tenantCounts counts the tenant's rows in every table with a tenant_id, and its tenants row.
// PostgreSQL's statistics changes are folded first: the fold moves rows between tables.
func (b *businessEnv) tenantCounts(tenant uuid.UUID) map[string]int {
	if pg, ok := b.st.(interface{ FoldCounts(context.Context) error }); ok {
		if err := pg.FoldCounts(context.Background()); err != nil {
			b.t.Fatal(err)
		}
	}
	counts := map[string]int{"tenants": b.count(`SELECT COUNT(*) FROM tenants WHERE id = ?`, tenant)}
	for _, table := range b.tenantTables() {
		counts[table] = b.count(`SELECT COUNT(*) FROM `+table+` WHERE tenant_id = ?`, tenant)
	}
	return counts
}

// orphans counts the rows of tables without tenant_id whose owner is gone.
func (b *businessEnv) orphans() map[string]int {
	return map[string]int{
		"team_members": b.count(`SELECT COUNT(*) FROM team_members x WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = x.team_id)
			OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.user_id)`),
		"conversation_tags": b.count(`SELECT COUNT(*) FROM conversation_tags x WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = x.conversation_id)
			OR NOT EXISTS (SELECT 1 FROM tags t WHERE t.id = x.tag_id)`),
		"message_mentions":       b.count(`SELECT COUNT(*) FROM message_mentions x WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = x.message_id)`),
		"message_status_history": b.count(`SELECT COUNT(*) FROM message_status_history x WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = x.message_id)`),
		"parked_receipts":        b.count(`SELECT COUNT(*) FROM parked_receipts x WHERE NOT EXISTS (SELECT 1 FROM channels c WHERE c.id = x.channel_id)`),
	}
}

// laterTable adds a table as a later migration might (invitations), with a row of each
// business: the export and the deletion must find it in the catalog.
func (b *businessEnv) laterTable() {
	b.t.Helper()
	if _, err := b.db.Exec(`CREATE TABLE zz_invitations (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email TEXT NOT NULL, token_hash TEXT NOT NULL)`); err != nil {
		b.t.Fatal(err)
	}
	for _, tenant := range []uuid.UUID{seed.DemoTenantID, b.b.tenant} {
		if _, err := b.db.Exec(b.bind(`INSERT INTO zz_invitations VALUES (?, ?, 'new@example.com', 'hash-of-invitation-token')`),
			uuid.NewString(), tenant.String()); err != nil {
			b.t.Fatal(err)
		}
	}
}

// credentials gives the tenant of token an invitation and an API key, and returns the key.
func (b *businessEnv) credentials(token string) string {
	b.t.Helper()
	b.expect(b.do("POST", "/v1/invitations", token, map[string]any{"email": "pat-" + uuid.NewString()[:8] + "@example.com", "role": "viewer"}), 201, "invite")
	return b.expect(b.do("POST", "/v1/api-keys", token, map[string]any{"name": "export", "role": "viewer"}), 201, "api key").data()["key"].(string)
}

// withMedia stores a message with a media attachment in conversation, and its file.
func (b *businessEnv) withMedia(tenant, conversation, channel uuid.UUID, mediaID string) string {
	b.t.Helper()
	ctx := context.Background()
	_, err := b.st.InsertMessage(ctx, inbox.Message{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, ConversationID: conversation,
		SenderType: inbox.SenderEndUser, Content: "a photo", ContentType: inbox.ContentImage, Status: inbox.DeliveryReceived,
		Attachments: []inbox.Attachment{{MediaID: mediaID, MimeType: "image/png"}}, CreatedAt: time.Now()},
		inbox.Touch{UnreadDelta: 1, UpdatedAt: time.Now()})
	if err != nil {
		b.t.Fatal(err)
	}
	key := mediastore.Key(tenant.String(), channel.String(), mediaID)
	if err := b.media.Put(ctx, key, mediastore.File{ContentType: "image/png", Body: []byte("png")}); err != nil {
		b.t.Fatal(err)
	}
	return key
}

// withUpload stores a file uploaded to send, its row and its file.
func (b *businessEnv) withUpload(tenant uuid.UUID) string {
	b.t.Helper()
	ctx := context.Background()
	u := inbox.MediaUpload{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, FileName: "price list.pdf", MimeType: "application/pdf", Size: 3, CreatedAt: time.Now()}
	if err := b.st.(channels.UploadStore).CreateUpload(ctx, u); err != nil {
		b.t.Fatal(err)
	}
	key := mediastore.Key(tenant.String(), "uploads", u.ID.String())
	if err := b.media.Put(ctx, key, mediastore.File{ContentType: u.MimeType, Body: []byte("pdf")}); err != nil {
		b.t.Fatal(err)
	}
	return key
}

func (b *businessEnv) mediaExists(key string) bool {
	ok, err := b.media.Exists(context.Background(), key)
	if err != nil {
		b.t.Fatal(err)
	}
	return ok
}

// TestBusinessExport: a super admin downloads every row of the business as NDJSON; the
// counts per type are the database's, no password hash, channel secret or other business's
// row is in it.
func TestBusinessExport(t *testing.T) {
	forBothStores(t, func(t *testing.T, open func(testing.TB) inbox.Store) {
		b := newBusinessEnv(t, open)
		tenant := seed.DemoTenantID
		apiKey := b.credentials(b.tokenOf[auth.RoleSuperAdmin])
		b.expect(b.do("POST", "/v1/channels", b.tokenOf[auth.RoleAdmin], map[string]any{"kind": "whatsapp", "name": "Exported",
			"config": map[string]string{"phone_number_id": "12345", "access_token": "sekrit-access-token"}}), 201, "channel")
		for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleExecutive, auth.RoleViewer} {
			b.expect(b.do("GET", "/v1/business/export", b.tokenOf[r], nil), 403, string(r))
		}
		res := b.do("GET", "/v1/business/export", b.tokenOf[auth.RoleSuperAdmin], nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/x-ndjson" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("export: %d %v", res.Status, res.Header)
		}
		for _, leak := range []string{"password_hash", "$argon2", "sekrit-access-token", "hash-of-invitation-token", apiKey, "key_hash", "token_hash", b.b.tenant.String(), "tenant B secret words"} {
			if bytes.Contains(res.Raw, []byte(leak)) {
				t.Errorf("the export holds %q", leak)
			}
		}
		got := map[string]int{}
		var manifest tenantdata.Manifest
		sc := bufio.NewScanner(bytes.NewReader(res.Raw))
		sc.Buffer(nil, 1<<20)
		for first := true; sc.Scan(); first = false {
			var line struct {
				Type string         `json:"type"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Type == "" || line.Data == nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			if first != (line.Type == "manifest") {
				t.Fatalf("the manifest is not the first line, and only it: %.200s", sc.Text())
			}
			if first {
				var head struct{ Data tenantdata.Manifest }
				if err := json.Unmarshal(sc.Bytes(), &head); err != nil {
					t.Fatal(err)
				}
				manifest = head.Data
				continue
			}
			got[line.Type]++
			if line.Type == "channel" && line.Data["name"] == "Exported" {
				config := line.Data["config"].(map[string]any)
				if config["phone_number_id"] != "12345" || config["access_token"] != "[redacted]" {
					t.Errorf("channel config %v", config)
				}
			}
		}
		want := map[string]int{
			"business":         b.count(`SELECT COUNT(*) FROM tenants WHERE id = ?`, tenant),
			"user":             b.count(`SELECT COUNT(*) FROM users WHERE tenant_id = ?`, tenant),
			"team":             b.count(`SELECT COUNT(*) FROM teams WHERE tenant_id = ?`, tenant),
			"team_member":      b.count(`SELECT COUNT(*) FROM team_members x JOIN teams t ON t.id = x.team_id WHERE t.tenant_id = ?`, tenant),
			"contact":          b.count(`SELECT COUNT(*) FROM contacts WHERE tenant_id = ?`, tenant),
			"contact_identity": b.count(`SELECT COUNT(*) FROM contact_identities WHERE tenant_id = ?`, tenant),
			"channel":          b.count(`SELECT COUNT(*) FROM channels WHERE tenant_id = ?`, tenant),
			"tag":              b.count(`SELECT COUNT(*) FROM tags WHERE tenant_id = ?`, tenant),
			"conversation":     b.count(`SELECT COUNT(*) FROM conversations WHERE tenant_id = ?`, tenant),
			"conversation_tag": b.count(`SELECT COUNT(*) FROM conversation_tags x JOIN conversations c ON c.id = x.conversation_id WHERE c.tenant_id = ?`, tenant),
			"message":          b.count(`SELECT COUNT(*) FROM messages WHERE tenant_id = ?`, tenant),
			"message_status":   b.count(`SELECT COUNT(*) FROM message_status_history x JOIN messages m ON m.id = x.message_id WHERE m.tenant_id = ?`, tenant),
			"event":            b.count(`SELECT COUNT(*) FROM events WHERE tenant_id = ?`, tenant),
			"api_key":          1,
			"invitation":       1,
		}
		for typ, n := range want {
			if got[typ] != n {
				t.Errorf("%s: %d lines, the database holds %d", typ, got[typ], n)
			}
		}
		// The manifest announced every line that came, by type, and their total.
		total := 0
		for typ, n := range got {
			total += n
			if manifest.Counts[typ] != int64(n) {
				t.Errorf("manifest: %d %s lines, the export has %d", manifest.Counts[typ], typ, n)
			}
		}
		if manifest.Total != int64(total) || manifest.BusinessID != tenant || manifest.Version != 1 || manifest.Format != "teaminbox.business-export" {
			t.Errorf("manifest %+v, the export has %d lines", manifest, total)
		}
		if want["message"] < 20 || want["team_member"] == 0 || want["conversation"] == 0 {
			t.Fatalf("the demo is too small to show paging: %v", want)
		}
		if a, _ := b.actions(tenant); len(a) == 0 || a[len(a)-1] != "business.exported" {
			t.Errorf("audit %v", a)
		}
	})
}

// TestBusinessDelete: a wrong confirmation or role changes nothing; the right one leaves no
// row of the business in any table with a tenant_id (whatever the catalog lists), no orphan
// and no media file, refuses its tokens, and leaves the other business whole.
func TestBusinessDelete(t *testing.T) {
	forBothStores(t, func(t *testing.T, open func(testing.TB) inbox.Store) {
		b := newBusinessEnv(t, open)
		tenant := seed.DemoTenantID
		var conv, channel uuid.UUID
		if err := b.db.QueryRow(b.bind(`SELECT id, channel_id FROM conversations WHERE tenant_id = ? LIMIT 1`), tenant).Scan(&conv, &channel); err != nil {
			t.Fatal(err)
		}
		b.laterTable()
		apiKeyA := b.credentials(b.tokenOf[auth.RoleSuperAdmin])
		apiKeyB := b.credentials(b.b.token)
		keyA := b.withMedia(tenant, conv, channel, "media-a")
		keyB := b.withMedia(b.b.tenant, b.b.conversation, b.b.channel, "media-b")
		uploadA, uploadB := b.withUpload(tenant), b.withUpload(b.b.tenant)
		var name string
		if err := b.db.QueryRow(b.bind(`SELECT name FROM tenants WHERE id = ?`), tenant).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.WebhookChannel(context.Background(), channel); err != nil { // cached from now on
			t.Fatal(err)
		}
		otherBefore := b.tenantCounts(b.b.tenant)
		before := b.rowCounts()
		super := b.tokenOf[auth.RoleSuperAdmin]
		b.expect(b.do("DELETE", "/v1/business", super, map[string]any{"confirm": name + "x"}), 400, "wrong name")
		b.expect(b.do("DELETE", "/v1/business", super, map[string]any{}), 400, "no confirmation")
		b.expect(b.do("DELETE", "/v1/business", b.tokenOf[auth.RoleAdmin], map[string]any{"confirm": name}), 403, "admin")
		b.unchanged(before, "refused deletions")

		b.expect(b.do("DELETE", "/v1/business", super, map[string]any{"confirm": name}), 200, "delete")
		for table, n := range b.tenantCounts(tenant) {
			allowed := 0
			if table == "audit_log" {
				allowed = 1 // business.deleted
			}
			if n > allowed {
				t.Errorf("%s still holds %d rows of the deleted business", table, n)
			}
		}
		for table, n := range b.orphans() {
			if n != 0 {
				t.Errorf("%s holds %d orphans", table, n)
			}
		}
		for table, n := range b.tenantCounts(b.b.tenant) {
			if otherBefore[table] != n {
				t.Errorf("the other business's %s went from %d to %d rows", table, otherBefore[table], n)
			}
		}
		if b.mediaExists(keyA) || !b.mediaExists(keyB) {
			t.Errorf("media after: deleted business's %v, other's %v", b.mediaExists(keyA), b.mediaExists(keyB))
		}
		if b.mediaExists(uploadA) || !b.mediaExists(uploadB) {
			t.Errorf("uploads after: deleted business's %v, other's %v", b.mediaExists(uploadA), b.mediaExists(uploadB))
		}
		b.expect(b.do("GET", "/v1/auth/me", super, nil), 401, "token of the deleted business")
		b.expect(b.do("GET", "/v1/conversations", b.tokenOf[auth.RoleViewer], nil), 401, "another token of it")
		b.expect(b.do("GET", "/v1/conversations", apiKeyA, nil), 401, "an api key of it")
		b.expect(b.do("GET", "/v1/conversations", b.b.token, nil), 200, "the other business")
		b.expect(b.do("GET", "/v1/conversations", apiKeyB, nil), 200, "the other business's api key")
		if _, err := b.svc.WebhookChannel(context.Background(), channel); err == nil {
			t.Error("a channel of the deleted business is still found for its webhooks")
		}
		if a, _ := b.actions(tenant); len(a) != 1 || a[0] != "business.deleted" {
			t.Errorf("the deleted business's audit log holds %v, want its deletion alone", a)
		}
	})
}

// TestEraseContact: an admin erases a contact with their conversations, messages, events
// and media; other contacts and the statistics stay consistent; another business's
// contact is a 404.
func TestEraseContact(t *testing.T) {
	forBothStores(t, func(t *testing.T, open func(testing.TB) inbox.Store) {
		b := newBusinessEnv(t, open)
		tenant := seed.DemoTenantID
		var contact, conv, channel uuid.UUID
		var phone, firstName string
		if err := b.db.QueryRow(b.bind(`SELECT c.contact_id, c.id, c.channel_id, ct.phone, ct.first_name FROM conversations c
			JOIN contacts ct ON ct.id = c.contact_id WHERE c.tenant_id = ?
			AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id) LIMIT 1`), tenant).Scan(&contact, &conv, &channel, &phone, &firstName); err != nil {
			t.Fatal(err)
		}
		key := b.withMedia(tenant, conv, channel, "erase-me")
		other := b.withMedia(b.b.tenant, b.b.conversation, b.b.channel, "keep-me")
		admin := b.tokenOf[auth.RoleAdmin]
		path := "/v1/contacts/" + contact.String() + "/erase"

		b.expect(b.do("POST", path, b.tokenOf[auth.RoleExecutive], nil), 403, "executive")
		b.expect(b.do("POST", "/v1/contacts/"+b.b.contact.String()+"/erase", admin, nil), 404, "other business's contact")
		b.expect(b.do("POST", "/v1/contacts/nope/erase", admin, nil), 400, "bad id")

		contacts := b.count(`SELECT COUNT(*) FROM contacts WHERE tenant_id = ?`, tenant)
		convs := b.count(`SELECT COUNT(*) FROM conversations WHERE contact_id = ?`, contact)
		msgs := b.count(`SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?`, contact)
		statsBefore := b.expect(b.do("GET", "/v1/conversations/statistics", admin, nil), 200, "stats").data()["total_conversations"].(float64)
		otherBefore := b.tenantCounts(b.b.tenant)

		r := b.expect(b.do("POST", path, admin, nil), 200, "erase")
		erased := r.data()["erased"].(map[string]any)
		if int(erased["conversations"].(float64)) != convs || int(erased["messages"].(float64)) != msgs || erased["media_files"].(float64) != 1 {
			t.Errorf("erased %v, want %d conversations and %d messages", erased, convs, msgs)
		}
		b.expect(b.do("GET", "/v1/contacts/"+contact.String(), admin, nil), 404, "erased contact")
		b.expect(b.do("POST", path, admin, nil), 404, "erased again")
		for what, n := range map[string]int{
			"contact":       b.count(`SELECT COUNT(*) FROM contacts WHERE id = ?`, contact),
			"identities":    b.count(`SELECT COUNT(*) FROM contact_identities WHERE contact_id = ?`, contact),
			"conversations": b.count(`SELECT COUNT(*) FROM conversations WHERE contact_id = ?`, contact),
			"messages":      b.count(`SELECT COUNT(*) FROM messages WHERE conversation_id = ?`, conv),
			"events":        b.count(`SELECT COUNT(*) FROM events WHERE conversation_id = ?`, conv),
		} {
			if n != 0 {
				t.Errorf("%d %s of the erased contact remain", n, what)
			}
		}
		for table, n := range b.orphans() {
			if n != 0 {
				t.Errorf("%s holds %d orphans", table, n)
			}
		}
		if got := b.count(`SELECT COUNT(*) FROM contacts WHERE tenant_id = ?`, tenant); got != contacts-1 {
			t.Errorf("%d contacts left of %d", got, contacts)
		}
		stats := b.expect(b.do("GET", "/v1/conversations/statistics", admin, nil), 200, "stats").data()["total_conversations"].(float64)
		if int(statsBefore-stats) != convs || int(stats) != b.count(`SELECT COUNT(*) FROM conversations WHERE tenant_id = ?`, tenant) {
			t.Errorf("statistics count %v conversations (before %v), %d erased", stats, statsBefore, convs)
		}
		if b.mediaExists(key) || !b.mediaExists(other) {
			t.Error("the erased contact's media file remains, or another's went")
		}
		for table, n := range b.tenantCounts(b.b.tenant) {
			if otherBefore[table] != n {
				t.Errorf("the other business's %s went from %d to %d rows", table, otherBefore[table], n)
			}
		}
		a, entry := b.actions(tenant)
		if len(a) == 0 || a[len(a)-1] != "contact.erased" {
			t.Fatalf("audit %v", a)
		}
		if strings.Contains(entry, phone) || strings.Contains(entry, firstName) || !strings.Contains(entry, `"messages"`) {
			t.Errorf("the audit entry stores personal data, or no counts: %s", entry)
		}
	})
}
