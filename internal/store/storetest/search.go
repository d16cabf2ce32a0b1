package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/tenantdata"
)

// listedRow is a conversation a test expects a list or a search to return, with what places
// it in the list.
type listedRow struct {
	id       uuid.UUID
	activity time.Time
	closed   bool
}

// inListOrder returns the ids of rows (only the closed ones if closedOnly) in the list's
// order by activity, ties broken by id: newest first, or oldest first if asc.
func inListOrder(rows []listedRow, asc, closedOnly bool) []uuid.UUID {
	rows = slices.DeleteFunc(slices.Clone(rows), func(r listedRow) bool { return closedOnly && !r.closed })
	slices.SortFunc(rows, func(x, y listedRow) int {
		c := x.activity.Compare(y.activity)
		if c == 0 {
			c = strings.Compare(x.id.String(), y.id.String())
		}
		if !asc {
			c = -c
		}
		return c
	})
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

// searchPages reads every page of a search of tenant by cursor, checking what each counted
// of the all matches, and returns the ids in order.
func searchPages(t *testing.T, f *fixture, tenant uuid.UUID, filter inbox.ConversationFilter, all int) []uuid.UUID {
	t.Helper()
	var got []uuid.UUID
	var after *inbox.ListCursor
	for n := 0; n <= all; n++ {
		p, err := f.st.SearchConversations(f.ctx, tenant, filter, after)
		f.must(err)
		for _, c := range p.Conversations {
			got = append(got, c.ID)
		}
		left := all - len(got) + len(p.Conversations)
		if p.More && (p.Counted != len(p.Conversations) || p.Counted >= left) || !p.More && p.Counted != left {
			t.Errorf("%+v after %d rows: counted %d (more %v), %d rows, %d matches left", filter, len(got)-len(p.Conversations), p.Counted, p.More, len(p.Conversations), left)
		}
		if (p.Next == nil) != (len(got) >= all) {
			t.Errorf("%+v after %d rows: next %v, of %d matches", filter, len(got), p.Next, all)
		}
		if after = p.Next; after == nil {
			break
		}
	}
	return got
}

// eachRowTest runs check with the store's own longest window of a search's walk whose
// messages are tested one by one, then, where the store can be told, with none: every window
// past the first walk is tested by its contacts and the newest content matches. how names
// the second run.
func eachRowTest(f *fixture, check func(how string)) {
	check("")
	if st, ok := f.st.(interface{ SetRowTestedMax(int) }); ok {
		st.SetRowTestedMax(0)
		check(", no window row-tested")
	}
}

// testSearchPages pages searches by cursor, newest activity first: a common term (its
// page filled by walking the list, its count stopped at the page), one the first walk finds
// a few times (the walk goes on), rare ones whose matches
// lie past that walk (gathered through the indexes and counted in full; two of them the
// same words in either order), a name many share
// past it, a phone, a term too short for the indexes and a filter, each against the answer
// computed here, with no row twice or missed while new matches arrive, and nothing of
// another tenant.
func testSearchPages(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	wa := f.channel(a, inbox.ChannelWhatsApp)
	rows := map[string][]listedRow{}
	for i := range 160 {
		name := fmt.Sprintf("Person%03d", i)
		switch {
		case i == 7 || i == 158:
			name = "Zelda"
		case i%3 == 1 && i < 100:
			// A name many share, past the walk: the list is walked, and the count stops.
			name = "Dana"
		}
		closed := i%10 == 0
		c := f.conversation(a, f.contact(a, name, fmt.Sprintf("+1555%07d", i)).ID, wa.ID, t0, func(c *inbox.Conversation) {
			if closed {
				c.Status = inbox.StatusClosed
			}
		})
		at := t0.Add(time.Duration(i) * time.Minute)
		r := listedRow{c.ID, at, closed}
		content := "Thanks"
		switch {
		case i%2 == 0:
			content = "Your PARCEL is on its way"
			rows["parcel"] = append(rows["parcel"], r)
		case i == 1 || i == 3 || i == 5:
			// An older message matches; the conversation's activity is its newest.
			f.message(c, inbox.SenderEndUser, "a refund please", at.Add(-time.Hour))
			rows["refund please"] = append(rows["refund please"], r)
		case i == 9 || i == 13:
			// The same words in the other order, and joined by the letter PostgreSQL's index
			// puts for a space (migration 0036): neither is "refund please".
			f.message(c, inbox.SenderEndUser, "please refund it", at.Add(-time.Hour))
			f.message(c, inbox.SenderEndUser, "refundǂplease", at.Add(-2*time.Hour))
			rows["please refund"] = append(rows["please refund"], r)
		case i == 151:
			f.message(c, inbox.SenderBusinessUser, "refund please, says the note", at.Add(-time.Hour), func(m *inbox.Message) { m.IsInternal = true })
		}
		if i%10 == 5 {
			// In one conversation in ten: the first walk finds it twice or more for a page
			// of 7 or 20, and walks on (walkWindow).
			f.message(c, inbox.SenderEndUser, "my voucher code", at.Add(-30*time.Minute))
			rows["voucher"] = append(rows["voucher"], r)
		}
		f.message(c, inbox.SenderEndUser, content, at)
		if i/10 == 12 {
			// With its +, a phone's start (PostgreSQL looks it up by prefix); without, digits
			// anywhere in one.
			rows["+1555000012"] = append(rows["+1555000012"], r)
		}
		if i == 120 {
			rows["0000120"] = append(rows["0000120"], r)
		}
		if name == "Zelda" || name == "Dana" {
			rows[strings.ToLower(name)] = append(rows[strings.ToLower(name)], r)
		}
	}
	rows["ze"] = rows["zelda"]
	// Another tenant's matches are the newest of all.
	bc := f.conversation(b, f.contact(b, "Zelda", "+15550000000").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0)
	f.message(bc, inbox.SenderEndUser, "parcel: refund please", t0.Add(time.Hour*24))

	want := func(term string, closed bool) []uuid.UUID { return inListOrder(rows[term], false, closed) }
	eachRowTest(f, func(how string) {
		for _, tc := range []struct {
			term   string
			closed bool
		}{{"parcel", false}, {"refund please", false}, {"please refund", false}, {"voucher", false}, {"zelda", false}, {"ze", false}, {"dana", false}, {"+1555000012", false}, {"0000120", false}, {"parcel", true}} {
			for _, limit := range []int{20, 7, 2} {
				filter := inbox.ConversationFilter{Search: strings.ToUpper(tc.term), Limit: limit}
				if tc.closed {
					filter.Status = inbox.StatusClosed
				}
				w := want(tc.term, tc.closed)
				if diff := cmp.Diff(w, searchPages(t, f, a, filter, len(w))); diff != "" {
					t.Errorf("%+v%s: ids (-want +got):\n%s", filter, how, diff)
				}
			}
		}
	})
	// A common term's first page stops counting at the page.
	first, err := f.st.SearchConversations(f.ctx, a, inbox.ConversationFilter{Search: "parcel", Limit: 20}, nil)
	f.must(err)
	if !first.More || first.Counted != 20 || len(first.Conversations) != 20 || first.Conversations[0].Contact.FirstName == "" {
		t.Errorf("parcel's first page: counted %d, more %v, %d rows", first.Counted, first.More, len(first.Conversations))
	}

	// New matches arrive while the pages are read: a new conversation, and a new message in
	// one of the first page. The pages after the cursor go on below it, as they were.
	w := want("parcel", false)
	filter := inbox.ConversationFilter{Search: "parcel", Limit: 7}
	p, err := f.st.SearchConversations(f.ctx, a, filter, nil)
	f.must(err)
	got := []uuid.UUID{}
	for _, c := range p.Conversations {
		got = append(got, c.ID)
	}
	late := f.conversation(a, f.contact(a, "Late", "+15559999999").ID, wa.ID, t0.Add(time.Hour*5))
	f.message(late, inbox.SenderEndUser, "parcel?", t0.Add(time.Hour*5))
	moved := f.get(a, w[3])
	f.message(moved, inbox.SenderEndUser, "parcel again", t0.Add(time.Hour*6))
	for after := p.Next; after != nil; after = p.Next {
		p, err = f.st.SearchConversations(f.ctx, a, filter, after)
		f.must(err)
		for _, c := range p.Conversations {
			got = append(got, c.ID)
		}
	}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("pages while matches arrive (-want +got):\n%s", diff)
	}
	// From the top again, the new activity comes first.
	p, err = f.st.SearchConversations(f.ctx, a, filter, nil)
	f.must(err)
	if len(p.Conversations) < 2 || p.Conversations[0].ID != moved.ID || p.Conversations[1].ID != late.ID {
		t.Errorf("after the arrivals, the first page starts %v; want %s, %s", p.Conversations[:2], moved.ID, late.ID)
	}
}

// testNoteSearch checks a phrase that only internal notes hold: no customer-visible search
// finds it, whether by walking the list or through the indexes, and the messages inbox's
// search that includes the notes does; and the indexes forget a note whose business is
// deleted or whose contact is erased, so that a message stored after it (which may take its
// place: SQLite reuses the highest rowid) never answers for it.
func testNoteSearch(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	data := f.st.(tenantdata.Store)
	wa := f.channel(a, inbox.ChannelWhatsApp)
	note := func(m *inbox.Message) { m.IsInternal = true }
	// More conversations than a search's walk reads for a page of 2 (searchWalk × 3), the
	// note's the oldest: past the walk, the note is looked for through the indexes.
	var convs []inbox.Conversation
	for i := range 12 {
		at := t0.Add(time.Duration(i) * time.Minute)
		c := f.conversation(a, f.contact(a, fmt.Sprintf("Person%02d", i), fmt.Sprintf("+1555%07d", i)).ID, wa.ID, at)
		f.message(c, inbox.SenderEndUser, "hello", at)
		convs = append(convs, c)
	}
	approved := f.message(convs[0], inbox.SenderBusinessUser, "Refund approved by finance", t0.Add(time.Second), note)
	// Another business's note of the same phrase, stored last.
	bc := f.conversation(b, f.contact(b, "Bea", "+15550000000").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0)
	f.message(bc, inbox.SenderBusinessUser, "Refund approved by finance", t0.Add(time.Hour), note)

	check := func(when, term string, visible []inbox.Conversation, withNotes []inbox.Message) {
		t.Helper()
		var want []uuid.UUID
		for _, c := range visible {
			want = append(want, c.ID)
		}
		for _, limit := range []int{2, 50} {
			got := searchPages(t, f, a, inbox.ConversationFilter{Search: term, Limit: limit}, len(want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: conversations searched for %q, %d a page (-want +got):\n%s", when, term, limit, diff)
			}
		}
		list, total, err := f.st.ListConversations(f.ctx, a, inbox.ConversationFilter{Search: term})
		f.must(err)
		if total != len(visible) || len(list) != len(visible) {
			t.Errorf("%s: the list searched for %q has %d conversations (total %d), want %d", when, term, len(list), total, len(visible))
		}
		for _, notes := range []bool{false, true} {
			msgs, err := f.st.ListInboxMessages(f.ctx, a, inbox.InboxMessageFilter{Search: term, IncludeInternal: notes})
			f.must(err)
			got, want := []uuid.UUID{}, []uuid.UUID{}
			for _, m := range msgs {
				got = append(got, m.ID)
			}
			for _, m := range withNotes {
				if notes || !m.IsInternal {
					want = append(want, m.ID)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: messages searched for %q, notes included %v (-want +got):\n%s", when, term, notes, diff)
			}
		}
	}
	check("at first", "refund approved", nil, []inbox.Message{approved})

	// Business B is deleted; a message stored next may take its note's place.
	for {
		step, err := data.DeleteTenantBatch(f.ctx, b, 100)
		f.must(err)
		if step.Table == "" {
			break
		}
	}
	thanks := f.message(convs[3], inbox.SenderEndUser, "thanks again", t0.Add(time.Hour))
	check("after another business's deletion", "refund approved", nil, []inbox.Message{approved})
	check("after another business's deletion", "thanks again", []inbox.Conversation{convs[3]}, []inbox.Message{thanks})

	// The newest message, a note, goes with its contact; a message stored next may take its place.
	f.message(convs[1], inbox.SenderBusinessUser, "Refund declined, says finance", t0.Add(2*time.Hour), note)
	_, err := data.EraseContact(f.ctx, a, convs[1].ContactID)
	f.must(err)
	lost := f.message(convs[2], inbox.SenderEndUser, "parcel lost", t0.Add(2*time.Hour))
	check("after the erasure", "refund declined", nil, nil)
	check("after the erasure", "parcel lost", []inbox.Conversation{convs[2]}, []inbox.Message{lost})
	check("after the erasure", "refund approved", nil, []inbox.Message{approved})
}
