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

// testInboxSearchWindows pages the messages inbox's content search by cursor while it walks
// windows of a few messages before it reads the index (Store.SetInboxSearchWalks), and checks
// that every page is the one a search over all the messages gives: none missing at a
// window's edge (two matches share its instant), none twice, newest first, notes only when
// asked for, a filter applied in each step, and no other business's.
func testInboxSearchWindows(t *testing.T, f *fixture) {
	walks, ok := f.st.(interface{ SetInboxSearchWalks(...int) })
	if !ok {
		t.Skip("the store does not walk the messages inbox's searches")
	}
	a, b := f.tenant("A"), f.tenant("B")
	wa := f.channel(a, inbox.ChannelWhatsApp)
	conv := f.conversation(a, f.contact(a, "Kai", "+15550000001").ID, wa.ID, t0)
	other := f.conversation(b, f.contact(b, "Bo", "+15550000002").ID, f.channel(b, inbox.ChannelWhatsApp).ID, t0)
	note := func(m *inbox.Message) { m.IsInternal = true }
	var all []inbox.Message
	for i := range 14 {
		at := t0.Add(time.Duration(i/2*2) * time.Minute) // pairs share an instant
		text, sender := "nothing here", inbox.SenderEndUser
		if i%3 != 1 {
			text = fmt.Sprintf("a Kiwi order %d", i)
		}
		if i%2 == 1 {
			sender = inbox.SenderBusinessUser
		}
		var mod []func(*inbox.Message)
		if i%5 == 4 {
			mod = append(mod, note)
		}
		all = append(all, f.message(conv, sender, text, at, mod...))
		f.message(other, inbox.SenderEndUser, "kiwi from another business", at)
	}
	// The matches as one search over all of them finds them: newest first, ties by id.
	want := func(notes, inbound bool) []uuid.UUID {
		var ids []inbox.Message
		for _, m := range all {
			if strings.Contains(strings.ToLower(m.Content), "kiwi") && (notes || !m.IsInternal) && (!inbound || m.SenderType == inbox.SenderEndUser) {
				ids = append(ids, m)
			}
		}
		slices.SortFunc(ids, func(x, y inbox.Message) int {
			if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(y.ID.String(), x.ID.String())
		})
		out := []uuid.UUID{}
		for _, m := range ids {
			out = append(out, m.ID)
		}
		return out
	}
	inbound := true
	for _, w := range [][]int{{1}, {2, 3}, {5}, {}, {100}} {
		walks.SetInboxSearchWalks(w...)
		for _, notes := range []bool{false, true} {
			for _, filter := range []*bool{nil, &inbound} {
				for _, limit := range []int{1, 2, 50} {
					got := []uuid.UUID{}
					var before *uuid.UUID
					for range 20 {
						page, err := f.st.ListInboxMessages(f.ctx, a, inbox.InboxMessageFilter{Search: "KIWI", IncludeInternal: notes,
							Inbound: filter, Limit: limit, Before: before})
						f.must(err)
						for _, m := range page {
							got = append(got, m.ID)
						}
						if len(page) < limit {
							break
						}
						before = &page[len(page)-1].ID
					}
					if diff := cmp.Diff(want(notes, filter != nil), got); diff != "" {
						t.Errorf("walks %v, notes %v, inbound only %v, %d a page (-want +got):\n%s", w, notes, filter != nil, limit, diff)
					}
				}
			}
		}
	}
}
