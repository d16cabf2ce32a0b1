package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// allConversations pages through the whole list.
func (e *env) allConversations() []map[string]any {
	var out []map[string]any
	for page := 1; ; page++ {
		r := e.expect(e.do("GET", fmt.Sprintf("/v1/conversations?limit=100&page=%d", page), e.tokenOf[auth.RoleAdmin], nil), 200, "list")
		list := r.data()["conversations"].([]any)
		for _, c := range list {
			out = append(out, c.(map[string]any))
		}
		if len(list) < 100 {
			return out
		}
	}
}

// TestStatisticsMatchTheList recomputes the statistics from the conversation list.
func TestStatisticsMatchTheList(t *testing.T) {
	e := newEnv(t)
	all := e.allConversations()
	byStatus, byChannel, unread, open, unassigned := map[string]float64{}, map[string]float64{}, 0.0, 0.0, 0.0
	for _, c := range all {
		byStatus[c["status"].(string)]++
		byChannel[c["channel"].(map[string]any)["name"].(string)]++
		unread += c["unread_count"].(float64)
		if c["status"] != "closed" {
			open++
			if c["assigned_user"] == nil {
				unassigned++
			}
		}
	}
	st := e.expect(e.do("GET", "/v1/conversations/statistics", e.tokenOf[auth.RoleViewer], nil), 200, "statistics").data()
	if st["total_conversations"] != float64(len(all)) || st["closed_conversations"] != byStatus["closed"] || st["active_conversations"] != byStatus["active"] {
		t.Errorf("statistics %v, list by status %v (%d)", st, byStatus, len(all))
	}
	for k, n := range byChannel {
		if st["conversation_by_channel"].(map[string]any)[k] != n {
			t.Errorf("by channel %s: %v, list has %v", k, st["conversation_by_channel"], n)
		}
	}
	in := e.expect(e.do("GET", "/team-inbox/api/stats/", e.tokenOf[auth.RoleViewer], nil), 200, "inbox stats").data()
	if in["unread_count"] != unread || in["open_tickets"] != open || in["unassigned_open"] != unassigned || in["total_conversations"] != float64(len(all)) {
		t.Errorf("inbox stats %v; list: unread %v open %v unassigned %v", in, unread, open, unassigned)
	}
	if agents := in["agent_workload"].([]any); len(agents) != 4 {
		t.Errorf("agent workload has %d agents, want the 4 demo users", len(agents))
	}
	e.expect(e.do("GET", "/v1/conversations/statistics?start_date=2026-13-01", e.tokenOf[auth.RoleViewer], nil), 400, "bad date")
	e.expect(e.do("GET", "/v1/conversations/statistics?start_date=2026-11-10&end_date=2026-11-01", e.tokenOf[auth.RoleViewer], nil), 400, "end before start")
}

// TestInboxMessages exercises the all-channel message list and detail.
func TestInboxMessages(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenOf[auth.RoleViewer]
	get := func(q string) []map[string]any {
		t.Helper()
		r := e.expect(e.do("GET", "/team-inbox/api/messages/?"+q, tok, nil), 200, q)
		var out []map[string]any
		for _, m := range r.data()["messages"].([]any) {
			out = append(out, m.(map[string]any))
		}
		return out
	}
	all := get("limit=100")
	if len(all) == 0 {
		t.Fatal("no messages in the demo")
	}
	for _, m := range all {
		if m["is_internal"] == true || m["author_type"] == nil {
			t.Errorf("default list holds %v", m)
		}
	}
	for _, tc := range []struct{ q, field, want string }{
		{"platform=WHATSAPP", "platform", "WHATSAPP"},
		{"platform=TELEGRAM", "platform", "TELEGRAM"},
		{"direction=INCOMING", "direction", "INCOMING"},
		{"direction=OUTGOING", "direction", "OUTGOING"},
	} {
		for _, m := range get(tc.q + "&limit=100") {
			if m[tc.field] != tc.want {
				t.Errorf("%s let through %s=%v", tc.q, tc.field, m[tc.field])
			}
		}
	}
	for _, m := range get("is_read=false&limit=100") {
		if m["is_read"] != false || m["direction"] != "INCOMING" {
			t.Errorf("is_read=false let through %v", m)
		}
	}
	// Cursor paging walks the list without repeats.
	page1 := get("limit=5")
	next := page1[len(page1)-1]["id"].(string)
	page2 := get("limit=5&before=" + next)
	seen := map[any]bool{}
	for _, m := range append(page1, page2...) {
		if seen[m["id"]] {
			t.Errorf("message %v on two pages", m["id"])
		}
		seen[m["id"]] = true
	}
	word := "order"
	for _, m := range get("search=" + url.QueryEscape(word)) {
		if text, _ := m["content"].(map[string]any)["text"].(string); !containsFold(text, word) {
			t.Errorf("search %q matched %q", word, text)
		}
	}
	detail := e.expect(e.do("GET", "/team-inbox/api/messages/"+all[0]["id"].(string)+"/", tok, nil), 200, "detail").data()["message"].(map[string]any)
	if detail["id"] != all[0]["id"] {
		t.Errorf("detail %v", detail)
	}
	e.expect(e.do("GET", "/team-inbox/api/messages/?platform=FAX", tok, nil), 400, "bad platform")
	e.expect(e.do("GET", "/team-inbox/api/messages/?limit=100000", tok, nil), 400, "over TEAM_INBOX_MESSAGE_LIMIT")
	e.expect(e.do("GET", "/team-inbox/api/messages/?from=yesterday", tok, nil), 400, "bad time")
	e.expect(e.do("GET", "/team-inbox/api/messages/?before=not-an-id", tok, nil), 400, "malformed cursor")
	e.expect(e.do("GET", "/team-inbox/api/messages/?before="+uuid.NewString(), tok, nil), 404, "unknown cursor")
	e.expect(e.do("GET", "/team-inbox/api/messages/?before="+e.b.message.String(), tok, nil), 404, "another tenant's message as cursor")
	notes := get("include_internal=true&limit=100")
	if len(notes) < len(all) {
		t.Errorf("include_internal returned fewer messages")
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// TestExportPDF downloads a contact's thread as a PDF.
func TestExportPDF(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenOf[auth.RoleViewer]
	contact := e.expect(e.do("GET", "/v1/contacts?limit=1", tok, nil), 200, "contacts").data()["contacts"].([]any)[0].(map[string]any)["id"].(string)
	r := e.do("GET", "/team-inbox/api/export-pdf/?contact_id="+contact, tok, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(r.Raw), "%PDF-") {
		t.Fatalf("export: %d %s %.40q", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}
	e.expect(e.do("GET", "/team-inbox/api/export-pdf/?contact_id="+contact+"&include_notes=maybe", tok, nil), 400, "include_notes not a boolean")
	e.expect(e.do("GET", "/team-inbox/api/export-pdf/?contact_id="+e.b.contact.String(), tok, nil), 404, "another tenant's contact")
	e.expect(e.do("GET", "/team-inbox/api/export-pdf/", tok, nil), 400, "no contact_id")
	e.expect(e.do("GET", "/team-inbox/api/export-pdf/?contact_id=x", tok, nil), 400, "bad contact_id")
	e.expect(e.do("GET", "/team-inbox/api/export-pdf/?contact_id="+contact, "", nil), 401, "no token")
}

// TestReplyWindowsCloseOnce announces each expired WhatsApp window once, sweeping in
// batches until none is left, and leaves no window of any channel for a later sweep to read.
func TestReplyWindowsCloseOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	due, err := e.st.ExpiredReplyWindows(ctx, e.svc.Now().Add(-inbox.ReplyWindowLength), 1000)
	if err != nil {
		t.Fatal(err)
	}
	announce := 0
	for _, r := range due {
		if r.Announce {
			announce++
		}
	}
	if announce < 2 || len(due) == announce {
		t.Fatalf("the demo data has %d windows to sweep, %d to announce: want several of each kind", len(due), announce)
	}
	n, err := e.svc.CloseExpiredWindows(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	evs := e.events.ofType(inbox.EventReplyWindow)
	if n != announce || len(evs) != n {
		t.Fatalf("announced %d, %d events; want %d", n, len(evs), announce)
	}
	if !strings.Contains(string(evs[0].Data), `"reply_window_closed"`) || !strings.Contains(string(evs[0].Data), `"open":false`) {
		t.Errorf("event data %s", evs[0].Data)
	}
	if left, err := e.st.ExpiredReplyWindows(ctx, e.svc.Now().Add(-inbox.ReplyWindowLength), 1000); err != nil || len(left) != 0 {
		t.Errorf("after the sweep, %d windows left to sweep again (%v)", len(left), err)
	}
	if again, _ := e.svc.CloseExpiredWindows(ctx, 2); again != 0 {
		t.Errorf("second sweep announced %d again", again)
	}
}

// TestExportPDFNotes reads the PDF's text back: a note is in it, marked, unless left out.
func TestExportPDFNotes(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
	}
	e := newEnv(t)
	exec_, viewer := e.tokenOf[auth.RoleExecutive], e.tokenOf[auth.RoleViewer]
	conv := e.expect(e.do("GET", "/v1/conversations?limit=1", viewer, nil), 200, "list").data()["conversations"].([]any)[0].(map[string]any)
	contact := conv["end_user"].(map[string]any)["id"].(string)
	e.expect(e.do("POST", "/v1/conversations/"+conv["id"].(string)+"/notes", exec_, map[string]any{"content": "Refund NOTE-7F3 approved"}), 201, "note")

	text := func(query string) string {
		return pdfText(t, e.expect(e.do("GET", "/team-inbox/api/export-pdf/?contact_id="+contact+query, viewer, nil), 200, "export").Raw)
	}
	if got := text(""); !strings.Contains(got, "NOTE-7F3") || !containsFold(got, "internal note") {
		t.Errorf("the default export lacks the note or its mark:\n%s", got)
	}
	if got := text("&include_notes=false"); strings.Contains(got, "NOTE-7F3") {
		t.Errorf("include_notes=false still has the note:\n%s", got)
	}
}
