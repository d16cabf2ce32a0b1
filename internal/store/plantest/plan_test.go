package plantest

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// growing are the tables that grow with traffic: a hot path must not read the whole of one.
// The others are small and fixed (tenants, users, teams, channels, tags, campaigns), or
// queues emptied as they fill: SQLite's messages_fts_queue every 200 ms or 256 messages
// (sqlstore.Indexing), PostgreSQL's *_changes every second (migration 0005).
var growing = map[string]bool{
	"messages": true, "conversations": true, "contacts": true, "contact_identities": true,
	"conversation_tags": true, "message_mentions": true, "message_status_history": true,
	"parked_receipts": true, "outbox": true, "events": true,
	"conversation_days": true, "conversation_loads": true, "conversation_campaigns": true,
	"messages_fts": true, "notes_fts": true, "contacts_fts": true, "conversation_names": true,
}

// TestPlansSQLite explains the hot paths' statements on a seeded SQLite database, before and
// after ANALYZE.
func TestPlansSQLite(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	// Enough rows that SQLite's statistics tell a full scan from a search.
	checkPlans(t, st, database{conversations: 2000, messages: 20000, explain: explainSQLite, triggers: sqliteTriggers,
		notesIndex: regexp.MustCompile(`\bnotes_fts VIRTUAL TABLE\b`), queue: "messages_fts_queue"})
}

// TestPlansPostgres is TestPlansSQLite on PostgreSQL.
func TestPlansPostgres(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	// Without statistics means without them until the test takes them.
	db := st.(interface{ DB() *sql.DB }).DB()
	disableAutovacuum(t, db)
	// Fewer rows than for SQLite: seeding is slower (a round trip a statement), and with
	// sequential scans off (see explainPostgres) the plans depend less on the numbers. With
	// 1,000 contacts, though, a page of 100 conversations joined all of them in a hash.
	checkPlans(t, st, database{conversations: 1500, messages: 15000, explain: explainPostgres, rowsRead: rowsReadPostgres})
}

// database is how the test seeds one kind of database and reads its plans.
type database struct {
	conversations, messages int // of the seeded tenant
	// explain returns the full scans of growing tables in the plan of query with args.
	explain func(ctx context.Context, db *sql.DB, query string, args []any) (scans []string, plan string, err error)
	// rowsRead returns how many rows of table running query with args reads; nil where the
	// database does not say (SQLite).
	rowsRead func(ctx context.Context, db *sql.DB, table, query string, args []any) (int, error)
	// triggers returns the statements the triggers run, where a statement's plan leaves
	// them out (SQLite's do; PostgreSQL's are functions, not explained here).
	triggers func(ctx context.Context, db *sql.DB) ([]statement, error)
	// notesIndex finds, in a plan, a read of the internal notes' content index, where they
	// have one apart (SQLite's notes_fts, migration 0033); nil where a plan cannot tell
	// (PostgreSQL keys them apart inside one index).
	notesIndex *regexp.Regexp
	// queue is the table of the messages queued for the content indexes (SQLite's, read as
	// q: sqlstore.Indexing); "" where there is none.
	queue string
}

// observable is a store whose statements can be recorded (sqlstore.Store).
type observable interface {
	inbox.Store
	Observe(fn func(query string, args []any))
	DB() *sql.DB
	IndexQueued(ctx context.Context) error
	SetInboxSearchWalks(walks ...int)
	SetRowTestedMax(n int)
}

// checkPlans seeds store, runs the workload and explains its statements (and SQLite's
// triggers'), before and after ANALYZE. Where the database counts the rows a statement reads,
// it also checks that the reply-window sweep, once every window is swept, reads no
// conversation.
func checkPlans(t *testing.T, store inbox.Store, d database) {
	st := store.(observable)
	// The messages inbox's content searches walk 100 and 1,000 messages, then read the index:
	// the seeded ones reach each step.
	st.SetInboxSearchWalks(100, 1000)
	ctx := context.Background()
	now := time.Now().UTC()
	tenant, admin, err := seed.Bulk(ctx, st, auth.NewHasher(cheapArgon, 2), d.conversations, d.messages, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %s", time.Since(now).Round(time.Millisecond))
	w := newWorkload(t, st, tenant, admin)
	// SQLite indexes what the writes queued for its content indexes when due, in the
	// background once they stop (sqlstore.Indexing): with nothing queued, nothing runs there
	// while the recorder is set.
	if err := st.IndexQueued(ctx); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{seen: map[string][]any{}}
	st.Observe(rec.record)
	for _, analyzed := range []bool{false, true} {
		name := "without ANALYZE"
		if analyzed {
			name = "after ANALYZE"
			if _, err := st.DB().ExecContext(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		// The statements of both runs are explained: some run only once (the first sweep's).
		t.Run(name, func(t *testing.T) {
			w.run(ctx)
			// What the workload queued is indexed now, so that the indexing is recorded.
			if err := st.IndexQueued(ctx); err != nil {
				t.Fatal(err)
			}
			stmts := rec.statements()
			if len(stmts) < 50 {
				t.Fatalf("only %d statements recorded", len(stmts))
			}
			if d.triggers != nil {
				triggers, err := d.triggers(ctx, st.DB())
				if err != nil {
					t.Fatal(err)
				}
				stmts = append(stmts, triggers...)
			}
			ordered := map[string]bool{}
			readNotes, readQueue := false, false
			for _, s := range stmts {
				scans, plan, err := d.explain(ctx, st.DB(), s.query, s.args)
				if err != nil {
					t.Errorf("explain %s: %v", s.query, err)
					continue
				}
				if len(scans) > 0 {
					t.Errorf("full scan of %s in\n%s\nplan:\n%s", strings.Join(scans, ", "), s.query, plan)
				}
				checkHealthIndexes(t, s.query, plan)
				checkListOrder(t, s.query, plan, ordered)
				if d.notesIndex != nil && d.notesIndex.MatchString(plan) {
					readNotes = true
					checkNotesLeftOut(t, s.query, plan)
				}
				if d.queue != "" && strings.Contains(s.query, "FROM "+d.queue+" q") {
					readQueue = true
					checkQueueDriven(t, s.query, plan)
				}
			}
			if len(ordered) != len(listOrdered) {
				t.Errorf("of the statements read in the list's order, only %v were recorded", ordered)
			}
			if d.notesIndex != nil && !readNotes {
				t.Error("no statement read the notes' content index: the search that includes them was not recorded")
			}
			if d.queue != "" && !readQueue {
				t.Error("no statement read the messages queued for the content indexes: the searches and the indexing were not recorded")
			}
			if d.rowsRead != nil {
				checkIdleSweep(ctx, t, st.DB(), stmts, d.rowsRead)
			}
		})
	}
}

// healthIndexes are the indexes a channel's health figures are read from (migration 0026):
// without them each figure is still a search by channel (messages_provider_id), not a full
// scan, but one that reads every message of the channel.
var healthIndexes = []string{"messages_channel_inbound", "messages_channel_sent", "messages_channel_failed", "outbox_channel"}

// checkHealthIndexes fails when the plan of the channel health query leaves out one of
// healthIndexes.
func checkHealthIndexes(t *testing.T, query, plan string) {
	t.Helper()
	if !strings.Contains(query, "(SELECT COUNT(*) FROM outbox WHERE channel_id") {
		return
	}
	for _, name := range healthIndexes {
		if !strings.Contains(plan, name) {
			t.Errorf("the channel health query does not use %s; plan:\n%s", name, plan)
		}
	}
}

// listOrdered are the statements that read conversations in the list's default order
// straight from its index: the first page of the list, and a search's walk down it. A
// parameter is ? or $n, as either database writes it.
var listOrdered = map[string]*regexp.Regexp{
	"the list's page": regexp.MustCompile(`^SELECT c\.id FROM conversations c WHERE c\.tenant_id = (\?|\$1) ORDER BY c\.activity_at DESC, c\.id DESC LIMIT (\?|\$\d+)`),
	"a search's walk": regexp.MustCompile(`^SELECT c\.id, c\.activity_at FROM conversations c WHERE c\.tenant_id = (\?|\$1) AND c\.activity_at >= .* AND \(EXISTS .* ORDER BY c\.activity_at DESC, c\.id DESC LIMIT (\?|\$\d+)$`),
}

// checkListOrder fails when a statement of listOrdered sorts: its index must give its rows
// in order, ties included (migration 0031), or a page reads and sorts a whole tie first. It
// adds the statements it checked to seen.
func checkListOrder(t *testing.T, query, plan string, seen map[string]bool) {
	t.Helper()
	for name, re := range listOrdered {
		if !re.MatchString(strings.Join(strings.Fields(query), " ")) {
			continue
		}
		seen[name] = true
		if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, `"Node Type": "Sort"`) || strings.Contains(plan, `"Node Type": "Incremental Sort"`) {
			t.Errorf("%s sorts, instead of reading the list's index in order:\n%s\nplan:\n%s", name, query, plan)
		}
	}
}

// checkNotesLeftOut fails when query, whose plan reads the internal notes' content index,
// leaves the notes out: a customer-visible search must not read the notes that hold its term
// only to drop them ("refund" took 150-180 ms on SQLite's 100k/1M set).
func checkNotesLeftOut(t *testing.T, query, plan string) {
	t.Helper()
	if strings.Contains(query, "NOT m.is_internal") {
		t.Errorf("a search that leaves the notes out reads their index:\n%s\nplan:\n%s", query, plan)
	}
}

// In a SQLite plan: a walk of the queue of the content indexes (aliased q), and a read of the
// messages by the table's name, as the lookups of the queued messages do (the statements'
// other reads of it name an alias).
var (
	queueWalk    = regexp.MustCompile(`(?m)^SCAN q$`)
	messagesRead = regexp.MustCompile(`(?m)^(?:SCAN|SEARCH) messages .*$`)
)

// checkQueueDriven fails unless query, which reads the queue of the content indexes, walks
// it and looks each of its messages up by rowid: the queue holds a few hundred messages at
// most, and must not be tested against every message, or every message of a tenant.
func checkQueueDriven(t *testing.T, query, plan string) {
	t.Helper()
	reads := messagesRead.FindAllString(plan, -1)
	driven := queueWalk.MatchString(plan) && len(reads) > 0
	for _, r := range reads {
		driven = driven && r == "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)"
	}
	if !driven {
		t.Errorf("the queue of the content indexes is not walked, each of its messages looked up by rowid:\n%s\nplan:\n%s", query, plan)
	}
}

// checkIdleSweep runs the reply-window sweep's query again, every window now swept, and
// fails when it reads a conversation: a sweep must not read again what it swept before.
func checkIdleSweep(ctx context.Context, t *testing.T, db *sql.DB, stmts []statement,
	rowsRead func(ctx context.Context, db *sql.DB, table, query string, args []any) (int, error)) {
	t.Helper()
	for _, s := range stmts {
		if !strings.HasPrefix(strings.TrimSpace(s.query), "SELECT") || !strings.Contains(s.query, "window_closed_at IS NULL") {
			continue
		}
		n, err := rowsRead(ctx, db, "conversations", s.query, s.args)
		if err != nil {
			t.Fatalf("run %s: %v", s.query, err)
		}
		if n > 0 {
			t.Errorf("the idle reply-window sweep read %d conversations:\n%s", n, s.query)
		}
		return
	}
	t.Error("the reply-window sweep's query was not recorded")
}

// cheapArgon keeps the seeded users' password hashing fast.
var cheapArgon = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

// recorder keeps the first arguments each statement ran with.
type recorder struct {
	mu    sync.Mutex
	order []string
	seen  map[string][]any
}

type statement struct {
	query string
	args  []any
}

// explainable are the statements a plan describes (not SAVEPOINT, PRAGMA, ...).
var explainable = regexp.MustCompile(`^\s*(?i:SELECT|INSERT|UPDATE|DELETE|WITH)\b`)

func (r *recorder) record(query string, args []any) {
	if !explainable.MatchString(query) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[query]; !ok {
		r.order = append(r.order, query)
		r.seen[query] = slices.Clone(args)
	}
}

func (r *recorder) statements() []statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]statement, len(r.order))
	for i, q := range r.order {
		out[i] = statement{q, r.seen[q]}
	}
	return out
}

// workload runs every hot path once: ingest, receipts, reply, note, status, assign, read,
// lists, searches, statistics, and the background sweeps.
type workload struct {
	t         *testing.T
	st        inbox.Store
	svc       *inbox.Service
	admin     auth.Principal
	channels  map[inbox.ChannelKind]inbox.Channel
	convs     []inbox.Conversation
	users     []inbox.User
	teams     []inbox.Team
	tags      []inbox.Tag
	broadcast inbox.Conversation // one of a broadcast
	round     int
}

func newWorkload(t *testing.T, st inbox.Store, tenant, admin uuid.UUID) *workload {
	ctx := context.Background()
	w := &workload{t: t, st: st, admin: auth.Principal{TenantID: tenant, UserID: admin, Role: auth.RoleAdmin},
		svc: inbox.NewService(st, nopPublisher{}, slog.New(slog.DiscardHandler)), channels: map[inbox.ChannelKind]inbox.Channel{}}
	chs, err := st.ListChannels(ctx, tenant)
	w.must(err)
	for _, ch := range chs {
		w.channels[ch.Kind] = ch
	}
	w.convs, _, err = st.ListConversations(ctx, tenant, inbox.ConversationFilter{Page: 1, Limit: 100})
	w.must(err)
	for _, c := range w.convs {
		if c.BroadcastID != nil {
			w.broadcast = c
		}
	}
	if w.broadcast.BroadcastID == nil {
		t.Fatal("no conversation of a broadcast on the first page")
	}
	w.users, err = st.ListUsers(ctx, tenant)
	w.must(err)
	w.teams, err = st.ListTeams(ctx, tenant)
	w.must(err)
	w.tags, err = st.ListTags(ctx, tenant)
	w.must(err)
	return w
}

func (w *workload) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *workload) run(ctx context.Context) {
	w.round++
	p, tenant := w.admin, w.admin.TenantID
	wa := w.channels[inbox.ChannelWhatsApp]
	conv := w.convs[0]
	agent := w.users[1]

	// Ingest: a known contact, a new one, a redelivery, a reply quoting a message.
	_, err := w.svc.WebhookChannel(ctx, wa.ID)
	w.must(err)
	first := fmt.Sprintf("wamid.plan.%d.1", w.round)
	in := inbox.Inbound{ProviderMessageID: first, From: inbox.Sender{Address: fmt.Sprintf("1555%07d", w.round), Phone: fmt.Sprintf("+1555%07d", w.round), FirstName: "Plan"},
		ContentType: inbox.ContentText, Content: "Where is my order?"}
	m, _, err := w.svc.ReceiveInbound(ctx, wa, in)
	w.must(err)
	_, _, err = w.svc.ReceiveInbound(ctx, wa, in)
	w.must(err)
	in.ProviderMessageID, in.ReplyToProviderID, in.Content = fmt.Sprintf("wamid.plan.%d.2", w.round), first, "Any news?"
	_, _, err = w.svc.ReceiveInbound(ctx, wa, in)
	w.must(err)
	live, err := w.svc.GetConversation(ctx, p, m.ConversationID)
	w.must(err)

	// Reply, its send and receipts (one before the send's response: parked).
	reply, err := w.svc.SendMessage(ctx, p, live.ID, inbox.SendInput{Content: "On its way", ContentType: inbox.ContentText})
	w.must(err)
	providerID := fmt.Sprintf("wamid.plan.%d.out", w.round)
	w.must(w.svc.ApplyReceipt(ctx, wa, inbox.Receipt{ProviderMessageID: providerID, Status: inbox.DeliveryDelivered}))
	w.must(w.sendReply(ctx, reply.ID, providerID))
	w.must(w.svc.ApplyReceipt(ctx, wa, inbox.Receipt{ProviderMessageID: providerID, Status: inbox.DeliveryRead}))
	_, _, err = w.svc.GetMessage(ctx, p, reply.ID)
	w.must(err)
	_, err = w.svc.ChannelHealth(ctx, p, wa.ID) // the channel settings' health line
	w.must(err)

	// Notes, status, assignment, tags, read.
	_, err = w.svc.AddNote(ctx, p, conv.ID, inbox.NoteInput{Content: "Call back tomorrow", MentionedUsers: []uuid.UUID{agent.ID}})
	w.must(err)
	_, err = w.svc.SetStatus(ctx, p, conv.ID, inbox.StatusPending, "waiting")
	w.must(err)
	_, err = w.svc.SetStatus(ctx, p, conv.ID, inbox.StatusActive, "")
	w.must(err)
	_, err = w.svc.Assign(ctx, p, conv.ID, inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: &agent.ID}, Team: inbox.OptionalID{Set: true, ID: &w.teams[0].ID}})
	w.must(err)
	_, err = w.svc.AddTag(ctx, p, conv.ID, w.tags[0].ID)
	w.must(err)
	w.must(w.svc.RemoveTag(ctx, p, conv.ID, w.tags[0].ID))
	_, err = w.svc.MarkRead(ctx, p, live.ID)
	w.must(err)

	// Reading a conversation: its messages by page and by cursor.
	msgs, _, err := w.svc.ListMessages(ctx, p, conv.ID, inbox.MessagePage{Limit: 50})
	w.must(err)
	_, _, err = w.svc.ListMessages(ctx, p, conv.ID, inbox.MessagePage{Page: 1, Limit: 50, IncludeInternal: true})
	w.must(err)
	_, _, err = w.svc.ListMessages(ctx, p, conv.ID, inbox.MessagePage{Limit: 50, Before: &msgs[len(msgs)-1].ID})
	w.must(err)
	_, _, err = w.svc.ListMessages(ctx, p, conv.ID, inbox.MessagePage{Limit: 50, After: &msgs[0].ID})
	w.must(err)
	_, err = w.svc.ContactThread(ctx, p, conv.ContactID)
	w.must(err)

	// Lists: each filter and sort, and searches. Not here: a search of one or two characters,
	// too short for the trigram indexes, which reads the tenant's contacts by design
	// (sqlstore.MinIndexedTerm), and the contact directory's search.
	active, yesterday := inbox.StatusActive, w.now().Add(-24*time.Hour)
	for _, f := range []inbox.ConversationFilter{
		{}, {Status: active}, {ChannelKind: inbox.ChannelWhatsApp}, {AssignedTo: &agent.ID}, {AssignedTeam: &w.teams[0].ID},
		{CampaignID: w.broadcast.CampaignID}, {BroadcastID: w.broadcast.BroadcastID}, {ActiveSince: &yesterday},
		{Status: active, AssignedTo: &agent.ID}, {Status: active, ChannelKind: inbox.ChannelSMS},
		{Page: 3}, {SortBy: inbox.SortCreatedAt}, {SortBy: inbox.SortUpdatedAt, SortAsc: true},
		{SortBy: inbox.SortPriority}, {SortBy: inbox.SortUnreadCount},
		{Search: "Priya"}, {Search: "+91"}, {Search: "enterprise plan"}, {Search: "Priya", Page: 40},
		{Search: "invoice", Status: active}, {Search: "Olga", SortBy: inbox.SortCreatedAt},
		{Unassigned: true}, {Unassigned: true, Status: active}, {NoTeam: true}, {NoTeam: true, SortBy: inbox.SortCreatedAt},
		{TagID: &w.tags[1].ID}, {TagID: &w.tags[1].ID, Status: active}, {TagID: &w.tags[1].ID, Search: "Priya"},
		{ContactID: &conv.ContactID}, {ContactID: &conv.ContactID, SortBy: inbox.SortPriority},
		{MentionedUser: &agent.ID}, {MentionedUser: &agent.ID, Status: active}, {MentionedUser: &agent.ID, Search: "invoice"},
	} {
		f.Limit = 25
		_, _, err := w.svc.ListConversations(ctx, p, f)
		w.must(err)
	}
	// Searches by cursor: a common term, a name, a rare one (the walk, then the indexes), each
	// from the top and from its next page; and by twos, a phone an eighth of the contacts share:
	// past what a search reads of a name's matches on PostgreSQL, the list is walked testing
	// each contact. A name's walk goes on past the first: its window tested row by row (no
	// window is over 5,000), then by the contacts and the newest content matches.
	for _, rowTested := range []int{5000, 0} {
		w.st.(observable).SetRowTestedMax(rowTested)
		for _, f := range []inbox.ConversationFilter{{Search: "enterprise plan"}, {Search: "Priya"}, {Search: "+91"}, {Search: "refund"},
			{Search: "invoice", Status: active}, {Search: "zzyzx"}, {Search: "+91", Limit: 2}} {
			f.Limit = cmp.Or(f.Limit, 25)
			page, err := w.svc.SearchConversations(ctx, p, f, nil)
			w.must(err)
			if page.Next != nil {
				_, err = w.svc.SearchConversations(ctx, p, f, page.Next)
				w.must(err)
			}
		}
	}
	inbound, unread := true, false
	for _, f := range []inbox.InboxMessageFilter{
		{}, {Channel: inbox.ChannelWhatsApp}, {Inbound: &inbound}, {IsRead: &unread}, {ContactID: &conv.ContactID},
		{ConversationID: &conv.ID}, {AssignedTo: &agent.ID}, {From: &yesterday}, {Search: "invoice"}, {Search: "hi"},
		{Before: &msgs[0].ID}, {IncludeInternal: true}, {Search: "invoice", IncludeInternal: true},
		{Search: "zzyzx"}, {Search: "zzyzx", IncludeInternal: true}, {Search: "zzyzx", Before: &msgs[0].ID},
	} {
		_, err := w.svc.ListInboxMessages(ctx, p, f)
		w.must(err)
	}
	_, _, err = w.svc.ListContacts(ctx, p, inbox.ContactFilter{Page: 2, Limit: 25})
	w.must(err)
	for _, f := range []inbox.StatsFilter{{Start: &yesterday}, {Start: &yesterday, Distributions: true, Agents: true}} {
		_, err = w.svc.Statistics(ctx, p, f)
		w.must(err)
	}
	_, err = w.svc.InboxStatistics(ctx, p)
	w.must(err)

	// Background work: the outbox, the reply-window sweep, the event log.
	items, err := w.st.ClaimOutbound(ctx, w.now().Add(time.Hour), time.Minute, 10)
	w.must(err)
	for i, it := range items {
		w.must(w.st.ExtendOutbound(ctx, it.ID, it.Claim, w.now().Add(2*time.Minute)))
		if i%2 == 0 {
			w.must(w.st.CompleteOutbound(ctx, it.ID, it.Claim))
		} else {
			w.must(w.st.RetryOutbound(ctx, it.ID, it.Claim, w.now().Add(time.Minute), "timeout"))
		}
	}
	_, err = w.svc.CloseExpiredWindows(ctx, 100)
	w.must(err)
	_, _, err = w.st.EventsSince(ctx, tenant, 1, 100)
	w.must(err)
	_, err = w.st.LatestSeq(ctx, tenant)
	w.must(err)
	_, err = w.st.PruneEvents(ctx, w.now().Add(-time.Hour))
	w.must(err)
}

func (w *workload) now() time.Time { return w.svc.Now() }

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, ...inbox.Event) {}

// SQLite: a plan's lines "SCAN <alias>" read a whole table (or, with USING INDEX, a whole
// index); "SEARCH" lines read a range. A virtual table's scan is full when no constraint
// reached its xBestIndex (an empty index string).
var (
	sqliteScan    = regexp.MustCompile(`^SCAN (\S+)(?: (USING (?:COVERING )?INDEX \S+|VIRTUAL TABLE INDEX \d+:(\S*)))?`)
	sqliteDerived = regexp.MustCompile(`^(?:MATERIALIZE|CO-ROUTINE) (\S+)`)
	// sqlAliases finds "FROM table alias" and "JOIN table AS alias".
	sqlAliases = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z_]+))?`)
)

func explainSQLite(ctx context.Context, db *sql.DB, query string, args []any) ([]string, string, error) {
	rows, err := db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, "", err
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	tables := map[string]string{}
	for _, m := range sqlAliases.FindAllStringSubmatch(query, -1) {
		tables[m[1]] = m[1]
		if m[2] != "" && !sqlKeyword(m[2]) {
			tables[m[2]] = m[1]
		}
	}
	for _, l := range lines {
		if m := sqliteDerived.FindStringSubmatch(l); m != nil {
			delete(tables, m[1]) // a subquery's rows, not a table's
		}
	}
	var scans []string
	for _, l := range lines {
		m := sqliteScan.FindStringSubmatch(l)
		if m == nil || !growing[tables[m[1]]] {
			continue
		}
		if strings.HasPrefix(m[2], "VIRTUAL TABLE") && m[3] != "" {
			continue // a MATCH or rowid constraint
		}
		scans = append(scans, tables[m[1]]+" ("+l+")")
	}
	return scans, strings.Join(lines, "\n"), nil
}

// sqliteTriggers returns the statements of every trigger's body, the trigger's NEW.x and
// OLD.x turned into parameters (NULL: the plan does not depend on their values).
func sqliteTriggers(ctx context.Context, db *sql.DB) ([]statement, error) {
	rows, err := db.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		return nil, err
	}
	bodies, err := collectStrings(rows)
	if err != nil {
		return nil, err
	}
	var out []statement
	for _, b := range bodies {
		body := triggerBody.FindStringSubmatch(b)
		if body == nil {
			return nil, fmt.Errorf("no body in trigger %s", b)
		}
		for _, q := range strings.Split(body[1], ";") {
			if q = triggerRow.ReplaceAllString(q, "?"); strings.TrimSpace(q) != "" {
				out = append(out, statement{query: q, args: make([]any, strings.Count(q, "?"))})
			}
		}
	}
	return out, nil
}

var (
	triggerBody = regexp.MustCompile(`(?is)\bBEGIN\b(.*)\bEND\s*$`)
	triggerRow  = regexp.MustCompile(`(?i)\b(?:NEW|OLD)\.\w+`)
)

func sqlKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "WHERE", "ON", "JOIN", "LEFT", "INNER", "CROSS", "SET", "SELECT", "VALUES", "GROUP", "ORDER", "LIMIT", "USING", "AS", "DEFAULT":
		return true
	}
	return false
}

// PostgreSQL: with sequential scans disabled, a Seq Scan is left only where no index can
// answer the statement at all. On the test's few thousand rows the planner rightly prefers
// a Seq Scan to most index scans, so the plain plans would say nothing about the millions of
// rows of a real tenant; with the setting off they show whether an index serves each table.
// An index scan without an Index Cond reads the whole index, a full scan all the same (the
// planner's way around a disabled Seq Scan).
func explainPostgres(ctx context.Context, db *sql.DB, query string, args []any) ([]string, string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		return nil, "", err
	}
	defer conn.ExecContext(ctx, `RESET enable_seqscan`) //nolint:errcheck // the pool's connection, put back as it was
	var raw string
	if err := conn.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) `+query, args...).Scan(&raw); err != nil {
		return nil, "", err
	}
	var plans []struct{ Plan pgNode }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil {
		return nil, "", err
	}
	var scans []string
	var walk func(n pgNode)
	walk = func(n pgNode) {
		if full := n.NodeType == "Seq Scan" || strings.HasPrefix(n.NodeType, "Index") && n.IndexCond == ""; full && growing[n.Relation] {
			scans = append(scans, n.Relation+" ("+n.NodeType+")")
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return scans, raw, nil
}

type pgNode struct {
	NodeType     string   `json:"Node Type"`
	Relation     string   `json:"Relation Name"`
	IndexCond    string   `json:"Index Cond"`
	ActualRows   int      `json:"Actual Rows"`
	Loops        int      `json:"Actual Loops"`
	FilteredRows int      `json:"Rows Removed by Filter"`
	Plans        []pgNode `json:"Plans"`
}

// rowsReadPostgres runs query with EXPLAIN ANALYZE and adds up the rows its scans of table
// read: those they returned and those their filters removed.
func rowsReadPostgres(ctx context.Context, db *sql.DB, table, query string, args []any) (int, error) {
	var raw string
	if err := db.QueryRowContext(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+query, args...).Scan(&raw); err != nil {
		return 0, err
	}
	var plans []struct{ Plan pgNode }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil {
		return 0, err
	}
	n := 0
	var walk func(p pgNode)
	walk = func(p pgNode) {
		if p.Relation == table {
			n += (p.ActualRows + p.FilteredRows) * max(1, p.Loops)
		}
		for _, c := range p.Plans {
			walk(c)
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return n, nil
}

func disableAutovacuum(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := collectStrings(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if _, err := db.Exec(`ALTER TABLE ` + tb + ` SET (autovacuum_enabled = off)`); err != nil {
			t.Fatal(err)
		}
	}
}

func collectStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sendReply records the provider's acceptance of a queued reply as the outbox worker does:
// it claims the reply's item and finishes its send; other items it claims are released.
func (w *workload) sendReply(ctx context.Context, messageID uuid.UUID, providerID string) error {
	items, err := w.st.ClaimOutbound(ctx, w.now().Add(time.Hour), time.Minute, 100)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.MessageID == messageID {
			err = errors.Join(err, w.svc.FinishSend(ctx, it, inbox.SendOutcome{Sent: true, ProviderID: providerID}))
			continue
		}
		err = errors.Join(err, w.st.RetryOutbound(ctx, it.ID, it.Claim, w.now(), ""))
	}
	return err
}
