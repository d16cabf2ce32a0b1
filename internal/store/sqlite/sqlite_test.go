package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/sqlite"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

func TestConformance(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

// TestWritesDoNotWaitForReaders checks that transactions run on a connection of their own:
// with every reading connection taken (slow exports, say), a write still commits, and so
// does one whose statements the store prepares for the first time.
func TestWritesDoNotWaitForReaders(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	for range st.DB().Stats().MaxOpenConnections {
		conn, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tenant := inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "written while reads hold the pool", CreatedAt: time.Now()}
	err := st.InTx(ctx, func(q inbox.Queries) error {
		if err := q.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		_, err := q.GetTenant(ctx, tenant.ID)
		return err
	})
	if err != nil {
		t.Fatalf("write with every reading connection taken: %v", err)
	}
}

// TestReadersPerCore checks that the read pool has two connections per core: reads are
// CPU-bound, and each connection holds memory of its own.
func TestReadersPerCore(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	if got, want := st.DB().Stats().MaxOpenConnections, 2*runtime.GOMAXPROCS(0); got != want {
		t.Errorf("%d reading connections, want %d", got, want)
	}
}

// TestCheckpointRestartsTheWAL checks that under a steady stream of writes the checkpoints
// start the WAL over once it is long enough, so it does not grow without end, and that no
// write is lost on the way.
func TestCheckpointRestartsTheWAL(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := st.InTx(ctx, func(q inbox.Queries) error {
				return q.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: strings.Repeat("n", 2000), CreatedAt: time.Now()})
			})
			if err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	})
	var longest, restarts, last int
	for range 100 {
		for n := written.Load(); written.Load() < n+20; {
			time.Sleep(time.Millisecond)
		}
		if err := st.Checkpoint(ctx, 64); err != nil {
			t.Fatal(err)
		}
		var busy, pages, copied int
		if err := st.DB().QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &pages, &copied); err != nil {
			t.Fatal(err)
		}
		if pages < last {
			restarts++
		}
		last, longest = pages, max(longest, pages)
	}
	close(stop)
	wg.Wait()
	if restarts == 0 {
		t.Errorf("the WAL never started over; it grew to %d pages", longest)
	}
	var tenants int64
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&tenants); err != nil {
		t.Fatal(err)
	}
	if tenants != written.Load() {
		t.Errorf("%d tenants stored, %d written", tenants, written.Load())
	}
	t.Logf("%d restarts, longest WAL %d pages", restarts, longest)
}

// TestBetweenTx checks that work queued between transactions (the WAL restart of the
// checkpoints) runs while no transaction does, however many writers keep the database busy,
// and that the writers' work all lands.
func TestBetweenTx(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	var inTx atomic.Int32
	var wg sync.WaitGroup
	const writers, each = 8, 40
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := st.InTx(ctx, func(q inbox.Queries) error {
					inTx.Add(1)
					defer inTx.Add(-1)
					return q.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("w%d-%d", w, i), CreatedAt: time.Now()})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var turns int
	for range 20 {
		err := st.BetweenTx(ctx, func(ctx context.Context) error {
			if n := inTx.Load(); n != 0 {
				return fmt.Errorf("%d transactions running during a turn between them", n)
			}
			turns++
			_, err := st.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if turns != 20 {
		t.Errorf("%d turns ran, want 20", turns)
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE name LIKE 'w%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Errorf("%d tenants written, want %d", n, writers*each)
	}
	if err := st.BetweenTx(ctx, func(context.Context) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Errorf("a turn's error came back as %v", err)
	}
}

var errBoom = errors.New("boom")

// TestQueuedMessagesIndexed checks that messages queued for content search by concurrent,
// group-committed transactions, some of them failing, end up indexed exactly once each
// (some by the commits that found the queue due, the rest when it is indexed), the
// customer-visible ones in messages_fts and the internal notes in notes_fts, and that
// changes of content or of kind and deletions keep both indexes true whether the message was
// still queued or already indexed (FTS5's integrity-check compares each index with the
// messages it holds).
func TestQueuedMessagesIndexed(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	tenant, convs := storetest.NewConversations(t, st, 1)
	failed := errors.New("rolled back on purpose")
	var wg sync.WaitGroup
	const writers, each = 8, 25
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := st.InTx(ctx, func(q inbox.Queries) error {
					content, note := fmt.Sprintf("parcel w%di%d.", w, i), i%5 == 2
					switch {
					case i%5 == 4:
						content = "ghost " + content
					case note:
						content = fmt.Sprintf("memo w%di%d.", w, i)
					}
					if _, err := q.InsertMessage(ctx, newMessage(tenant, convs[0], content, note), inbox.Touch{UpdatedAt: time.Now()}); err != nil {
						return err
					}
					if i%5 == 4 {
						return failed
					}
					return nil
				})
				if err != nil && !errors.Is(err, failed) {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	indexQueued(t, st)
	for _, tc := range []struct {
		index, term string
		want        int
	}{
		{"messages_fts", "parcel", writers * each * 3 / 5}, {"messages_fts", "memo", 0}, {"messages_fts", "ghost", 0},
		{"notes_fts", "memo", writers * each / 5}, {"notes_fts", "parcel", 0}, {"notes_fts", "ghost", 0},
	} {
		if got := indexMatches(t, st, tc.index, tc.term); got != tc.want {
			t.Errorf("%q found in %d messages of %s, want %d", tc.term, got, tc.index, tc.want)
		}
	}
	checkIndexes(t, st, "after the group commits")

	// Outside the store's transactions (as a tool would), change, move between the indexes
	// and delete messages and notes that are indexed and ones that are only queued; the queue
	// is indexed after the store's next write.
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE messages SET content = 'changed one' WHERE content = 'parcel w0i0.'`,
		`DELETE FROM messages WHERE content = 'parcel w0i1.'`,
		`UPDATE messages SET content = 'changed memo' WHERE content = 'memo w0i2.'`,
		`DELETE FROM messages WHERE content = 'memo w0i7.'`,
		`UPDATE messages SET is_internal = TRUE WHERE content = 'parcel w0i3.'`,
		`UPDATE messages SET is_internal = FALSE WHERE content = 'memo w0i12.'`,
		`CREATE TEMP TABLE copies AS SELECT * FROM messages WHERE content IN ('parcel w1i0.', 'parcel w1i1.', 'parcel w1i3.', 'memo w1i2.', 'memo w1i7.')`,
		`UPDATE copies SET id = 'copy-' || id, content = 'queued ' || content`,
		`INSERT INTO messages SELECT * FROM copies`,
		`UPDATE messages SET content = 'changed two' WHERE content = 'queued parcel w1i0.'`,
		`DELETE FROM messages WHERE content = 'queued parcel w1i1.'`,
		`UPDATE messages SET is_internal = TRUE WHERE content = 'queued parcel w1i3.'`,
		`UPDATE messages SET content = 'changed queued memo' WHERE content = 'queued memo w1i2.'`,
		`DELETE FROM messages WHERE content = 'queued memo w1i7.'`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTenant(ctx, inbox.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "B", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.InsertMessage(ctx, newMessage(tenant, convs[0], "parcel last", false), inbox.Touch{UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	indexQueued(t, st)
	for _, tc := range []struct {
		index, term string
		want        int
	}{
		{"messages_fts", "changed one", 1}, {"messages_fts", "changed two", 1}, {"messages_fts", "parcel w0i0.", 0},
		{"messages_fts", "parcel w0i1.", 0}, {"messages_fts", "parcel w1i0.", 1}, {"messages_fts", "parcel last", 1},
		{"messages_fts", "parcel w0i3.", 0}, {"messages_fts", "memo w0i12.", 1}, {"messages_fts", "queued", 0},
		{"notes_fts", "changed memo", 1}, {"notes_fts", "memo w0i2.", 0}, {"notes_fts", "memo w0i7.", 0},
		{"notes_fts", "parcel w0i3.", 1}, {"notes_fts", "memo w0i12.", 0}, {"notes_fts", "changed queued memo", 1},
		{"notes_fts", "queued memo w1i7.", 0}, {"notes_fts", "queued parcel w1i3.", 1},
	} {
		if got := indexMatches(t, st, tc.index, tc.term); got != tc.want {
			t.Errorf("after the changes, %q found in %d messages of %s, want %d", tc.term, got, tc.index, tc.want)
		}
	}
	checkIndexes(t, st, "after changes outside the store")
}

// TestNotesIndexMigration checks that migration 0033 moves the internal notes out of the
// content index, into their own, and indexes the messages a tool left queued in the right one.
func TestNotesIndexMigration(t *testing.T) {
	st := storetest.OpenSQLite(t).(*sqlite.Store)
	ctx := context.Background()
	tenant, convs := storetest.NewConversations(t, st, 1)
	for _, content := range []string{"parcel one", "memo one", "parcel two", "memo two"} {
		m := newMessage(tenant, convs[0], content, strings.HasPrefix(content, "memo"))
		if _, err := st.InsertMessage(ctx, m, inbox.Touch{UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// Back to one index of every message, as before the migration, and a message and a note
	// a tool stored since, still queued.
	for _, stmt := range []string{
		`DROP TABLE messages_fts`, `DROP TABLE notes_fts`, `DROP VIEW customer_messages`, `DROP VIEW internal_notes`,
		`CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='rowid', tokenize='trigram')`,
		`INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`,
		`CREATE TEMP TABLE copies AS SELECT * FROM messages WHERE content IN ('parcel two', 'memo two')`,
		`UPDATE copies SET id = 'copy-' || id, content = 'queued ' || content`,
		`INSERT INTO messages SELECT * FROM copies`,
		`DELETE FROM schema_migrations WHERE version LIKE '%_notes_index_apart'`,
	} {
		if _, err := st.DB().ExecContext(ctx, stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	if got := indexMatches(t, st, "messages_fts", "memo"); got != 2 {
		t.Fatalf("before the migration, %d notes in messages_fts, want 2", got)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		index, term string
		want        int
	}{
		{"messages_fts", "parcel", 3}, {"messages_fts", "memo", 0}, {"messages_fts", "queued parcel two", 1},
		{"notes_fts", "memo", 3}, {"notes_fts", "parcel", 0}, {"notes_fts", "queued memo two", 1},
	} {
		if got := indexMatches(t, st, tc.index, tc.term); got != tc.want {
			t.Errorf("after the migration, %q found in %d messages of %s, want %d", tc.term, got, tc.index, tc.want)
		}
	}
	checkIndexes(t, st, "after the migration")
}

// TestSearchFindsQueuedMessages checks that every content search (by cursor, down the list
// and through the indexes; the list's; the messages inbox's, with and without the notes)
// finds a committed message while it waits in the queue for the index, and once it is
// indexed; and that a queued message deleted is found by none and leaves both indexes true.
func TestSearchFindsQueuedMessages(t *testing.T) {
	st := openIndexingEvery(t, time.Hour)
	ctx := context.Background()
	// More conversations than a search's walk reads for a page of 2 (searchWalk × 3), the
	// matches in the oldest: past the walk, a search by cursor looks through the indexes.
	tenant, convs := storetest.NewConversations(t, st, 12)
	insertMessage(t, st, newMessage(tenant, convs[11], "the first message", false))
	if n := queued(t, st); n != 0 {
		t.Fatalf("%d messages queued after the store's first commit that found one, want 0", n)
	}
	kept := insertMessage(t, st, newMessage(tenant, convs[0], "Where is my kumquat parcel?", false))
	note := insertMessage(t, st, newMessage(tenant, convs[1], "Kumquat refund approved", true))
	insertMessage(t, st, newMessage(tenant, convs[2], "kumquat lost", false))
	gone, err := st.GetConversation(ctx, tenant, convs[2])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseContact(ctx, tenant, gone.ContactID); err != nil {
		t.Fatal(err)
	}
	if n := queued(t, st); n != 2 {
		t.Fatalf("%d messages queued, want 2", n)
	}
	check := func(when string) {
		t.Helper()
		for _, limit := range []int{2, 50} {
			page, err := st.SearchConversations(ctx, tenant, inbox.ConversationFilter{Search: "KUMQUAT", Limit: limit}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Conversations) != 1 || page.Conversations[0].ID != convs[0] {
				t.Errorf("%s: a search by cursor, %d a page, found %d conversations, want %s", when, limit, len(page.Conversations), convs[0])
			}
		}
		list, total, err := st.ListConversations(ctx, tenant, inbox.ConversationFilter{Search: "KUMQUAT"})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(list) != 1 || list[0].ID != convs[0] {
			t.Errorf("%s: the list's search found %d conversations (total %d), want %s", when, len(list), total, convs[0])
		}
		for notes, want := range map[bool][]uuid.UUID{false: {kept.ID}, true: {note.ID, kept.ID}} {
			msgs, err := st.ListInboxMessages(ctx, tenant, inbox.InboxMessageFilter{Search: "KUMQUAT", IncludeInternal: notes})
			if err != nil {
				t.Fatal(err)
			}
			got := []uuid.UUID{}
			for _, m := range msgs {
				got = append(got, m.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: the messages' search, notes included %v, found %v, want %v", when, notes, got, want)
			}
		}
	}
	check("queued")
	indexQueued(t, st)
	checkIndexes(t, st, "indexed")
	check("indexed")
}

// TestQueueIndexedWithoutWrites checks that the messages a commit left queued are indexed
// once the interval has passed, though nothing is written after them.
func TestQueueIndexedWithoutWrites(t *testing.T) {
	st := openIndexingEvery(t, 500*time.Millisecond)
	tenant, convs := storetest.NewConversations(t, st, 1)
	insertMessage(t, st, newMessage(tenant, convs[0], "the first message", false))
	insertMessage(t, st, newMessage(tenant, convs[0], "parcel left queued", false))
	if n := queued(t, st); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
	for deadline := time.Now().Add(10 * time.Second); queued(t, st) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the queue is not indexed 10 s after the last write")
		}
	}
	if n := indexMatches(t, st, "messages_fts", "parcel left queued"); n != 1 {
		t.Errorf("the message is found %d times in messages_fts, want 1", n)
	}
	checkIndexes(t, st, "after the writes stopped")
}

// TestCloseIndexesTheQueue checks that closing the store indexes the messages its commits
// left queued.
func TestCloseIndexesTheQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "inbox.db")
	st, err := sqlite.OpenIndexingEvery(ctx, path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tenant, convs := storetest.NewConversations(t, st, 1)
	insertMessage(t, st, newMessage(tenant, convs[0], "the first message", false))
	insertMessage(t, st, newMessage(tenant, convs[0], "parcel left queued", false))
	if n := queued(t, st); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkIndexes(t, st, "after the store was closed")
}

// TestBacklogIndexedAtCommit checks that a commit that leaves the queue with its backlog
// indexes it at once, however recently it was indexed.
func TestBacklogIndexedAtCommit(t *testing.T) {
	st := openIndexingEvery(t, time.Hour)
	st.SetInboxSearchWalks(1) // the messages inbox's searches reach the index after one message
	ctx := context.Background()
	tenant, convs := storetest.NewConversations(t, st, 1)
	insertMessage(t, st, newMessage(tenant, convs[0], "the first message", false))
	for _, batch := range []int{sqlite.IndexBacklog - 1, 1} {
		err := st.InTx(ctx, func(q inbox.Queries) error {
			for i := range batch {
				if _, err := q.InsertMessage(ctx, newMessage(tenant, convs[0], fmt.Sprintf("parcel %d", i), false), inbox.Touch{UpdatedAt: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	checkIndexes(t, st, "after the backlog's commit")
}

// TestQueueLookupsWithStatisticsOfANewDatabase checks that the statements that read the
// queue of the content indexes (the indexing and the searches) look each queued message up
// by rowid where the statistics were taken of a nearly empty database, as `teaminbox seed`
// leaves a new one: joined to the queue, the messages were scanned once per queued message.
func TestQueueLookupsWithStatisticsOfANewDatabase(t *testing.T) {
	st := openIndexingEvery(t, time.Hour)
	st.SetInboxSearchWalks(1) // the messages inbox's searches reach the index after one message
	ctx := context.Background()
	tenant, convs := storetest.NewConversations(t, st, 1)
	insertMessage(t, st, newMessage(tenant, convs[0], "the first message", false))
	if err := st.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	type statement struct {
		query string
		args  []any
	}
	var mu sync.Mutex
	var reads []statement
	st.Observe(func(query string, args []any) {
		if strings.Contains(query, "FROM messages_fts_queue q") {
			mu.Lock()
			defer mu.Unlock()
			reads = append(reads, statement{query, slices.Clone(args)})
		}
	})
	insertMessage(t, st, newMessage(tenant, convs[0], "a kumquat", false))
	if _, _, err := st.ListConversations(ctx, tenant, inbox.ConversationFilter{Search: "kumquat"}); err != nil {
		t.Fatal(err)
	}
	for _, notes := range []bool{false, true} {
		if _, err := st.ListInboxMessages(ctx, tenant, inbox.InboxMessageFilter{Search: "kumquat", IncludeInternal: notes}); err != nil {
			t.Fatal(err)
		}
	}
	indexQueued(t, st)
	mu.Lock()
	defer mu.Unlock()
	if len(reads) != 5 {
		t.Fatalf("%d statements read the queue, want 5 (2 indexing, 3 searches)", len(reads))
	}
	for _, r := range reads {
		if scans := queueScans(t, st, r.query, r.args); len(scans) > 0 {
			t.Errorf("the queue's messages are scanned (%s) in\n%s", strings.Join(scans, ", "), r.query)
		}
	}
}

// queueScans returns the scans, other than of the queue itself, in the plan of the part of
// query that reads the queue of the content indexes (aliased q).
func queueScans(t *testing.T, st *sqlite.Store, query string, args []any) []string {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	parents, details := map[int]int{}, map[int]string{}
	var queue []int // the parents of the queue's walks: their selects
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		parents[id], details[id] = parent, detail
		if detail == "SCAN q" {
			queue = append(queue, parent)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	in := func(id int) bool {
		for ; id != 0; id = parents[id] {
			if slices.Contains(queue, parents[id]) {
				return true
			}
		}
		return false
	}
	var scans []string
	for id, detail := range details {
		if strings.HasPrefix(detail, "SCAN ") && detail != "SCAN q" && in(id) {
			scans = append(scans, detail)
		}
	}
	return scans
}

// openIndexingEvery returns a migrated SQLite store that indexes the messages queued for
// content search at most every interval.
func openIndexingEvery(t *testing.T, interval time.Duration) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.OpenIndexingEvery(ctx, filepath.Join(t.TempDir(), "inbox.db"), interval)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// insertMessage stores m in a transaction of its own.
func insertMessage(t *testing.T, st *sqlite.Store, m inbox.Message) inbox.Message {
	t.Helper()
	if _, err := st.InsertMessage(context.Background(), m, inbox.Touch{UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return m
}

// queued counts the messages queued for content search.
func queued(t *testing.T, st *sqlite.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM messages_fts_queue`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// indexQueued indexes the messages the store's commits left queued.
func indexQueued(t *testing.T, st *sqlite.Store) {
	t.Helper()
	if err := st.IndexQueued(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// newMessage returns a customer's message of the conversation, or an agent's internal note.
func newMessage(tenant, conversation uuid.UUID, content string, note bool) inbox.Message {
	m := inbox.Message{ID: uuid.Must(uuid.NewV7()), TenantID: tenant, ConversationID: conversation, SenderType: inbox.SenderEndUser,
		Content: content, ContentType: inbox.ContentText, Status: inbox.DeliveryReceived, CreatedAt: time.Now()}
	if note {
		m.SenderType, m.IsInternal, m.Status = inbox.SenderBusinessUser, true, inbox.DeliverySent
	}
	return m
}

// indexMatches counts the messages of the full-text index whose content holds term.
func indexMatches(t *testing.T, st *sqlite.Store, index, term string) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+index+` WHERE `+index+` MATCH ?`, `"`+term+`"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkIndexes fails unless each content index holds exactly its messages (FTS5's
// integrity-check compares it with the view it indexes) and no message is left queued.
func checkIndexes(t *testing.T, st *sqlite.Store, when string) {
	t.Helper()
	ctx := context.Background()
	for _, index := range []string{"messages_fts", "notes_fts"} {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO `+index+` (`+index+`, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("%s: %s does not match the messages it indexes: %v", when, index, err)
		}
	}
	if n := queued(t, st); n != 0 {
		t.Errorf("%s: %d messages left queued", when, n)
	}
}
