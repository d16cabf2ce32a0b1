package httpapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestConversationPDF downloads one conversation as a PDF: its messages and notes are in it,
// not those of the contact's other conversation; include_notes=false leaves the note out;
// another business's conversation is 404, a bad id or flag 400.
func TestConversationPDF(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	viewer, exec_ := e.tokenOf[auth.RoleViewer], e.tokenOf[auth.RoleExecutive]
	convID := e.expect(e.do("GET", "/v1/conversations?limit=1", viewer, nil), 200, "list").data()["conversations"].([]any)[0].(map[string]any)["id"].(string)
	a, err := e.st.GetConversation(ctx, seed.DemoTenantID, uuid.MustParse(convID))
	if err != nil {
		t.Fatal(err)
	}
	// The same contact's other conversation, on the same channel, closed.
	b := inbox.Conversation{ID: uuid.Must(uuid.NewV7()), TenantID: a.TenantID, ContactID: a.ContactID, ChannelID: a.ChannelID,
		Type: "support", Status: inbox.StatusClosed, Priority: inbox.PriorityLow, Category: "general", CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.st.CreateConversation(ctx, b); err != nil {
		t.Fatal(err)
	}
	say := func(conv uuid.UUID, text string) {
		t.Helper()
		_, err := e.st.InsertMessage(ctx, inbox.Message{ID: uuid.Must(uuid.NewV7()), TenantID: a.TenantID, ConversationID: conv,
			SenderType: inbox.SenderEndUser, Content: text, ContentType: inbox.ContentText, Status: inbox.DeliveryReceived, CreatedAt: e.now},
			inbox.Touch{UnreadDelta: 1, UpdatedAt: e.now})
		if err != nil {
			t.Fatal(err)
		}
	}
	say(a.ID, "Parcel ALPHA-4411 arrived")
	say(b.ID, "Invoice BRAVO-7788 please")
	e.expect(e.do("POST", "/v1/conversations/"+convID+"/notes", exec_, map[string]any{"content": "Checked NOTE-5C2"}), 201, "note")

	path := "/v1/conversations/" + convID + "/export.pdf"
	r := e.do("GET", path, viewer, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(r.Raw), "%PDF-") {
		t.Fatalf("export: %d %s %.40q", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}
	e.expect(e.do("GET", "/v1/conversations/"+e.b.conversation.String()+"/export.pdf", viewer, nil), 404, "another business's conversation")
	e.expect(e.do("GET", "/v1/conversations/"+uuid.NewString()+"/export.pdf", viewer, nil), 404, "no such conversation")
	e.expect(e.do("GET", "/v1/conversations/nope/export.pdf", viewer, nil), 400, "bad id")
	e.expect(e.do("GET", path+"?include_notes=maybe", viewer, nil), 400, "include_notes not a boolean")
	e.expect(e.do("GET", path, "", nil), 401, "no token")

	text := func(query string) string {
		return pdfText(t, e.expect(e.do("GET", path+query, viewer, nil), 200, "export").Raw)
	}
	got := text("")
	if !strings.Contains(got, "ALPHA-4411") || !strings.Contains(got, "NOTE-5C2") {
		t.Errorf("the conversation's PDF lacks its message or note:\n%s", got)
	}
	if strings.Contains(got, "BRAVO-7788") {
		t.Errorf("the conversation's PDF holds the contact's other conversation:\n%s", got)
	}
	if got := text("?include_notes=false"); strings.Contains(got, "NOTE-5C2") || !strings.Contains(got, "ALPHA-4411") {
		t.Errorf("include_notes=false:\n%s", got)
	}
}

// pdfText is the text pdftotext reads in a PDF, skipping the test where poppler-utils is not
// installed.
func pdfText(t *testing.T, raw []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
	}
	f := filepath.Join(t.TempDir(), "export.pdf")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
