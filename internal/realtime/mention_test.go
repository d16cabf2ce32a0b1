package realtime_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/realtime"
)

// TestMentionAndContactFrames checks what the agents' app reads from two frames: who a note
// mentions (new_message), and which contact to read again after an edit (contact_update).
func TestMentionAndContactFrames(t *testing.T) {
	w := newWorld(t)
	n := w.node(t, realtime.NewMemoryBus())
	viewer := w.connect(t, n, 0, auth.RoleViewer, "")
	ctx, admin, mentioned := context.Background(), w.principal(0, auth.RoleAdmin), w.tenants[0].users[auth.RoleExecutive]

	_, err := n.svc.AddNote(ctx, admin, w.tenants[0].conversation, inbox.NoteInput{Content: "@executive look", MentionedUsers: []uuid.UUID{mentioned}})
	must(t, err)
	var note struct {
		Message struct {
			IsInternal     bool            `json:"is_internal"`
			MentionedUsers []inbox.UserRef `json:"mentioned_users"`
		} `json:"message"`
	}
	f := viewer.until("new_message")
	must(t, json.Unmarshal(f.Data, &note))
	if !note.Message.IsInternal || len(note.Message.MentionedUsers) != 1 || note.Message.MentionedUsers[0].ID != mentioned {
		t.Errorf("new_message of a note mentioning %s: %s", mentioned, f.Data)
	}

	c, err := n.svc.GetConversation(ctx, admin, w.tenants[0].conversation)
	must(t, err)
	name := "Carlotta"
	_, err = n.svc.UpdateContact(ctx, admin, c.ContactID, inbox.ContactInput{FirstName: &name})
	must(t, err)
	var update inbox.ContactUpdate
	f = viewer.until("contact_update")
	must(t, json.Unmarshal(f.Data, &update))
	if f.Seq == 0 || update.ID != c.ContactID || update.UpdatedBy.ID != admin.UserID {
		t.Errorf("contact_update: seq %d, %s", f.Seq, f.Data)
	}
}
