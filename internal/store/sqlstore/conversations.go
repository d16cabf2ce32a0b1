package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// conversationSelect reads a conversation with everything the views join to it, its tag
// names included, in one statement.
func (d *Dialect) conversationSelect() string {
	return `SELECT c.id, c.tenant_id, c.contact_id, c.channel_id, c.type, c.status, c.priority, c.category,
	c.assigned_user_id, c.assigned_team_id, c.broadcast_id, c.campaign_id, c.unread_count, c.last_message,
	c.last_message_at, c.last_inbound_at, c.first_response_at, c.resolved_at, c.closed_at, c.created_at, c.updated_at,
	ct.id, ct.tenant_id, ct.first_name, ct.last_name, ct.phone, ct.email, ct.country_code, ct.created_at, ct.updated_at,
	ch.kind, u.first_name, u.last_name, u.email, tm.name, b.name, b.campaign_id, cp.name, ` + d.SQL.Get("tag_names") + `
FROM conversations c
JOIN contacts ct ON ct.id = c.contact_id
JOIN channels ch ON ch.id = c.channel_id
LEFT JOIN users u ON u.id = c.assigned_user_id
LEFT JOIN teams tm ON tm.id = c.assigned_team_id
LEFT JOIN broadcasts b ON b.id = c.broadcast_id
LEFT JOIN campaigns cp ON cp.id = b.campaign_id`
}

// conversationRow is the scan target of Dialect.conversationSelect.
type conversationRow struct {
	c                                   inbox.Conversation
	userFirst, userLast, userEmail      sql.NullString
	teamName, broadcastName, campaignNm sql.NullString
	broadcastCampaign                   optIDHolder
}

type optIDHolder struct{ id *uuid.UUID }

func (r *conversationRow) dest() []any {
	c := &r.c
	return []any{&c.ID, &c.TenantID, &c.ContactID, &c.ChannelID, &c.Type, &c.Status, &c.Priority, &c.Category,
		optIDCol{&c.AssignedUserID}, optIDCol{&c.AssignedTeamID}, optIDCol{&c.BroadcastID}, optIDCol{&c.CampaignID},
		&c.UnreadCount, jsonCol{&c.LastMessage},
		optTimeCol{&c.LastMessageAt}, optTimeCol{&c.LastInboundAt}, optTimeCol{&c.FirstResponseAt}, optTimeCol{&c.ResolvedAt},
		optTimeCol{&c.ClosedAt}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt},
		&c.Contact.ID, &c.Contact.TenantID, &c.Contact.FirstName, &c.Contact.LastName, &c.Contact.Phone, &c.Contact.Email,
		&c.Contact.CountryCode, timeCol{&c.Contact.CreatedAt}, timeCol{&c.Contact.UpdatedAt},
		&c.Channel.Name, &r.userFirst, &r.userLast, &r.userEmail, &r.teamName, &r.broadcastName,
		optIDCol{&r.broadcastCampaign.id}, &r.campaignNm, jsonCol{&c.Tags}}
}

// conversation assembles the joined references.
func (r *conversationRow) conversation() inbox.Conversation {
	c := r.c
	c.Channel.ID = c.ChannelID
	if c.AssignedUserID != nil {
		c.AssignedUser = &inbox.UserRef{ID: *c.AssignedUserID, FirstName: r.userFirst.String, LastName: r.userLast.String, Email: r.userEmail.String}
	}
	if c.AssignedTeamID != nil {
		c.AssignedTeam = &inbox.TeamRef{ID: *c.AssignedTeamID, Name: r.teamName.String}
	}
	if c.BroadcastID != nil {
		c.Broadcast = &inbox.BroadcastRef{ID: *c.BroadcastID, Name: r.broadcastName.String, CampaignName: r.campaignNm.String}
		if r.broadcastCampaign.id != nil {
			c.Broadcast.CampaignID = *r.broadcastCampaign.id
		}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	return c
}

func (q *queries) CreateConversation(ctx context.Context, c inbox.Conversation) error {
	activity := c.CreatedAt
	if c.LastMessageAt != nil {
		activity = *c.LastMessageAt
	}
	var last any
	if c.LastMessage != nil {
		v, err := jsonArg(c.LastMessage)
		if err != nil {
			return err
		}
		last = v
	}
	_, err := q.exec(ctx, `INSERT INTO conversations (id, tenant_id, contact_id, channel_id, type, status, priority, category,
		assigned_user_id, assigned_team_id, broadcast_id, campaign_id, unread_count, last_message, last_message_at, last_inbound_at,
		first_response_at, resolved_at, closed_at, activity_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.TenantID, c.ContactID, c.ChannelID, c.Type, string(c.Status), string(c.Priority), c.Category,
		optID(c.AssignedUserID), optID(c.AssignedTeamID), optID(c.BroadcastID), optID(c.CampaignID), c.UnreadCount, last,
		optMicros(c.LastMessageAt), optMicros(c.LastInboundAt), optMicros(c.FirstResponseAt), optMicros(c.ResolvedAt),
		optMicros(c.ClosedAt), micros(activity), micros(c.CreatedAt), micros(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create conversation: %w", err)
	}
	return nil
}

func (q *queries) GetConversation(ctx context.Context, tenant, id uuid.UUID) (inbox.Conversation, error) {
	return q.conversation(ctx, "get conversation", `c.tenant_id = ? AND c.id = ?`, tenant, id)
}

// LockConversation reads the conversation and locks its row, in one statement.
func (q *queries) LockConversation(ctx context.Context, tenant, id uuid.UUID) (inbox.Conversation, error) {
	return q.conversation(ctx, "lock conversation", `c.tenant_id = ? AND c.id = ?`+q.lockOf("c"), tenant, id)
}

func (q *queries) LockOpenConversation(ctx context.Context, tenant, contactID, channelID uuid.UUID) (inbox.Conversation, error) {
	return q.conversation(ctx, "lock open conversation", `c.tenant_id = ? AND c.contact_id = ? AND c.channel_id = ?
		AND c.status <> 'closed' ORDER BY c.created_at DESC, c.id DESC LIMIT 1`+q.lockOf("c"), tenant, contactID, channelID)
}

// conversation reads the one conversation that the rest of the statement after WHERE (a
// condition on conversations aliased c, and any ORDER BY, LIMIT and lock) selects.
func (q *queries) conversation(ctx context.Context, what, where string, args ...any) (inbox.Conversation, error) {
	var r conversationRow
	if err := q.scanOne(ctx, what, q.d.conversationSelect()+` WHERE `+where, args, r.dest()...); err != nil {
		return inbox.Conversation{}, err
	}
	return r.conversation(), nil
}

// lockOf is the clause that locks the rows of alias until the transaction ends, where the
// database has one.
func (q *queries) lockOf(alias string) string {
	if q.d.SQL.Get("for_update") == "" {
		return ""
	}
	return ` ` + q.d.SQL.Get("for_update") + ` OF ` + alias
}

func (q *queries) FindOpenConversation(ctx context.Context, tenant, contactID, channelID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.scanOne(ctx, "find open conversation", `SELECT id FROM conversations
		WHERE tenant_id = ? AND contact_id = ? AND channel_id = ? AND status <> 'closed'
		ORDER BY created_at DESC, id DESC LIMIT 1`, []any{tenant, contactID, channelID}, &id)
	return id, err
}

// sortColumns maps the list's sort keys to SQL; conversations without messages sort by
// their creation time under last_message_at.
var sortColumns = map[string]string{
	inbox.SortLastMessageAt: "c.activity_at",
	inbox.SortCreatedAt:     "c.created_at",
	inbox.SortUpdatedAt:     "c.updated_at",
	inbox.SortUnreadCount:   "c.unread_count",
	inbox.SortPriority:      "CASE c.priority WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END",
}

// MinIndexedTerm is the shortest search term the trigram indexes of both databases answer:
// a shorter one is matched by scanning, and the conversation list leaves message content out.
const MinIndexedTerm = 3

// listConditions are the conditions of f's filters on conversations aliased c, the tenant's
// first, and their arguments.
func listConditions(tenant uuid.UUID, f inbox.ConversationFilter) ([]string, []any) {
	where := []string{"c.tenant_id = ?"}
	args := []any{tenant}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Status != "" {
		add("c.status = ?", string(f.Status))
	}
	if f.CampaignID != nil {
		add("c.campaign_id = ?", *f.CampaignID)
	}
	if f.BroadcastID != nil {
		add("c.broadcast_id = ?", *f.BroadcastID)
	}
	if f.ChannelKind != "" {
		add("c.channel_id IN (SELECT id FROM channels WHERE tenant_id = ? AND kind = ?)", tenant, string(f.ChannelKind))
	}
	if f.AssignedTo != nil {
		add("c.assigned_user_id = ?", *f.AssignedTo)
	}
	if f.Unassigned {
		add("c.assigned_user_id IS NULL")
	}
	if f.AssignedTeam != nil {
		add("c.assigned_team_id = ?", *f.AssignedTeam)
	}
	if f.NoTeam {
		add("c.assigned_team_id IS NULL")
	}
	if f.TagID != nil {
		add("c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag_id = ?)", *f.TagID)
	}
	if f.ContactID != nil {
		add("c.contact_id = ?", *f.ContactID)
	}
	if f.MentionedUser != nil {
		// Through message_mentions_user (migration 0025), then each note by its key.
		add(`c.id IN (SELECT m.conversation_id FROM message_mentions mm JOIN messages m ON m.id = mm.message_id
			WHERE mm.user_id = ? AND m.tenant_id = ?)`, *f.MentionedUser, tenant)
	}
	if f.ActiveSince != nil {
		add("c.activity_at >= ?", micros(*f.ActiveSince))
	}
	return where, args
}

func (q *queries) ListConversations(ctx context.Context, tenant uuid.UUID, f inbox.ConversationFilter) ([]inbox.Conversation, int, error) {
	where, args := listConditions(tenant, f)
	from := ` FROM conversations c WHERE ` + strings.Join(where, " AND ")
	col, ok := sortColumns[f.SortBy]
	if !ok {
		col = sortColumns[inbox.SortLastMessageAt]
	}
	dir := " DESC"
	if f.SortAsc {
		dir = " ASC"
	}
	order := ` ORDER BY ` + col + dir + `, c.id` + dir
	limit, offset := pageWindow(f.Page, f.Limit)
	var (
		ids   []uuid.UUID
		total int
		err   error
	)
	// Page through ids first, then join the display fields for just that page.
	if search := strings.TrimSpace(f.Search); search != "" {
		walkable := col == sortColumns[inbox.SortLastMessageAt]
		ids, total, err = q.searchPage(ctx, tenant, search, where, args, order, walkable, limit, offset)
	} else {
		ids, total, err = q.listPage(ctx, tenant, f, from, from+order, args, limit, offset)
	}
	if err != nil || len(ids) == 0 {
		return []inbox.Conversation{}, total, err
	}
	list, err := q.conversationsByID(ctx, tenant, ids)
	return list, total, err
}

// listPage reads a page of a list without a search, and its total.
func (q *queries) listPage(ctx context.Context, tenant uuid.UUID, f inbox.ConversationFilter, from, ordered string, args []any, limit, offset int) ([]uuid.UUID, int, error) {
	total, err := q.countConversations(ctx, tenant, f, from, args)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, `SELECT c.id`+ordered+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list conversations: %w", err)
	}
	ids, err := collect(rows, "list conversations", func(id *uuid.UUID) []any { return []any{id} })
	return ids, total, err
}

// countConversations answers a list's total from the counters the triggers keep (migrations
// 0005 and 0009) when every filter is one of their columns, and by counting the matching
// rows otherwise.
func (q *queries) countConversations(ctx context.Context, tenant uuid.UUID, f inbox.ConversationFilter, from string, args []any) (int, error) {
	var total int
	counters, where, cargs := countersOf(tenant, f)
	if counters == "" {
		if err := q.row(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
			return 0, fmt.Errorf("count conversations: %w", q.d.wrap(err))
		}
		return total, nil
	}
	if err := q.row(ctx, `SELECT COALESCE(SUM(conversations), 0) FROM `+counters+` WHERE `+strings.Join(where, " AND "), cargs...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count conversations: %w", q.d.wrap(err))
	}
	return total, nil
}

// countersOf names the counters that hold f's total, and the conditions that select it: the
// per-assignee ones for status, channel, assignee and team (nobody and no team included: the
// nil UUID there), the per-campaign ones for status, campaign and broadcast. "" when no
// counters have a column for every filter of f (a filter added later included).
func countersOf(tenant uuid.UUID, f inbox.ConversationFilter) (counters string, where []string, args []any) {
	f.Page, f.Limit, f.SortBy, f.SortAsc = 0, 0, "", false
	where, args = []string{"tenant_id = ?"}, []any{tenant}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	byAssignee, byCampaign := f, f
	byAssignee.Status, byAssignee.ChannelKind, byAssignee.AssignedTo, byAssignee.AssignedTeam = "", "", nil, nil
	byAssignee.Unassigned, byAssignee.NoTeam = false, false
	byCampaign.Status, byCampaign.CampaignID, byCampaign.BroadcastID = "", nil, nil
	switch {
	case byAssignee == inbox.ConversationFilter{}:
		if f.ChannelKind != "" {
			add("channel_id IN (SELECT id FROM channels WHERE tenant_id = ? AND kind = ?)", tenant, string(f.ChannelKind))
		}
		if f.AssignedTo != nil {
			add("user_id = ?", *f.AssignedTo)
		}
		if f.Unassigned {
			add("user_id = ?", uuid.Nil)
		}
		if f.AssignedTeam != nil {
			add("team_id = ?", *f.AssignedTeam)
		}
		if f.NoTeam {
			add("team_id = ?", uuid.Nil)
		}
		return "conversation_loads_now", where, args
	case byCampaign == inbox.ConversationFilter{}:
		if f.CampaignID != nil {
			add("campaign_id = ?", *f.CampaignID)
		}
		if f.BroadcastID != nil {
			add("broadcast_id = ?", *f.BroadcastID)
		}
		return "conversation_campaigns_now", where, args
	}
	return "", nil, nil
}

// contentSearchWindow bounds the content part of a search to the newest matching messages,
// so a common word costs no more than a rare one; names and phones are matched in full.
const contentSearchWindow = 500

// searchPage reads a page of the conversations that pass where (conditions on conversations
// aliased c, the tenant's first, with args) and whose contact's name or phone contains s, or
// with a recent customer-visible message that does; and how many there are. walkable says
// an index serves the list's order.
func (q *queries) searchPage(ctx context.Context, tenant uuid.UUID, s string, where []string, args []any, order string, walkable bool, limit, offset int) ([]uuid.UUID, int, error) {
	m := q.searchMatches(tenant, s, 0, false)
	if walkable && len(where) == 1 {
		return q.searchAll(ctx, tenant, m, order, limit, offset)
	}
	// The matches gathered and sorted, with the total beside each row, so the search runs
	// once, planned for its own term (see Dialect.FreshPlan).
	ordered := ` FROM conversations c WHERE ` + strings.Join(where, " AND ") + ` AND ` + m.gathered + order
	args = slices.Concat(m.args, args, []any{tenant})
	rows, err := q.query(ctx, m.with+` SELECT c.id, COUNT(*) OVER ()`+ordered+` LIMIT ? OFFSET ?`, q.d.freshPlan(append(args, limit, offset))...)
	if err != nil {
		return nil, 0, fmt.Errorf("search conversations: %w", err)
	}
	var total int
	ids, err := collect(rows, "search conversations", func(id *uuid.UUID) []any { return []any{id, &total} })
	if err != nil || len(ids) > 0 || offset == 0 {
		return ids, total, err
	}
	// A page past the end has no row to carry the total.
	if err := q.row(ctx, m.with+` SELECT COUNT(*) FROM (SELECT c.id`+ordered+`) matches`, q.d.freshPlan(args)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count search: %w", q.d.wrap(err))
	}
	return ids, total, nil
}

// searchAll reads a page of a search that nothing else filters, in one statement that
// first counts the conversations matching by name. Matches are usually few, and gathered
// and sorted, with their number beside each row. When they are a large share of the
// tenant's conversations (a first name that 5,000 contacts share), more than
// sqrt((offset+limit)·all), the page is read instead by walking the list in its order, which
// fills it after about (offset+limit)·all/total rows, and the total is the name matches
// plus the conversations found by their content alone. The branch not taken has a LIMIT of
// 0, which both databases check before running it (a constant condition in its WHERE was
// not enough for SQLite, which gathered and walked all the same).
func (q *queries) searchAll(ctx context.Context, tenant uuid.UUID, m searchMatches, order string, limit, offset int) ([]uuid.UUID, int, error) {
	u, key := q.d.SQL.Get("unindexed"), m.name.Key
	dense := `(SELECT by_name * by_name > ? * conversations FROM counts)`
	rows, err := q.query(ctx, m.with+`, counts AS MATERIALIZED (SELECT `+m.name.Count+` AS by_name,
			(SELECT COALESCE(SUM(conversations), 0) FROM conversation_loads_now WHERE tenant_id = ?) AS conversations)
		SELECT c.id, COALESCE(c.total, t.by_name + (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = ?
			AND c.id IN (SELECT conversation_id FROM recent) AND NOT `+key+` IN (SELECT k FROM named)))
		FROM counts t LEFT JOIN (
			SELECT * FROM (SELECT c.id, c.activity_at, CAST(NULL AS BIGINT) AS total FROM conversations c WHERE c.tenant_id = ? AND
				(`+u+key+` IN (SELECT k FROM named) OR `+u+`c.id IN (SELECT conversation_id FROM recent))`+order+`
				LIMIT CASE WHEN `+dense+` THEN ? ELSE 0 END OFFSET ?) walked
			UNION ALL
			SELECT * FROM (SELECT c.id, c.activity_at, COUNT(*) OVER () AS total FROM conversations c WHERE c.tenant_id = ? AND `+m.gathered+order+`
				LIMIT CASE WHEN `+dense+` THEN 0 ELSE ? END OFFSET ?) gathered
		) c ON 1 = 1`+order,
		q.d.freshPlan(slices.Concat(m.args, []any{tenant, tenant, tenant, offset + limit, limit, offset, tenant, tenant, offset + limit, limit, offset}))...)
	if err != nil {
		return nil, 0, fmt.Errorf("search conversations: %w", err)
	}
	var total int
	found, err := collect(rows, "search conversations", func(id *uuid.NullUUID) []any { return []any{id, &total} })
	ids := []uuid.UUID{}
	for _, id := range found {
		if id.Valid {
			ids = append(ids, id.UUID)
		}
	}
	return ids, total, err
}

// searchWalk is how many conversations per row of the page a search reads in the list's
// order, testing each, before it turns to the indexes: a term in one conversation in three
// fills its page among them, and a rarer term is found through the indexes. Each one
// walked costs its ~10 messages read for a term that none holds.
const searchWalk = 3

// listed is a conversation's place in the list's default order.
type listed struct {
	id uuid.UUID
	at time.Time
}

func (l listed) cursor() *inbox.ListCursor { return &inbox.ListCursor{ActivityAt: l.at, ID: l.id} }

// idsOf returns the ids of found, in its order.
func idsOf(found []listed) []uuid.UUID {
	ids := make([]uuid.UUID, len(found))
	for i, l := range found {
		ids[i] = l.id
	}
	return ids
}

// below is the condition that conversation c comes after cursor in the list's default order,
// written so that the activity index reads from the cursor on.
func below(cursor *inbox.ListCursor) (string, []any) {
	at := micros(cursor.ActivityAt)
	return "c.activity_at <= ? AND (c.activity_at < ? OR c.id < ?)", []any{at, at, cursor.ID}
}

// notBelow is the condition that conversation c comes before cursor in the list's default
// order, or is the cursor's.
func notBelow(cursor *inbox.ListCursor) (string, []any) {
	at := micros(cursor.ActivityAt)
	return "c.activity_at >= ? AND (c.activity_at > ? OR c.id >= ?)", []any{at, at, cursor.ID}
}

const defaultOrder = " ORDER BY c.activity_at DESC, c.id DESC"

// SearchConversations reads a page in up to three steps. It walks the list from the cursor
// on, at most searchWalk conversations per row of the page, and tests each: its contact's
// name or phone, then its customer-visible messages one by one. A common term fills the
// page there, and its count stops at the page ("more"). A term that walk found twice or
// more walks on (walkWindow). Otherwise, or when that window does not fill the page either,
// the matches past the walks are found through the indexes, as ListConversations finds
// them (the newest contentSearchWindow content matches); a phone number goes there at once.
func (q *queries) SearchConversations(ctx context.Context, tenant uuid.UUID, f inbox.ConversationFilter, after *inbox.ListCursor) (inbox.SearchPage, error) {
	s := strings.TrimSpace(f.Search)
	where, args := listConditions(tenant, f)
	if after != nil {
		cond, a := below(after)
		where, args = append(where, cond), append(args, a...)
	}
	limit, _ := pageWindow(1, f.Limit)
	// A phone number is found through the name index at once: the messages of the
	// conversations walked seldom hold one, and would be read for nothing.
	phone := strings.Trim(s, "+0123456789") == ""
	var (
		found []listed
		past  *inbox.ListCursor // the walk's last row, when the list goes on after it
		test  rowTest           // the first walk's test of a row
	)
	if !phone {
		test = q.rowMatch(s)
		var err error
		found, past, err = q.walkWindow(ctx, where, args, test, nil, searchWalk*(limit+1), limit+1)
		if err != nil || len(found) > limit || past == nil {
			return q.loadSearchPage(ctx, tenant, found, len(found) > limit, limit, min(len(found), limit), err)
		}
	}
	n := limit - len(found) + 1
	// A term the walk found twice or more is common in the list: the next rows are walked
	// too, testing each, as many as its density says fill the page twice over. Deciding so
	// spares the indexes' reading of every match, which for a first name 50,000 contacts
	// share took the trigram index 13 ms at 1M. A window of a few conversations is tested as
	// the first walk did; a longer one by their contact, or among the newest content matches
	// (recentTest), which costs the same however long the window.
	if k := len(found); k >= 2 && past != nil {
		window := min(2*n*searchWalk*(limit+1)/k, denseWalkMax)
		if window > q.rowTested {
			// A term the walk found by the contacts alone (a first name) is rare of late
			// in the messages, if in any.
			byContent, err := q.foundByContent(ctx, found, s)
			if err != nil {
				return inbox.SearchPage{}, err
			}
			test = q.recentTest(q.searchMatches(tenant, s, 0, !byContent), s)
		}
		rest, edge, err := q.walkWindow(ctx, where, args, test, past, window, n)
		if err != nil {
			return inbox.SearchPage{}, err
		}
		found = append(found, rest...)
		if len(found) > limit || edge == nil {
			return q.loadSearchPage(ctx, tenant, found, len(found) > limit, limit, min(len(found), limit), nil)
		}
		past, n = edge, n-len(rest)
	}
	// None found by the first walk (a dense window follows two or more): the term is rare of late.
	rest, counted, err := q.searchPast(ctx, tenant, s, where, args, past, n, len(found) == 0)
	more := counted < 0 && len(rest) == n
	if counted < 0 {
		counted = min(len(rest), n-1)
	}
	return q.loadSearchPage(ctx, tenant, append(found, rest...), more, limit, len(found)+counted, err)
}

// loadSearchPage loads the page of a search from the places found (up to limit + 1: one more
// says where the next page starts).
func (q *queries) loadSearchPage(ctx context.Context, tenant uuid.UUID, found []listed, more bool, limit, counted int, err error) (inbox.SearchPage, error) {
	if err != nil {
		return inbox.SearchPage{}, err
	}
	page := inbox.SearchPage{More: more, Counted: counted}
	if len(found) > limit {
		found, page.Next = found[:limit], found[limit-1].cursor()
	}
	ids := idsOf(found)
	page.Conversations = []inbox.Conversation{}
	if len(ids) > 0 {
		page.Conversations, err = q.conversationsByID(ctx, tenant, ids)
	}
	return page, err
}

// searchPast reads up to n of the matches of s that pass where (with args) and come after
// cursor (if any), found through the indexes. Usually they are few, and gathered, sorted
// and counted in full (counted is their number). When the name matches are many (by searchAll's rule),
// the list is walked in its order instead, each row looked up among the matches, which
// fills the n rows sooner; the count then stops there (counted is -1). Past a number of name
// matches that grows with the square root of the list (see searchMatches), the others are
// not read: the list is walked testing each row's contact, a dearer test, but one that does
// not grow with the matches. A name that 50,000 contacts share took 200 ms on PostgreSQL's
// 1M conversations when they were all read first, 18 ms so (13 of them PostgreSQL's trigram
// index, whose bitmap still lists every match). rare says the newest conversations hold no
// match (see Dialect.RecentContentMatches).
func (q *queries) searchPast(ctx context.Context, tenant uuid.UUID, s string, where []string, args []any, cursor *inbox.ListCursor, n int, rare bool) (found []listed, counted int, err error) {
	m := q.searchMatches(tenant, s, n, rare)
	if cursor != nil {
		cond, cargs := below(cursor)
		where, args = append(slices.Clone(where), cond), slices.Concat(args, cargs)
	}
	from := ` FROM conversations c WHERE ` + strings.Join(where, " AND ") + ` AND `
	u, key := q.d.SQL.Get("unindexed"), m.name.Key
	// One row at least, which says whether named was cut; then neither branch runs.
	rows, err := q.query(ctx, m.with+`, counts AS MATERIALIZED (SELECT keys > cap AS cut, by_name * by_name > ? * conversations AS dense
			FROM (SELECT (SELECT COUNT(*) FROM named) AS keys, `+m.name.Count+` AS by_name, conversations, cap FROM size) t)
		SELECT c.id, COALESCE(c.activity_at, 0), COALESCE(c.total, 0), t.cut FROM counts t LEFT JOIN (
			SELECT * FROM (SELECT c.id, c.activity_at, CAST(-1 AS BIGINT) AS total`+from+`(`+u+key+` IN (SELECT k FROM named)
				OR `+u+`c.id IN (SELECT conversation_id FROM recent))`+defaultOrder+`
				LIMIT CASE WHEN (SELECT dense AND NOT cut FROM counts) THEN ? ELSE 0 END) walked
			UNION ALL
			SELECT * FROM (SELECT c.id, c.activity_at, COUNT(*) OVER () AS total`+from+m.gathered+defaultOrder+`
				LIMIT CASE WHEN (SELECT dense OR cut FROM counts) THEN 0 ELSE ? END) gathered
		) c ON 1 = 1`+defaultOrder,
		q.d.freshPlan(slices.Concat(m.args, []any{n}, args, []any{n}, args, []any{tenant, n}))...)
	if err != nil {
		return nil, 0, fmt.Errorf("search conversations: %w", err)
	}
	type place struct {
		id  uuid.NullUUID
		at  time.Time
		n   int
		cut bool
	}
	got, err := collect(rows, "search conversations", func(p *place) []any { return []any{&p.id, timeCol{&p.at}, &p.n, &p.cut} })
	if err != nil || len(got) == 0 {
		return nil, 0, err
	}
	if !got[0].cut {
		for _, p := range got {
			if p.id.Valid {
				found, counted = append(found, listed{p.id.UUID, p.at}), p.n
			}
		}
		return found, counted, nil
	}
	found, err = q.walkTested(ctx, where, args, q.recentTest(m, s), n)
	return found, -1, err
}

// denseWalkMax bounds walkWindow's window: past it, the indexes find the rest.
const denseWalkMax = 5000

// rowTestedMax is the longest window of conversations whose messages are tested one by one:
// ~2,000 messages, as many as the newest content matches' gathering walks before it turns to
// the index. For a word in 2 % of 10M messages, the row test of the ~100 conversations that
// fill a page took 4.9 ms a search, the gathering 12.9 ms; for a first name 50,000 contacts
// share (~800 conversations) the row test took 15 ms, the gathering 10.8 ms.
const rowTestedMax = 200

// rowTest is a test of the conversations c of a walk: a condition on c, with a WITH clause it
// reads (or none), each with its arguments; fresh says the statement is planned for its
// arguments (Dialect.FreshPlan).
type rowTest struct {
	with, cond     string
	withArgs, args []any
	fresh          bool
}

// rowMatch tests whether conversation c matches s on its rows: its contact's name or phone,
// or one of its customer-visible messages (for a term long enough for the content indexes:
// a shorter one searches names alone).
func (q *queries) rowMatch(s string) rowTest {
	named, args := q.rowNameMatch(s)
	cond := `EXISTS (SELECT 1 FROM contacts ct WHERE ct.id = c.contact_id AND ` + named + `)`
	if utf8.RuneCountInString(s) >= MinIndexedTerm {
		cond += ` OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND NOT m.is_internal AND ` +
			q.d.SQL.Get("row_content_match") + `)`
		args = append(args, LikePattern(s))
	}
	return rowTest{cond: cond, args: args}
}

// recentTest tests conversation c's contact, or whether c is among m's recent content
// matches. The contact is tested in a scalar subquery, run row by row: an EXISTS was made a
// hash of all the matches. It is planned for its arguments: PostgreSQL, planning an unknown
// LIMIT for a walk of a tenth of the list, saw enough cost in testing each row to compile
// the plan (JIT: 20 ms).
func (q *queries) recentTest(m searchMatches, s string) rowTest {
	named, args := q.rowNameMatch(s)
	return rowTest{with: `WITH recent AS MATERIALIZED (` + m.recent + `) `, withArgs: m.recentArgs,
		cond: `(SELECT ` + named + ` FROM contacts ct WHERE ct.id = c.contact_id) OR ` +
			q.d.SQL.Get("unindexed") + `c.id IN (SELECT conversation_id FROM recent)`, args: args, fresh: true}
}

// foundByContent reports whether a customer-visible message of one of the conversations found
// holds s.
func (q *queries) foundByContent(ctx context.Context, found []listed, s string) (bool, error) {
	if utf8.RuneCountInString(s) < MinIndexedTerm {
		return false, nil
	}
	ids := idsOf(found)
	err := q.exists(ctx, "search conversations", `SELECT 1 FROM messages m WHERE m.conversation_id IN (`+placeholders(len(ids))+`)
		AND NOT m.is_internal AND `+q.d.SQL.Get("row_content_match")+` LIMIT 1`, append(idArgs(ids), LikePattern(s))...)
	if errors.Is(err, inbox.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// walkWindow walks the list after cursor (from its start when nil), window conversations at
// most, and reads up to n of them that pass test; edge is the window's last conversation, nil
// when the list ends within it. Bounded by that edge, the walk reads the list's index in
// order and stops once it has n.
func (q *queries) walkWindow(ctx context.Context, where []string, args []any, test rowTest, cursor *inbox.ListCursor, window, n int) (found []listed, edge *inbox.ListCursor, err error) {
	if cursor != nil {
		cond, cargs := below(cursor)
		where, args = append(slices.Clone(where), cond), slices.Concat(args, cargs)
	}
	if edge, err = q.walkEnd(ctx, where, args, window); err != nil {
		return nil, nil, err
	}
	if edge != nil {
		cond, cargs := notBelow(edge)
		where, args = append(slices.Clone(where), cond), slices.Concat(args, cargs)
	}
	found, err = q.walkTested(ctx, where, args, test, n)
	return found, edge, err
}

// walkEnd returns the walk-th conversation that passes where (with args) in the list's order,
// nil when fewer do.
func (q *queries) walkEnd(ctx context.Context, where []string, args []any, walk int) (*inbox.ListCursor, error) {
	end, err := q.listed(ctx, `SELECT c.id, c.activity_at FROM conversations c WHERE `+strings.Join(where, " AND ")+defaultOrder+` LIMIT 1 OFFSET ?`,
		append(slices.Clone(args), walk-1))
	if err != nil || len(end) == 0 {
		return nil, err
	}
	return end[0].cursor(), nil
}

// walkTested reads up to n conversations that pass where (with args) and test, in the list's
// order. A LIMIT of n, not of a CASE: see recentTest.
func (q *queries) walkTested(ctx context.Context, where []string, args []any, test rowTest, n int) ([]listed, error) {
	all := slices.Concat(test.withArgs, args, test.args, []any{n})
	if test.fresh {
		all = q.d.freshPlan(all)
	}
	return q.listed(ctx, test.with+`SELECT c.id, c.activity_at FROM conversations c WHERE `+strings.Join(where, " AND ")+
		` AND (`+test.cond+`)`+defaultOrder+` LIMIT ?`, all)
}

// rowNameMatch is the condition that contact ct has s in its name or phone, tested on its
// row, and its arguments.
func (q *queries) rowNameMatch(s string) (string, []any) {
	pat := LikePattern(s)
	return q.d.SQL.Get("row_name_match"), []any{pat, pat}
}

// listed reads the conversations' places that query selects.
func (q *queries) listed(ctx context.Context, query string, args []any) ([]listed, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search conversations: %w", err)
	}
	return collect(rows, "search conversations", func(l *listed) []any { return []any{&l.id, timeCol{&l.at}} })
}

// searchMatches are the parts of a search for s: a WITH clause that names the matches by
// name or phone (named) and the conversations of the newest customer-visible messages that
// contain s (recent, none for a term too short for the content index), and its arguments;
// and gathered, the condition on conversations aliased c that they match, with one argument:
// the tenant. It is a union of two id sets, each found through its own index: an OR of the
// two conditions made PostgreSQL scan every conversation.
//
// With want > 0, the rows a page wants, the clause first names size: the tenant's number of
// conversations, and cap, NameMatch.Reads·sqrt(want·conversations); named then holds cap + 1
// keys at most. Whole, it is used as above; cut, it stands for more conversations than
// searchAll's rule gathers for want rows, and only says that the list is to be walked. rare
// is Dialect.RecentContentMatches'.
type searchMatches struct {
	name           NameMatch
	with, gathered string
	args           []any
	// recent is the query of recent alone, and its arguments.
	recent     string
	recentArgs []any
}

func (q *queries) searchMatches(tenant uuid.UUID, s string, want int, rare bool) searchMatches {
	m := searchMatches{name: q.d.NameMatches(tenant, s), recent: `SELECT id AS conversation_id FROM conversations WHERE 1 = 0`}
	if utf8.RuneCountInString(s) >= MinIndexedTerm {
		m.recent, m.recentArgs = q.d.RecentContentMatches(tenant, s, contentSearchWindow, rare)
	}
	m.with, m.args = `WITH named AS MATERIALIZED (`+m.name.Query+`)`, slices.Clone(m.name.Args)
	if want > 0 {
		m.with = `WITH size AS MATERIALIZED (SELECT conversations, CAST(? * sqrt(? * conversations) AS INTEGER) AS cap
				FROM (SELECT COALESCE(SUM(conversations), 0) AS conversations FROM conversation_loads_now WHERE tenant_id = ?) t),
			named AS MATERIALIZED (` + m.name.Query + ` LIMIT (SELECT cap + 1 FROM size))`
		m.args = slices.Concat([]any{m.name.Reads, want, tenant}, m.name.Args)
	}
	m.with += `, recent AS MATERIALIZED (` + m.recent + `)`
	m.args = append(m.args, m.recentArgs...)
	m.gathered = `c.id IN (SELECT c.id FROM conversations c WHERE c.tenant_id = ? AND ` + m.name.Key + ` IN (SELECT k FROM named)
		UNION SELECT conversation_id FROM recent)`
	return m
}

// conversationsByID loads conversations in the order of ids.
func (q *queries) conversationsByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) ([]inbox.Conversation, error) {
	rows, err := q.query(ctx, q.d.conversationSelect()+` WHERE c.tenant_id = ? AND c.id IN (`+placeholders(len(ids))+`)`,
		append([]any{tenant}, idArgs(ids)...)...)
	if err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	found, err := collect(rows, "load conversations", (*conversationRow).dest)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]inbox.Conversation, len(found))
	for i := range found {
		c := found[i].conversation()
		byID[c.ID] = c
	}
	list := make([]inbox.Conversation, 0, len(ids))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			list = append(list, c)
		}
	}
	return list, nil
}

func (q *queries) SaveConversation(ctx context.Context, c inbox.Conversation) error {
	res, err := q.exec(ctx, `UPDATE conversations SET type = ?, status = ?, priority = ?, category = ?, assigned_user_id = ?,
		assigned_team_id = ?, resolved_at = ?, closed_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
		c.Type, string(c.Status), string(c.Priority), c.Category, optID(c.AssignedUserID), optID(c.AssignedTeamID),
		optMicros(c.ResolvedAt), optMicros(c.ClosedAt), micros(c.UpdatedAt), c.TenantID, c.ID)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	return affected(res, "save conversation")
}

func (q *queries) AddConversationTag(ctx context.Context, tenant, conversationID, tagID uuid.UUID) (bool, error) {
	if err := q.exists(ctx, "add tag: conversation", `SELECT 1 FROM conversations WHERE tenant_id = ? AND id = ?`, tenant, conversationID); err != nil {
		return false, err
	}
	if err := q.exists(ctx, "add tag: tag", `SELECT 1 FROM tags WHERE tenant_id = ? AND id = ?`, tenant, tagID); err != nil {
		return false, err
	}
	res, err := q.exec(ctx, `INSERT INTO conversation_tags (conversation_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, conversationID, tagID)
	if err != nil {
		return false, fmt.Errorf("add tag: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q *queries) RemoveConversationTag(ctx context.Context, tenant, conversationID, tagID uuid.UUID) (bool, error) {
	if err := q.exists(ctx, "remove tag: conversation", `SELECT 1 FROM conversations WHERE tenant_id = ? AND id = ?`, tenant, conversationID); err != nil {
		return false, err
	}
	res, err := q.exec(ctx, `DELETE FROM conversation_tags WHERE conversation_id = ? AND tag_id = ?`, conversationID, tagID)
	if err != nil {
		return false, fmt.Errorf("remove tag: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (q *queries) MarkConversationRead(ctx context.Context, tenant, conversationID uuid.UUID) (int, error) {
	if err := q.exists(ctx, "mark read", `SELECT 1 FROM conversations WHERE tenant_id = ? AND id = ?`, tenant, conversationID); err != nil {
		return 0, err
	}
	res, err := q.exec(ctx, `UPDATE messages SET is_read = TRUE WHERE conversation_id = ? AND sender_type = 'end_user' AND NOT is_read`, conversationID)
	if err != nil {
		return 0, fmt.Errorf("mark messages read: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark messages read: %w", err)
	}
	if _, err := q.exec(ctx, `UPDATE conversations SET unread_count = 0 WHERE tenant_id = ? AND id = ?`, tenant, conversationID); err != nil {
		return 0, fmt.Errorf("reset unread count: %w", err)
	}
	return int(n), nil
}

// touch applies a new message's effect on its conversation and returns the fields it touched.
func (q *queries) touch(ctx context.Context, tenant, conversationID uuid.UUID, t inbox.Touch) (*inbox.Touched, error) {
	var last, lastAt any
	if t.LastMessage != nil {
		v, err := jsonArg(t.LastMessage)
		if err != nil {
			return nil, err
		}
		last, lastAt = v, micros(t.LastMessage.CreatedAt)
	}
	// A message older than the current last one (a late webhook) leaves the summary alone.
	var after inbox.Touched
	if err := q.scanOne(ctx, "touch conversation", `UPDATE conversations SET
		last_message = CASE WHEN last_message_at IS NULL OR ? >= last_message_at THEN COALESCE(?, last_message) ELSE last_message END,
		last_message_at = CASE WHEN last_message_at IS NULL OR ? >= last_message_at THEN COALESCE(?, last_message_at) ELSE last_message_at END,
		activity_at = CASE WHEN ? > activity_at THEN ? ELSE activity_at END,
		unread_count = unread_count + ?,
		last_inbound_at = CASE WHEN ? > COALESCE(last_inbound_at, 0) THEN ? ELSE last_inbound_at END,
		first_response_at = COALESCE(first_response_at, ?),
		updated_at = ?
		WHERE tenant_id = ? AND id = ?
		RETURNING unread_count, last_message, last_message_at, last_inbound_at, first_response_at, updated_at`,
		[]any{lastAt, last, lastAt, lastAt, lastAt, lastAt,
			t.UnreadDelta, optMicros(t.InboundAt), optMicros(t.InboundAt), optMicros(t.FirstResponseAt), micros(t.UpdatedAt), tenant, conversationID},
		&after.UnreadCount, jsonCol{&after.LastMessage}, optTimeCol{&after.LastMessageAt}, optTimeCol{&after.LastInboundAt},
		optTimeCol{&after.FirstResponseAt}, timeCol{&after.UpdatedAt}); err != nil {
		return nil, err
	}
	return &after, nil
}

func (q *queries) ExpiredReplyWindows(ctx context.Context, before time.Time, limit int) ([]inbox.WindowRef, error) {
	// Through conversations_window_due (migration 0011), which holds only the windows not
	// swept yet.
	rows, err := q.query(ctx, `SELECT c.tenant_id, c.id, c.last_inbound_at, ch.kind = 'whatsapp' AND c.status <> 'closed'
		FROM conversations c JOIN channels ch ON ch.id = c.channel_id
		WHERE c.last_inbound_at < ? AND (c.window_closed_at IS NULL OR c.window_closed_at < c.last_inbound_at)
		ORDER BY c.last_inbound_at LIMIT ?`, micros(before), limit)
	if err != nil {
		return nil, fmt.Errorf("expired reply windows: %w", err)
	}
	return collect(rows, "expired reply windows", func(r *inbox.WindowRef) []any {
		return []any{&r.TenantID, &r.ConversationID, timeCol{&r.LastInboundAt}, &r.Announce}
	})
}

func (q *queries) MarkReplyWindowClosed(ctx context.Context, tenant, conversationID uuid.UUID, lastInbound time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE conversations SET window_closed_at = last_inbound_at
		WHERE tenant_id = ? AND id = ? AND last_inbound_at = ? AND (window_closed_at IS NULL OR window_closed_at < last_inbound_at)`,
		tenant, conversationID, micros(lastInbound))
	if err != nil {
		return false, fmt.Errorf("mark reply window closed: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
