package inbox_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// cluster is one tenant served by several nodes: a service per store, the stores sharing
// one database (PostgreSQL), or one store shared by the services (SQLite, one process).
type cluster struct {
	t       *testing.T
	ctx     context.Context
	nodes   []*inbox.Service
	store   inbox.Store
	tenant  uuid.UUID
	users   []uuid.UUID
	channel inbox.Channel
}

// discard is a publisher for use cases whose events no socket waits for.
type discard struct{}

func (discard) Publish(context.Context, ...inbox.Event) {}

// postgresNodes opens n stores on one PostgreSQL schema, as n nodes would.
func postgresNodes(t *testing.T, n int) []inbox.Store {
	dsn := storetest.PostgresURL(t)
	stores := make([]inbox.Store, n)
	for i := range stores {
		stores[i] = storetest.OpenPostgresAt(t, dsn)
	}
	return stores
}

// sqliteNodes shares one SQLite store among n services: one process owns the file.
func sqliteNodes(t *testing.T, n int) []inbox.Store {
	st := storetest.OpenSQLite(t)
	stores := make([]inbox.Store, n)
	for i := range stores {
		stores[i] = st
	}
	return stores
}

var databases = []struct {
	name  string
	nodes func(t *testing.T, n int) []inbox.Store
}{{"SQLite", sqliteNodes}, {"PostgreSQL", postgresNodes}}

func newCluster(t *testing.T, stores []inbox.Store) *cluster {
	c := &cluster{t: t, ctx: context.Background(), store: stores[0], tenant: uuid.Must(uuid.NewV7())}
	now := time.Now().UTC()
	must(t, c.store.CreateTenant(c.ctx, inbox.Tenant{ID: c.tenant, Name: "Cluster", CreatedAt: now}))
	for i := range 2 {
		u := inbox.User{ID: uuid.Must(uuid.NewV7()), TenantID: c.tenant, FirstName: fmt.Sprint("Agent", i), LastName: "Smith",
			Email: fmt.Sprintf("agent%d-%s@example.com", i, c.tenant), Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: now}
		must(t, c.store.CreateUser(c.ctx, u))
		c.users = append(c.users, u.ID)
	}
	c.channel = inbox.Channel{ID: uuid.Must(uuid.NewV7()), TenantID: c.tenant, Kind: inbox.ChannelTelegram, Name: "tg",
		Config: map[string]string{}, CreatedAt: now}
	must(t, c.store.CreateChannel(c.ctx, c.channel))
	for _, st := range stores {
		c.nodes = append(c.nodes, inbox.NewService(st, discard{}, slog.New(slog.DiscardHandler)))
	}
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (c *cluster) agent(i int) auth.Principal {
	return auth.Principal{TenantID: c.tenant, UserID: c.users[i%len(c.users)], Role: auth.RoleAdmin}
}

// inbound has contact `from` write text to node n.
func (c *cluster) inbound(n int, from, text string) (inbox.Message, error) {
	m, _, err := c.nodes[n%len(c.nodes)].ReceiveInbound(c.ctx, c.channel, inbox.Inbound{
		ProviderMessageID: uuid.NewString(), From: inbox.Sender{Address: from, FirstName: from},
		ContentType: inbox.ContentText, Content: text,
	})
	return m, err
}

// openConversations lists the contact's conversations on the channel that are not closed.
func (c *cluster) openConversations(contact uuid.UUID) []inbox.Conversation {
	all, _, err := c.store.ListConversations(c.ctx, c.tenant, inbox.ConversationFilter{Page: 1, Limit: 1000})
	must(c.t, err)
	var open []inbox.Conversation
	for _, cv := range all {
		if cv.ContactID == contact && cv.ChannelID == c.channel.ID && cv.Status != inbox.StatusClosed {
			open = append(open, cv)
		}
	}
	return open
}

// TestClusterWritesDoNotFail has three nodes change status, assign, reply, note, take inbound
// messages and receipts on a handful of conversations at once: every call succeeds, none
// losing a deadlock (each tenant transaction takes the tenant's event counter first, and
// work that still loses one runs again).
func TestClusterWritesDoNotFail(t *testing.T) {
	c := newCluster(t, postgresNodes(t, 3))
	var convs []uuid.UUID
	for i := range 5 {
		m, err := c.inbound(0, fmt.Sprint("contact", i), "hello")
		must(t, err)
		convs = append(convs, m.ConversationID)
	}
	const workers, each = 12, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		node := c.nodes[w%len(c.nodes)]
		wg.Go(func() {
			for i := range each {
				// Each call picks its conversation and use case at random, so that the nodes'
				// transactions lock the conversations in every order.
				k, n := w*each+i, rand.N(len(convs))
				conv := convs[n]
				p := c.agent(k)
				var err error
				switch rand.N(6) {
				case 0:
					_, err = node.SetStatus(c.ctx, p, conv, []inbox.Status{inbox.StatusActive, inbox.StatusPending}[k%2], "")
				case 1:
					user := c.users[k%2]
					_, err = node.Assign(c.ctx, p, conv, inbox.AssignInput{User: inbox.OptionalID{Set: true, ID: &user}})
				case 2:
					_, err = node.SendMessage(c.ctx, p, conv, inbox.SendInput{Content: fmt.Sprint("reply ", k)})
				case 3:
					_, err = node.AddNote(c.ctx, p, conv, inbox.NoteInput{Content: fmt.Sprint("note ", k)})
				case 4:
					_, err = c.inbound(w, fmt.Sprint("contact", n), fmt.Sprint("inbound ", k))
				case 5:
					err = node.ApplyReceipt(c.ctx, c.channel, inbox.Receipt{ProviderMessageID: fmt.Sprint("p", k), Status: inbox.DeliveryDelivered})
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d, call %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 5 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d calls failed, want none", failed, workers*each)
	}
}

// TestFirstMessagesOpenOneConversation closes a contact's conversation, then has its next
// messages reach every node at once: they open one conversation, and all land in it. Three
// rounds, each after closing the conversation the last one opened.
func TestFirstMessagesOpenOneConversation(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			c := newCluster(t, db.nodes(t, 3))
			first, err := c.inbound(0, "carla", "hello")
			must(t, err)
			conv := first.ConversationID
			for round := range 3 {
				_, err = c.nodes[0].SetStatus(c.ctx, c.agent(0), conv, inbox.StatusClosed, "")
				must(t, err)
				const n = 24
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						if _, err := c.inbound(i, "carla", fmt.Sprint("again ", i)); err != nil {
							t.Errorf("round %d, message %d: %v", round, i, err)
						}
					})
				}
				wg.Wait()
				open := c.openConversations(*first.SenderID)
				if len(open) != 1 {
					t.Fatalf("round %d: %d open conversations of the contact, want 1", round, len(open))
				}
				conv = open[0].ID
				_, total, err := c.store.ListMessages(c.ctx, c.tenant, conv, inbox.MessagePage{Page: 1, Limit: 100})
				must(t, err)
				if total != n {
					t.Errorf("round %d: the open conversation holds %d messages, want %d", round, total, n)
				}
			}
		})
	}
}

// TestRedeliveryStoresOnce delivers one provider message to every node at once, several
// times, then once more: it is stored once, each delivery answers with that message, and
// only one says it created it. Deliveries that all looked the provider id up before any
// committed used to report the one their insert skipped (its unique key taken meanwhile)
// as created, and announce it: a new_message frame of a message never stored.
func TestRedeliveryStoresOnce(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			c := newCluster(t, db.nodes(t, 3))
			in := inbox.Inbound{ProviderMessageID: "wamid.once", From: inbox.Sender{Address: "dana", FirstName: "Dana"},
				ContentType: inbox.ContentText, Content: "is my parcel lost?"}
			const n = 12
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				ids     = map[uuid.UUID]int{}
				created int
				conv    uuid.UUID
			)
			deliver := func(i int) {
				m, fresh, err := c.nodes[i%len(c.nodes)].ReceiveInbound(c.ctx, c.channel, in)
				if err != nil {
					t.Errorf("delivery %d: %v", i, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[m.ID]++
				conv = m.ConversationID
				if fresh {
					created++
				}
			}
			for i := range n {
				wg.Go(func() { deliver(i) })
			}
			wg.Wait()
			deliver(n) // once more, after the others
			if len(ids) != 1 || created != 1 {
				t.Fatalf("%d deliveries answered with %d messages, %d said they created it; want 1 and 1", n+1, len(ids), created)
			}
			if _, total, err := c.store.ListMessages(c.ctx, c.tenant, conv, inbox.MessagePage{Page: 1, Limit: 10}); err != nil || total != 1 {
				t.Errorf("the conversation holds %d messages (%v), want 1", total, err)
			}
		})
	}
}

// TestInboundJoinsConversationOpenedMeanwhile has a contact's message arrive while another
// transaction, not committed yet, opens a conversation for the same contact and channel:
// the message's insert of a new conversation waits for it, fails on the one-open-conversation
// index, and the message joins the conversation that won.
func TestInboundJoinsConversationOpenedMeanwhile(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	app := "joiner-" + uuid.NewString()[:8]
	c := newCluster(t, []inbox.Store{storetest.OpenPostgresAt(t, dsn), storetest.OpenPostgresAt(t, dsn+"&application_name="+app)})
	first, err := c.inbound(0, "carla", "hello")
	must(t, err)
	_, err = c.nodes[0].SetStatus(c.ctx, c.agent(0), first.ConversationID, inbox.StatusClosed, "")
	must(t, err)
	winner := inbox.Conversation{ID: uuid.Must(uuid.NewV7()), TenantID: c.tenant, ContactID: *first.SenderID, ChannelID: c.channel.ID,
		Type: "support", Status: inbox.StatusActive, Priority: inbox.PriorityMedium, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	opened, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.store.InTx(c.ctx, func(q inbox.Queries) error {
			if err := q.CreateConversation(c.ctx, winner); err != nil {
				return err
			}
			close(opened)
			<-release
			return nil
		})
	}()
	<-opened
	joined := make(chan inbox.Message, 1)
	go func() {
		m, err := c.inbound(1, "carla", "joins")
		if err != nil {
			t.Error(err)
		}
		joined <- m
	}()
	// Release the winner once the second node's transaction waits for it.
	admin := c.store.(interface{ DB() *sql.DB }).DB()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		must(t, admin.QueryRowContext(c.ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&waiting))
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second node never waited for the conversation opened meanwhile")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	must(t, <-done)
	m := <-joined
	if m.ConversationID != winner.ID {
		t.Errorf("the message went to conversation %v, want %v (the one opened meanwhile)", m.ConversationID, winner.ID)
	}
	if open := c.openConversations(*first.SenderID); len(open) != 1 {
		t.Errorf("%d open conversations of the contact, want 1", len(open))
	}
}
