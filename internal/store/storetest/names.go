package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// testSearchSharedName pages searches by cursor for a name that half the conversations
// share, in runs of 24 between runs of 26 others: a page's walk from the top of a run of
// others finds none, and the search goes on past it. There it reads the name's matches up to
// a number that grows with the square root of the page and of the list (sqlstore's
// NameMatch.Reads), and past that number walks the list testing each conversation's
// contact: the page sizes take it on either side, on both stores. Every way answers the
// matches by name (a contact with two conversations, not one without) and by content (not a
// note's), in the list's order, with no row twice or missed, counted as it should; and the
// list by page numbers counts them all.
func testSearchSharedName(t *testing.T, f *fixture) {
	a, b := f.tenant("A"), f.tenant("B")
	wa, tg := f.channel(a, inbox.ChannelWhatsApp), f.channel(a, inbox.ChannelTelegram)
	var dana []listedRow
	var prev inbox.Contact
	for i := range 500 {
		at := t0.Add(time.Duration(i) * time.Minute)
		name := fmt.Sprintf("Person%03d", i)
		if i%50 < 24 {
			name = "Dana"
		}
		ct, channel := prev, tg.ID // a second conversation of the contact before
		if i != 61 {
			ct, channel = f.contact(a, name, fmt.Sprintf("+1666%07d", i)), wa.ID
		}
		prev = ct
		closed := i%4 == 0
		c := f.conversation(a, ct.ID, channel, at, func(c *inbox.Conversation) {
			if closed {
				c.Status = inbox.StatusClosed
			}
		})
		r := listedRow{c.ID, at, closed}
		switch i {
		case 130, 385:
			// Found by content alone; the message is its newest activity.
			r.activity = at.Add(30 * time.Second)
			f.message(c, inbox.SenderEndUser, "Dana said to write here", r.activity)
		case 240:
			f.message(c, inbox.SenderBusinessUser, "Ask Dana", at, func(m *inbox.Message) { m.IsInternal = true })
		}
		if name == "Dana" || i == 130 || i == 385 {
			dana = append(dana, r)
		}
	}
	f.contact(a, "Dana", "+16669999999") // without a conversation
	bc := f.conversation(b, f.contact(b, "Dana", "+16660000000").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0.Add(time.Hour*24))
	f.message(bc, inbox.SenderEndUser, "Dana here", t0.Add(time.Hour*24))

	eachRowTest(f, func(how string) {
		for _, closed := range []bool{false, true} {
			want := inListOrder(dana, false, closed)
			for _, limit := range []int{20, 7, 2} {
				filter := inbox.ConversationFilter{Search: "dana", Limit: limit}
				if closed {
					filter.Status = inbox.StatusClosed
				}
				if diff := cmp.Diff(want, searchPages(t, f, a, filter, len(want))); diff != "" {
					t.Errorf("%+v%s: ids (-want +got):\n%s", filter, how, diff)
				}
			}
		}
	})
	want := inListOrder(dana, false, false)
	list, total, err := f.st.ListConversations(f.ctx, a, inbox.ConversationFilter{Search: "Dana", Page: 2, Limit: 20, SortBy: inbox.SortLastMessageAt})
	f.must(err)
	got := []uuid.UUID{}
	for _, c := range list {
		got = append(got, c.ID)
	}
	if diff := cmp.Diff(want[20:40], got); diff != "" || total != len(want) {
		t.Errorf("the list's second page: total %d of %d, ids (-want +got):\n%s", total, len(want), diff)
	}
}
