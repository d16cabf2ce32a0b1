package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

const tenantColumns = `id, name, created_at, time_zone, default_template_language, disabled_at`

func tenantDest(t *inbox.Tenant) []any {
	return []any{&t.ID, &t.Name, timeCol{&t.CreatedAt}, &t.TimeZone, &t.DefaultTemplateLanguage, optTimeCol{&t.DisabledAt}}
}

func (q *queries) CreateTenant(ctx context.Context, t inbox.Tenant) error {
	_, err := q.exec(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.Name, micros(t.CreatedAt),
		cmp.Or(t.TimeZone, "UTC"), cmp.Or(t.DefaultTemplateLanguage, "en"), optMicros(t.DisabledAt))
	if err != nil {
		return fmt.Errorf("create tenant: %w", err)
	}
	return nil
}

func (q *queries) GetTenant(ctx context.Context, id uuid.UUID) (inbox.Tenant, error) {
	var t inbox.Tenant
	err := q.scanOne(ctx, "get tenant", `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, []any{id}, tenantDest(&t)...)
	return t, err
}

func (q *queries) ListTenants(ctx context.Context) ([]inbox.Tenant, error) {
	rows, err := q.query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return collect(rows, "list tenants", tenantDest)
}

const userColumns = `id, tenant_id, first_name, last_name, email, role, password_hash, created_at, deactivated_at, token_version`

func userDest(u *inbox.User) []any {
	return []any{&u.ID, &u.TenantID, &u.FirstName, &u.LastName, &u.Email, &u.Role, &u.PasswordHash, timeCol{&u.CreatedAt}, optTimeCol{&u.DeactivatedAt}, &u.TokenVersion}
}

func (q *queries) CreateUser(ctx context.Context, u inbox.User) error {
	_, err := q.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.TenantID, u.FirstName, u.LastName, u.Email, string(u.Role), u.PasswordHash, micros(u.CreatedAt), optMicros(u.DeactivatedAt), u.TokenVersion)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// SetUserDeactivated outside a transaction runs in one of its own, for keepASuperAdmin.
func (s *Store) SetUserDeactivated(ctx context.Context, tenant, id uuid.UUID, at *time.Time) error {
	return s.tx(ctx, func(q *queries) error { return q.SetUserDeactivated(ctx, tenant, id, at) })
}

func (q *queries) SetUserDeactivated(ctx context.Context, tenant, id uuid.UUID, at *time.Time) error {
	if at != nil {
		if err := q.keepASuperAdmin(ctx, tenant, id); err != nil {
			return err
		}
	}
	res, err := q.exec(ctx, `UPDATE users SET deactivated_at = ? WHERE tenant_id = ? AND id = ?`, optMicros(at), tenant, id)
	if err != nil {
		return fmt.Errorf("set user deactivated: %w", err)
	}
	return affected(res, "set user deactivated")
}

func (q *queries) GetUser(ctx context.Context, tenant, id uuid.UUID) (inbox.User, error) {
	var u inbox.User
	err := q.scanOne(ctx, "get user", `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, userDest(&u)...)
	return u, err
}

func (q *queries) GetUserByEmail(ctx context.Context, email string) (inbox.User, error) {
	var u inbox.User
	err := q.scanOne(ctx, "get user by email", `SELECT `+userColumns+` FROM users WHERE lower(email) = ?`,
		[]any{strings.ToLower(email)}, userDest(&u)...)
	return u, err
}

func (q *queries) ListUsers(ctx context.Context, tenant uuid.UUID) ([]inbox.User, error) {
	rows, err := q.query(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? ORDER BY first_name, last_name, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return collect(rows, "list users", userDest)
}

func (q *queries) CreateTeam(ctx context.Context, t inbox.Team) error {
	if _, err := q.exec(ctx, `INSERT INTO teams (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)`,
		t.ID, t.TenantID, t.Name, micros(t.CreatedAt)); err != nil {
		return fmt.Errorf("create team: %w", err)
	}
	for _, m := range t.MemberIDs {
		if err := q.exists(ctx, "add team member", `SELECT 1 FROM users WHERE tenant_id = ? AND id = ?`, t.TenantID, m); err != nil {
			return err
		}
		if _, err := q.exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, t.ID, m); err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
	}
	return nil
}

func (q *queries) GetTeam(ctx context.Context, tenant, id uuid.UUID) (inbox.Team, error) {
	var t inbox.Team
	if err := q.scanOne(ctx, "get team", `SELECT id, tenant_id, name, created_at FROM teams WHERE tenant_id = ? AND id = ?`,
		[]any{tenant, id}, &t.ID, &t.TenantID, &t.Name, timeCol{&t.CreatedAt}); err != nil {
		return t, err
	}
	members, err := q.teamMembers(ctx, []uuid.UUID{t.ID})
	t.MemberIDs = nonNilIDs(members[t.ID])
	return t, err
}

func (q *queries) ListTeams(ctx context.Context, tenant uuid.UUID) ([]inbox.Team, error) {
	rows, err := q.query(ctx, `SELECT id, tenant_id, name, created_at FROM teams WHERE tenant_id = ? ORDER BY name, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	teams, err := collect(rows, "list teams", func(t *inbox.Team) []any {
		return []any{&t.ID, &t.TenantID, &t.Name, timeCol{&t.CreatedAt}}
	})
	if err != nil || len(teams) == 0 {
		return teams, err
	}
	ids := make([]uuid.UUID, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	members, err := q.teamMembers(ctx, ids)
	for i := range teams {
		teams[i].MemberIDs = nonNilIDs(members[teams[i].ID])
	}
	return teams, err
}

func (q *queries) teamMembers(ctx context.Context, teams []uuid.UUID) (map[uuid.UUID][]uuid.UUID, error) {
	rows, err := q.query(ctx, `SELECT team_id, user_id FROM team_members WHERE team_id IN (`+placeholders(len(teams))+`) ORDER BY user_id`, idArgs(teams)...)
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID][]uuid.UUID{}
	for rows.Next() {
		var team, user uuid.UUID
		if err := rows.Scan(&team, &user); err != nil {
			return nil, fmt.Errorf("team members: %w", err)
		}
		out[team] = append(out[team], user)
	}
	return out, rows.Err()
}

func nonNilIDs(ids []uuid.UUID) []uuid.UUID {
	if ids == nil {
		return []uuid.UUID{}
	}
	return ids
}

const contactColumns = `id, tenant_id, first_name, last_name, phone, email, country_code, created_at, updated_at`

func contactDest(c *inbox.Contact) []any {
	return []any{&c.ID, &c.TenantID, &c.FirstName, &c.LastName, &c.Phone, &c.Email, &c.CountryCode, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}}
}

func (q *queries) CreateContact(ctx context.Context, c inbox.Contact) error {
	_, err := q.exec(ctx, `INSERT INTO contacts (`+contactColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, c.FirstName, c.LastName, c.Phone, c.Email, c.CountryCode, micros(c.CreatedAt), micros(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create contact: %w", err)
	}
	return nil
}

func (q *queries) UpdateContact(ctx context.Context, c inbox.Contact) error {
	res, err := q.exec(ctx, `UPDATE contacts SET first_name = ?, last_name = ?, phone = ?, email = ?, country_code = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, c.FirstName, c.LastName, c.Phone, c.Email, c.CountryCode, micros(c.UpdatedAt), c.TenantID, c.ID)
	if err != nil {
		return fmt.Errorf("update contact: %w", err)
	}
	return affected(res, "update contact")
}

func (q *queries) GetContact(ctx context.Context, tenant, id uuid.UUID) (inbox.Contact, error) {
	var c inbox.Contact
	err := q.scanOne(ctx, "get contact", `SELECT `+contactColumns+` FROM contacts WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, contactDest(&c)...)
	return c, err
}

func (q *queries) ListContacts(ctx context.Context, tenant uuid.UUID, f inbox.ContactFilter) ([]inbox.Contact, int, error) {
	where, args := `tenant_id = ?`, []any{tenant}
	if f.Search != "" {
		pat := LikePattern(f.Search)
		where += ` AND ((first_name || ' ' || last_name) ` + q.d.SQL.Get("ilike") + ` ? ESCAPE '\' OR phone LIKE ? ESCAPE '\' OR email ` + q.d.SQL.Get("ilike") + ` ? ESCAPE '\')`
		args = append(args, pat, pat, pat)
	}
	var total int
	if err := q.row(ctx, `SELECT COUNT(*) FROM contacts WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count contacts: %w", err)
	}
	limit, offset := pageWindow(f.Page, f.Limit)
	rows, err := q.query(ctx, `SELECT `+contactColumns+` FROM contacts WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list contacts: %w", err)
	}
	list, err := collect(rows, "list contacts", contactDest)
	return list, total, err
}

func (q *queries) AddContactIdentity(ctx context.Context, tenant, contactID uuid.UUID, id inbox.ContactIdentity) error {
	_, err := q.exec(ctx, `INSERT INTO contact_identities (channel_id, address, tenant_id, contact_id) VALUES (?, ?, ?, ?)`,
		id.ChannelID, id.Address, tenant, contactID)
	if err != nil {
		return fmt.Errorf("add contact identity: %w", err)
	}
	return nil
}

func (q *queries) FindContactByIdentity(ctx context.Context, tenant uuid.UUID, id inbox.ContactIdentity) (inbox.Contact, error) {
	var c inbox.Contact
	err := q.scanOne(ctx, "find contact by identity", `SELECT c.`+strings.ReplaceAll(contactColumns, ", ", ", c.")+`
		FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
		WHERE i.channel_id = ? AND i.address = ? AND i.tenant_id = ?`, []any{id.ChannelID, id.Address, tenant}, contactDest(&c)...)
	return c, err
}

func (q *queries) ContactIdentities(ctx context.Context, tenant, contactID uuid.UUID) ([]inbox.ContactIdentity, error) {
	rows, err := q.query(ctx, `SELECT channel_id, address FROM contact_identities WHERE tenant_id = ? AND contact_id = ? ORDER BY channel_id, address`, tenant, contactID)
	if err != nil {
		return nil, fmt.Errorf("contact identities: %w", err)
	}
	return collect(rows, "contact identities", func(i *inbox.ContactIdentity) []any { return []any{&i.ChannelID, &i.Address} })
}

const channelColumns = `id, tenant_id, kind, name, config, created_at, disabled_at`

func channelDest(c *inbox.Channel) []any {
	return []any{&c.ID, &c.TenantID, &c.Kind, &c.Name, jsonCol{&c.Config}, timeCol{&c.CreatedAt}, optTimeCol{&c.DisabledAt}}
}

func (q *queries) CreateChannel(ctx context.Context, c inbox.Channel) error {
	cfg, err := jsonArg(nonNilConfig(c.Config))
	if err != nil {
		return err
	}
	if _, err := q.exec(ctx, `INSERT INTO channels (`+channelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, string(c.Kind), c.Name, cfg, micros(c.CreatedAt), optMicros(c.DisabledAt)); err != nil {
		return fmt.Errorf("create channel: %w", err)
	}
	return nil
}

func (q *queries) UpdateChannel(ctx context.Context, c inbox.Channel) error {
	cfg, err := jsonArg(nonNilConfig(c.Config))
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, `UPDATE channels SET name = ?, config = ?, disabled_at = ? WHERE tenant_id = ? AND id = ?`,
		c.Name, cfg, optMicros(c.DisabledAt), c.TenantID, c.ID)
	if err != nil {
		return fmt.Errorf("update channel: %w", err)
	}
	return affected(res, "update channel")
}

func (q *queries) DeleteChannel(ctx context.Context, tenant, id uuid.UUID) error {
	var used int
	if err := q.row(ctx, `SELECT COUNT(*) FROM conversations WHERE tenant_id = ? AND channel_id = ?`, tenant, id).Scan(&used); err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	if used > 0 {
		return fmt.Errorf("delete channel: %w", inbox.ErrInUse)
	}
	res, err := q.exec(ctx, `DELETE FROM channels WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	return affected(res, "delete channel")
}

func (q *queries) GetChannel(ctx context.Context, tenant, id uuid.UUID) (inbox.Channel, error) {
	var c inbox.Channel
	err := q.scanOne(ctx, "get channel", `SELECT `+channelColumns+` FROM channels WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, channelDest(&c)...)
	return c, err
}

func (q *queries) LookupChannel(ctx context.Context, id uuid.UUID) (inbox.Channel, error) {
	var c inbox.Channel
	err := q.scanOne(ctx, "lookup channel", `SELECT `+channelColumns+` FROM channels WHERE id = ?`, []any{id}, channelDest(&c)...)
	return c, err
}

func (q *queries) ListChannels(ctx context.Context, tenant uuid.UUID) ([]inbox.Channel, error) {
	rows, err := q.query(ctx, `SELECT `+channelColumns+` FROM channels WHERE tenant_id = ? ORDER BY created_at, id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return collect(rows, "list channels", channelDest)
}

// channelHealth reads a channel's figures, each from an index of migration 0026 (or
// outbox_channel): a newest row, or a count of the last hour's failures and of the backlog.
const channelHealth = `SELECT
	(SELECT created_at FROM messages WHERE channel_id = ? AND sender_type = 'end_user' ORDER BY created_at DESC LIMIT 1),
	(SELECT sent_at FROM messages WHERE channel_id = ? AND sent_at IS NOT NULL ORDER BY sent_at DESC LIMIT 1),
	(SELECT COUNT(*) FROM messages WHERE channel_id = ? AND failed_at IS NOT NULL AND failed_at >= ?),
	(SELECT COUNT(*) FROM outbox WHERE channel_id = ?),
	(SELECT MIN(created_at) FROM outbox WHERE channel_id = ?)`

func (q *queries) ChannelHealth(ctx context.Context, id uuid.UUID, since time.Time) (inbox.ChannelHealth, error) {
	var h inbox.ChannelHealth
	err := q.scanOne(ctx, "channel health", channelHealth, []any{id, id, id, micros(since), id, id},
		optTimeCol{&h.LastInboundAt}, optTimeCol{&h.LastSentAt}, &h.FailedLastHour, &h.Backlog, optTimeCol{&h.OldestQueuedAt})
	return h, err
}

func nonNilConfig(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (q *queries) CreateCampaign(ctx context.Context, c inbox.Campaign) error {
	if _, err := q.exec(ctx, `INSERT INTO campaigns (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)`,
		c.ID, c.TenantID, c.Name, micros(c.CreatedAt)); err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	return nil
}

func (q *queries) CreateBroadcast(ctx context.Context, b inbox.Broadcast) error {
	if err := q.exists(ctx, "create broadcast: campaign", `SELECT 1 FROM campaigns WHERE tenant_id = ? AND id = ?`, b.TenantID, b.CampaignID); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `INSERT INTO broadcasts (id, tenant_id, campaign_id, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, b.TenantID, b.CampaignID, b.Name, micros(b.CreatedAt)); err != nil {
		return fmt.Errorf("create broadcast: %w", err)
	}
	return nil
}

func (q *queries) GetBroadcast(ctx context.Context, tenant, id uuid.UUID) (inbox.Broadcast, error) {
	var b inbox.Broadcast
	err := q.scanOne(ctx, "get broadcast", `SELECT id, tenant_id, campaign_id, name, created_at FROM broadcasts WHERE tenant_id = ? AND id = ?`,
		[]any{tenant, id}, &b.ID, &b.TenantID, &b.CampaignID, &b.Name, timeCol{&b.CreatedAt})
	return b, err
}

const tagColumns = `id, tenant_id, name, color, created_at`

func tagDest(t *inbox.Tag) []any {
	return []any{&t.ID, &t.TenantID, &t.Name, &t.Color, timeCol{&t.CreatedAt}}
}

func (q *queries) CreateTag(ctx context.Context, t inbox.Tag) error {
	if _, err := q.exec(ctx, `INSERT INTO tags (`+tagColumns+`) VALUES (?, ?, ?, ?, ?)`, t.ID, t.TenantID, t.Name, t.Color, micros(t.CreatedAt)); err != nil {
		return fmt.Errorf("create tag: %w", err)
	}
	return nil
}

func (q *queries) UpdateTag(ctx context.Context, t inbox.Tag) error {
	res, err := q.exec(ctx, `UPDATE tags SET name = ?, color = ? WHERE tenant_id = ? AND id = ?`, t.Name, t.Color, t.TenantID, t.ID)
	if err != nil {
		return fmt.Errorf("update tag: %w", err)
	}
	return affected(res, "update tag")
}

func (q *queries) DeleteTag(ctx context.Context, tenant, id uuid.UUID) error {
	if _, err := q.exec(ctx, `DELETE FROM conversation_tags WHERE tag_id IN (SELECT id FROM tags WHERE tenant_id = ? AND id = ?)`, tenant, id); err != nil {
		return fmt.Errorf("delete tag uses: %w", err)
	}
	res, err := q.exec(ctx, `DELETE FROM tags WHERE tenant_id = ? AND id = ?`, tenant, id)
	if err != nil {
		return fmt.Errorf("delete tag: %w", err)
	}
	return affected(res, "delete tag")
}

func (q *queries) GetTag(ctx context.Context, tenant, id uuid.UUID) (inbox.Tag, error) {
	var t inbox.Tag
	err := q.scanOne(ctx, "get tag", `SELECT `+tagColumns+` FROM tags WHERE tenant_id = ? AND id = ?`, []any{tenant, id}, tagDest(&t)...)
	return t, err
}

func (q *queries) ListTags(ctx context.Context, tenant uuid.UUID) ([]inbox.Tag, error) {
	rows, err := q.query(ctx, `SELECT `+tagColumns+` FROM tags WHERE tenant_id = ? ORDER BY lower(name), id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return collect(rows, "list tags", tagDest)
}

// keepASuperAdmin is inbox.ErrLastSuperAdmin when user is the tenant's only active super
// admin, whose role or access is about to go. It runs in the change's transaction and takes
// the tenant's lock first (SQLite's transactions have the one writer's), so two such changes
// cannot both see the other's super admin still there.
func (q *queries) keepASuperAdmin(ctx context.Context, tenant, user uuid.UUID) error {
	if q.d.SQL.Get("lock_tenant") != "" {
		if err := q.exists(ctx, "lock tenant", q.d.SQL.Get("lock_tenant"), tenant); err != nil {
			return fmt.Errorf("count super admins: lock tenant: %w", err)
		}
	}
	var self, others int
	err := q.row(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id = ? AND role = 'super_admin' AND deactivated_at IS NULL),
		(SELECT COUNT(*) FROM users WHERE tenant_id = ? AND id <> ? AND role = 'super_admin' AND deactivated_at IS NULL)`,
		tenant, user, tenant, user).Scan(&self, &others)
	if err != nil {
		return fmt.Errorf("count super admins: %w", err)
	}
	if self == 1 && others == 0 {
		return inbox.ErrLastSuperAdmin
	}
	return nil
}
