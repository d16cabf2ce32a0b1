package channels_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/channels"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
	"github.com/teaminbox/teaminbox/internal/sequencer"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// conversationOn makes a channel of fixture f and a conversation on it (a contact wrote),
// and returns the conversation's id.
func (s *stack) conversationOn(f fixture) string {
	s.t.Helper()
	ch := s.channel(f)
	if code := s.hook(f.inbound(channels.WebhookURL(s.srv.URL, ch), 1, "hello")); code/100 != 2 {
		s.t.Fatalf("inbound webhook: %d", code)
	}
	for _, c := range s.api("GET", "/v1/conversations?limit=100&channel="+string(f.kind), nil, 200)["conversations"].([]any) {
		if c := c.(map[string]any); c["channel"].(map[string]any)["id"] == ch.ID.String() {
			return c["id"].(string)
		}
	}
	s.t.Fatal("the inbound message made no conversation")
	return ""
}

// reply queues n replies in the conversation and returns their ids. Replies are numbered
// across the stack's conversations: "reply 00", "reply 01", ...
func (s *stack) reply(convID string, n int) []uuid.UUID {
	s.t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range n {
		m := s.api("POST", "/v1/conversations/"+convID+"/messages", map[string]any{"content": fmt.Sprintf("reply %02d", s.queued)}, 201)["message"].(map[string]any)
		ids[i] = uuid.MustParse(m["id"].(string))
		s.queued++
	}
	return ids
}

// replyIn makes that many Telegram conversations and queues `each` replies in each, the
// first conversation's first, and returns their ids.
func (s *stack) replyIn(conversations, each int) []uuid.UUID {
	s.t.Helper()
	var ids []uuid.UUID
	for range conversations {
		ids = append(ids, s.reply(s.conversationOn(fixtures[1]), each)...)
	}
	return ids
}

// waitSent waits until every message is sent.
func (s *stack) waitSent(ids []uuid.UUID) {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			m, err := s.st.GetMessage(context.Background(), s.tenant, id)
			must(s.t, err)
			if m.Status == inbox.DeliverySent {
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("message %s is still %s (%s)", id, m.Status, m.Error)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// sentOnce checks the provider got each of n replies exactly once.
func (s *stack) sentOnce(n int) {
	s.t.Helper()
	seen := map[int]int{}
	for _, r := range s.fake.requests() {
		for i := range n {
			if strings.Contains(r, fmt.Sprintf("reply %02d", i)) {
				seen[i]++
			}
		}
	}
	for i := range n {
		if seen[i] != 1 {
			s.t.Errorf("reply %02d reached the provider %d times", i, seen[i])
		}
	}
	if got := len(s.fake.requests()); got != n {
		s.t.Errorf("%d provider calls, want %d", got, n)
	}
}

// running runs the workers until the returned stop is called; stop waits for them to end.
func running(workers ...*channels.Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, o := range workers {
		wg.Go(func() { o.Run(ctx) })
	}
	return func() { cancel(); wg.Wait() }
}

// outboxNodes are three outbox workers on one queue and how to make them: on PostgreSQL
// three nodes, each with its own connections to one schema; on SQLite three workers of one
// process. The stack's outbox is the first.
var outboxNodes = map[string]func(t *testing.T) (*stack, []*channels.Outbox){
	"postgres": func(t *testing.T) (*stack, []*channels.Outbox) {
		dsn := storetest.PostgresURL(t)
		s := newStackOn(t, storetest.OpenPostgresAt(t, dsn))
		workers := []*channels.Outbox{s.outbox}
		for range 2 {
			st := storetest.OpenPostgresAt(t, dsn)
			seq, stop := sequencer.Start(st, realtime.NewPublisher(realtime.NewMemoryBus(), quiet), quiet)
			t.Cleanup(stop)
			svc := inbox.NewService(st, seq, quiet)
			workers = append(workers, channels.NewOutbox(svc, st, channels.Providers(), http.DefaultClient, "", quiet, nil))
		}
		return s, workers
	},
	"sqlite": func(t *testing.T) (*stack, []*channels.Outbox) {
		s := newStack(t)
		return s, []*channels.Outbox{s.outbox,
			channels.NewOutbox(s.svc, s.st, channels.Providers(), http.DefaultClient, "", quiet, nil),
			channels.NewOutbox(s.svc, s.st, channels.Providers(), http.DefaultClient, "", quiet, nil)}
	},
}

// Three nodes work one queue while the provider answers after 1.5 s, longer than the 1 s
// lease: each reply reaches the provider once. A node used to claim 16 items with a fixed
// lease and send them one by one, so the others took them over and sent them again.
// The replies are those of four conversations, whose replies go one at a time.
func TestOutboxNodesSendEachReplyOnce(t *testing.T) {
	const conversations, each = 4, 4
	for name, open := range outboxNodes {
		t.Run(name, func(t *testing.T) {
			s, workers := open(t)
			ids := s.replyIn(conversations, each)
			s.fake.hook(func(string) { time.Sleep(1500 * time.Millisecond) })
			for _, o := range workers {
				o.Lease = time.Second
			}
			stop := running(workers...)
			s.waitSent(ids)
			stop()
			s.sentOnce(conversations * each)
		})
	}
}

// Three nodes send the replies of three conversations, ten each, the first conversation's
// queued first: each conversation's replies reach the provider one at a time and in order,
// while the conversations go out in parallel (a send of one is at the provider while a send
// of another is). Each worker used to claim the next due reply whatever its conversation,
// so the first conversation's replies were sent three at once and arrived out of order.
func TestOutboxKeepsEachConversationsOrder(t *testing.T) {
	const conversations, each = 3, 10
	for name, open := range outboxNodes {
		t.Run(name, func(t *testing.T) {
			s, workers := open(t)
			ids := s.replyIn(conversations, each)
			var (
				mu        sync.Mutex
				atOnce    = map[int]bool{} // conversations with a send at the provider
				parallel  = make(chan struct{})
				overlapOn sync.Once
			)
			s.fake.hook(func(body string) {
				conv := replyNumber(t, body) / each
				mu.Lock()
				if atOnce[conv] {
					t.Errorf("two replies of conversation %d at the provider at once", conv)
				}
				atOnce[conv] = true
				if len(atOnce) > 1 {
					overlapOn.Do(func() { close(parallel) })
				}
				mu.Unlock()
				// Slow, and the first sends wait until two conversations are at the provider
				// (for less than the outbox's 30 s send timeout).
				select {
				case <-parallel:
				case <-time.After(10 * time.Second):
				}
				time.Sleep(50 * time.Millisecond)
				mu.Lock()
				delete(atOnce, conv)
				mu.Unlock()
			})
			stop := running(workers...)
			s.waitSent(ids)
			stop()
			s.sentOnce(conversations * each)
			select {
			case <-parallel:
			default:
				t.Error("the conversations' replies were never at the provider at once")
			}
			last := map[int]int{}
			for _, r := range s.fake.requests() {
				n := replyNumber(t, r)
				if prev, ok := last[n/each]; ok && n < prev {
					t.Errorf("reply %02d reached the provider after reply %02d", n, prev)
				}
				last[n/each] = n
			}
		})
	}
}

// replyNumber is the number of the reply whose provider request is body.
func replyNumber(t *testing.T, body string) int {
	_, after, ok := strings.Cut(body, "reply ")
	n, err := strconv.Atoi(after[:min(2, len(after))])
	if !ok || err != nil {
		t.Errorf("no reply number in %q", body)
	}
	return n
}

// A worker told to stop finishes the send in flight and holds nothing else: another worker
// sends the rest at once, not when a lease ends. A node used to keep up to 15 claimed
// replies for a minute after a SIGTERM. (One reply in each of eight conversations: the next
// reply of a conversation waits for the one before.)
func TestOutboxStopLeavesTheRestToOthers(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) { testStopLeavesTheRest(t, newStackOn(t, open(t))) })
	}
}

func testStopLeavesTheRest(t *testing.T, s *stack) {
	const n = 8
	ids := s.replyIn(n, 1)
	arrived, release := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	s.fake.hook(func(string) {
		if held.CompareAndSwap(false, true) {
			close(arrived)
			<-release
		}
	})
	s.outbox.Lease = time.Hour // a claim left behind would block the rest for the whole test
	stop := running(s.outbox)
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the first send never reached the provider")
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()

	other := channels.NewOutbox(s.svc, s.st, channels.Providers(), http.DefaultClient, "", quiet, nil)
	other.Lease = time.Hour
	for other.RunOnce(context.Background()) > 0 {
	}
	if got := len(s.fake.requests()); got != n-1 {
		t.Errorf("the other worker sent %d replies while the first was held, want %d", got, n-1)
	}
	close(release)
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the stopped worker did not finish its send")
	}
	s.waitSent(ids)
	s.sentOnce(n)
}

// flakyStore fails the commit of its next `fail` transactions, as a deadlock would.
type flakyStore struct {
	inbox.Store
	fail atomic.Int32
}

func (f *flakyStore) InTx(ctx context.Context, fn func(q inbox.Queries) error) error {
	return f.Store.InTx(ctx, func(q inbox.Queries) error {
		if err := fn(q); err != nil {
			return err
		}
		if f.fail.Add(-1) >= 0 {
			return errors.New("deadlock detected (injected)")
		}
		return nil
	})
}

// unreadableStore fails reads of messages while fail is above zero, as a database that does
// not answer would.
type unreadableStore struct {
	inbox.Store
	fail atomic.Int32
}

func (u *unreadableStore) GetMessage(ctx context.Context, tenant, id uuid.UUID) (inbox.Message, error) {
	if u.fail.Add(-1) >= 0 {
		return inbox.Message{}, errors.New("connection reset (injected)")
	}
	return u.Store.GetMessage(ctx, tenant, id)
}

// A reply whose message cannot be read for a moment is retried, not failed for good: only a
// message, channel or conversation that no longer exists makes a reply unsendable.
func TestOutboxRetriesWhenTheDatabaseFails(t *testing.T) {
	st := &unreadableStore{Store: storetest.OpenSQLite(t)}
	s := newStackOn(t, st)
	ids := s.reply(s.conversationOn(fixtures[0]), 1)
	st.fail.Store(1)
	s.outbox.RunOnce(context.Background())
	m, err := s.st.GetMessage(context.Background(), s.tenant, ids[0])
	must(t, err)
	if m.Status != inbox.DeliveryQueued || !strings.Contains(m.Error, "connection reset") {
		t.Fatalf("after a failed read the reply is %s (%q), want queued with the error", m.Status, m.Error)
	}
	if len(s.fake.requests()) != 0 {
		t.Fatalf("the provider was called: %q", s.fake.requests())
	}
}

// Recording a send fails three times (a deadlock): the worker records it again until it
// holds, and the provider gets the reply once. The item used to stay claimable, and the
// reply went out again when the lease ended.
func TestOutboxRecordsASendUntilItHolds(t *testing.T) {
	for name, open := range map[string]func(testing.TB) inbox.Store{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			flaky := &flakyStore{Store: open(t)}
			s := newStackOn(t, flaky)
			ids := s.reply(s.conversationOn(fixtures[0]), 1)
			s.outbox.Lease = 300 * time.Millisecond
			flaky.fail.Store(3)
			deadline := time.Now().Add(30 * time.Second)
			for {
				s.outbox.RunOnce(context.Background())
				m, err := s.st.GetMessage(context.Background(), s.tenant, ids[0])
				must(t, err)
				if m.Status == inbox.DeliverySent {
					if m.ProviderMessageID == "" || m.SendAttempts != 1 {
						t.Errorf("sent with provider id %q after %d attempts, want one attempt", m.ProviderMessageID, m.SendAttempts)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the reply is still %s", m.Status)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if n := s.outbox.RunOnce(context.Background()); n != 0 {
				t.Errorf("%d items left after the send was recorded", n)
			}
			s.sentOnce(1)
		})
	}
}

// A worker whose claim another worker took over cannot reschedule or fail the item: the
// message and the new claim stay as they are.
func TestOutboxStaleClaimChangesNothing(t *testing.T) {
	s := newStack(t)
	ids := s.reply(s.conversationOn(fixtures[1]), 1)
	ctx, now := context.Background(), time.Now().UTC()
	stale, err := s.st.ClaimOutbound(ctx, now, time.Millisecond, 1)
	must(t, err)
	taken, err := s.st.ClaimOutbound(ctx, now.Add(time.Second), time.Hour, 1)
	must(t, err)
	if len(stale) != 1 || len(taken) != 1 || stale[0].Claim == taken[0].Claim {
		t.Fatalf("claims %+v then %+v, want the item twice under two claims", stale, taken)
	}
	for _, out := range []inbox.SendOutcome{{Error: "late retry", RetryAt: &now}, {Error: "late failure"}} {
		if err := s.svc.FinishSend(ctx, stale[0], out); !errors.Is(err, inbox.ErrNotFound) {
			t.Errorf("%s under a lost claim: %v, want ErrNotFound", out.Error, err)
		}
	}
	m, err := s.st.GetMessage(ctx, s.tenant, ids[0])
	must(t, err)
	if m.Status != inbox.DeliveryQueued || m.Error != "" || m.SendAttempts != 0 {
		t.Errorf("the message became %s (%q, %d attempts)", m.Status, m.Error, m.SendAttempts)
	}
	if again, _ := s.st.ClaimOutbound(ctx, now.Add(time.Minute), time.Hour, 1); len(again) != 0 {
		t.Errorf("the item was released: %+v", again)
	}
	must(t, s.svc.FinishSend(ctx, taken[0], inbox.SendOutcome{Sent: true, ProviderID: "555:42"}))
	if b, _ := s.st.OutboxBacklog(ctx); b.Items != 0 {
		t.Errorf("%d items left after the holder recorded the send", b.Items)
	}
}

// A provider's back-off hint sets the next attempt: Retry-After (seconds or a date) on 429
// and 503, and Telegram's parameters.retry_after.
func TestOutboxHonoursProviderBackOff(t *testing.T) {
	seconds := func(v string) func() http.Header {
		return func() http.Header { return http.Header{"Retry-After": {v}} }
	}
	date := func(wait time.Duration) func() http.Header { // taken when the answer is given
		return func() http.Header {
			return http.Header{"Retry-After": {time.Now().Add(wait).UTC().Format(http.TimeFormat)}}
		}
	}
	none := func() http.Header { return nil }
	cases := []struct {
		name   string
		f      fixture
		status int
		header func() http.Header
		body   string
		wait   time.Duration
	}{
		{"whatsapp 429", fixtures[0], 429, seconds("120"), "", 120 * time.Second},
		{"whatsapp 503", fixtures[0], 503, seconds("45"), "", 45 * time.Second},
		{"telegram", fixtures[1], 429, none, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 90","parameters":{"retry_after":90}}`, 90 * time.Second},
		{"twilio date", fixtures[2], 429, date(150 * time.Second), "", 150 * time.Second},
		{"rcs", fixtures[3], 503, seconds("60"), "", 60 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t)
			s.reply(s.conversationOn(c.f), 1)
			s.fake.answer(answer{status: c.status, header: c.header(), body: c.body})
			before := time.Now()
			if n := s.outbox.RunOnce(context.Background()); n != 1 {
				t.Fatalf("the worker took %d items", n)
			}
			after := time.Now()
			ctx := context.Background()
			if early, _ := s.st.ClaimOutbound(ctx, before.Add(c.wait-2*time.Second), time.Minute, 1); len(early) != 0 {
				t.Errorf("due before the provider's %s: %+v", c.wait, early)
			}
			if due, _ := s.st.ClaimOutbound(ctx, after.Add(c.wait+time.Second), time.Minute, 1); len(due) != 1 {
				t.Errorf("not due %s after the provider's answer", c.wait)
			}
		})
	}
}

// RBM answers 409 ALREADY_EXISTS to a send whose message id an earlier attempt used: the
// reply went out, it is not a failure.
func TestRCSResendIsSent(t *testing.T) {
	s := newStack(t)
	ids := s.reply(s.conversationOn(fixtures[3]), 1)
	s.fake.answer(answer{status: 409, body: `{"error":{"code":409,"message":"Requested entity already exists","status":"ALREADY_EXISTS"}}`})
	s.outbox.RunOnce(context.Background())
	m, err := s.st.GetMessage(context.Background(), s.tenant, ids[0])
	must(t, err)
	if m.Status != inbox.DeliverySent || m.ProviderMessageID != m.ID.String() {
		t.Errorf("after a 409: %s, provider id %q (%s)", m.Status, m.ProviderMessageID, m.Error)
	}
}

// The outbox's metrics: sends by kind and result, and what waits in the queue.
func TestOutboxMetrics(t *testing.T) {
	s := newStack(t)
	s.reply(s.conversationOn(fixtures[1]), 1)
	other := s.reply(s.conversationOn(fixtures[1]), 1) // another conversation's: it does not wait
	s.fake.answer(answer{status: 429, header: http.Header{"Retry-After": {"3600"}}})
	s.outbox.RunOnce(context.Background()) // the first waits an hour
	s.outbox.RunOnce(context.Background())
	s.waitSent(other)
	res, err := http.Get(s.srv.URL + "/metrics")
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`teaminbox_outbox_sends_total{kind="telegram",result="retried"} 1`,
		`teaminbox_outbox_sends_total{kind="telegram",result="sent"} 1`,
		"teaminbox_outbox_items 1",
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("no %q in /metrics", want)
		}
	}
	var age float64
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "teaminbox_outbox_oldest_age_seconds "); ok {
			age, _ = strconv.ParseFloat(v, 64)
		}
	}
	if age <= 0 || age > 600 {
		t.Errorf("oldest item %v s old", age)
	}
}
