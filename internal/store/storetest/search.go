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

// testSearchPages pages searches by cursor, newest activity first: a common term (its
// page filled by walking the list, its count stopped at the page), rare ones whose matches
// lie past that walk (gathered through the indexes and counted in full), a name many share
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
		case i == 151:
			f.message(c, inbox.SenderBusinessUser, "refund please, says the note", at.Add(-time.Hour), func(m *inbox.Message) { m.IsInternal = true })
		}
		f.message(c, inbox.SenderEndUser, content, at)
		if i/10 == 12 {
			rows["+1555000012"] = append(rows["+1555000012"], r)
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
	// pages reads every page, checking what each counted, and returns the ids in order.
	pages := func(filter inbox.ConversationFilter, all int) []uuid.UUID {
		t.Helper()
		var got []uuid.UUID
		var after *inbox.ListCursor
		for n := 0; n < 100; n++ {
			p, err := f.st.SearchConversations(f.ctx, a, filter, after)
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
	for _, tc := range []struct {
		term   string
		closed bool
	}{{"parcel", false}, {"refund please", false}, {"zelda", false}, {"ze", false}, {"dana", false}, {"+1555000012", false}, {"parcel", true}} {
		for _, limit := range []int{20, 7, 2} {
			filter := inbox.ConversationFilter{Search: strings.ToUpper(tc.term), Limit: limit}
			if tc.closed {
				filter.Status = inbox.StatusClosed
			}
			w := want(tc.term, tc.closed)
			if diff := cmp.Diff(w, pages(filter, len(w))); diff != "" {
				t.Errorf("%+v: ids (-want +got):\n%s", filter, diff)
			}
		}
	}
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
