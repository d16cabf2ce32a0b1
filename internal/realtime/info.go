package realtime

import (
	"net/url"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// serverEvents are the event frame types a client receives.
var serverEvents = []inbox.EventType{inbox.EventNewMessage, inbox.EventMessageStatus, inbox.EventTypingIndicator,
	inbox.EventAssignmentUpdate, inbox.EventTicketUpdate, inbox.EventTagUpdate, inbox.EventConversationUpdate,
	inbox.EventReplyWindow, inbox.EventPresence, inbox.EventMessageReaction, inbox.EventUserDeactivated, inbox.EventAgentAvailability,
	inbox.EventContactUpdate}

// Info answers GET /team-inbox/websocket/info/: where to connect and a short-lived token
// for it (browsers cannot send an Authorization header on a WebSocket).
func (h *Hub) Info(p auth.Principal, baseURL string) (any, error) {
	tok, err := h.cfg.Tokens.Issue(p, auth.AudienceWebSocket, h.cfg.TokenTTL)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path, u.RawQuery = "/ws/team-inbox/"+p.TenantID.String()+"/", ""
	return map[string]any{
		"url":                    u.String(),
		"token":                  tok,
		"expires_at":             time.Now().UTC().Add(h.cfg.TokenTTL),
		"tenant_id":              p.TenantID,
		"events":                 serverEvents,
		"client_events":          clientEvents,
		"typing_timeout_seconds": h.cfg.TypingTimeout.Seconds(),
		"resume":                 "add since=<last seq you received> to the URL to get the events you missed",
	}, nil
}
