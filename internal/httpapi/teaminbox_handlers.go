package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// The /team-inbox/api/ surface shows the v1 data in the all-channel inbox's vocabulary;
// docs/team-inbox.md documents the mapping.

// inboxMessageView is one message of the all-channel inbox.
type inboxMessageView struct {
	ID             uuid.UUID            `json:"id"`
	ConversationID uuid.UUID            `json:"conversation_id"`
	ContactID      uuid.UUID            `json:"contact_id"`
	Platform       string               `json:"platform"`    // WHATSAPP, TELEGRAM, SMS, RCS, VOICE (WEB for the built-in web channel)
	Direction      string               `json:"direction"`   // INCOMING, OUTGOING
	AuthorType     string               `json:"author_type"` // USER, CONTACT, BOT
	AuthorID       *uuid.UUID           `json:"author_id"`
	Content        map[string]any       `json:"content"`
	IsRead         bool                 `json:"is_read"`
	IsInternal     bool                 `json:"is_internal"`
	Status         inbox.DeliveryStatus `json:"status"`
	WAMessage      *waMessage           `json:"wa_message"`
	ExpiresAt      *time.Time           `json:"expires_at"`
	CreatedAt      time.Time            `json:"created_at"`
	History        []inbox.StatusChange `json:"delivery_history,omitempty"`
}

// waMessage is the WhatsApp message a row tracks the status of.
type waMessage struct {
	ID          string               `json:"id"`
	Status      inbox.DeliveryStatus `json:"status"`
	SentAt      *time.Time           `json:"sent_at"`
	DeliveredAt *time.Time           `json:"delivered_at"`
	ReadAt      *time.Time           `json:"read_at"`
}

func platformOf(k inbox.ChannelKind) string { return strings.ToUpper(string(k)) }

func inboxView(m inbox.InboxMessage) inboxMessageView {
	v := inboxMessageView{
		ID: m.ID, ConversationID: m.ConversationID, ContactID: m.ContactID, Platform: platformOf(m.ChannelKind),
		Direction: "OUTGOING", AuthorID: m.SenderID, IsRead: true, IsInternal: m.IsInternal, Status: m.Status,
		CreatedAt: m.CreatedAt,
		Content:   map[string]any{"type": m.ContentType, "text": m.Content, "attachments": m.Attachments},
	}
	switch m.SenderType {
	case inbox.SenderEndUser:
		v.Direction, v.AuthorType, v.IsRead = "INCOMING", "CONTACT", m.IsRead
	case inbox.SenderBusinessUser:
		v.AuthorType = "USER"
	default: // business (campaigns), bot and system messages are automated
		v.AuthorType = "BOT"
	}
	var structured map[string]any
	if len(m.Payload) > 0 && json.Unmarshal(m.Payload, &structured) == nil {
		maps.Copy(v.Content, structured)
		v.Content["type"], v.Content["text"] = m.ContentType, m.Content
	}
	if len(m.Reactions) > 0 {
		v.Content["reactions"] = m.Reactions
	}
	if m.ChannelKind == inbox.ChannelWhatsApp {
		if m.ProviderMessageID != "" {
			v.WAMessage = &waMessage{ID: m.ProviderMessageID, Status: m.Status, SentAt: m.SentAt, DeliveredAt: m.DeliveredAt, ReadAt: m.ReadAt}
		}
		if m.LastInboundAt != nil {
			v.ExpiresAt = ptr(m.LastInboundAt.Add(inbox.ReplyWindowLength))
		}
	}
	return v
}

func (s *Server) inboxMessages(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := inbox.InboxMessageFilter{
		Channel:         inbox.ChannelKind(strings.ToLower(q.oneOf("platform", []string{"WHATSAPP", "TELEGRAM", "SMS", "RCS", "VOICE", "WEB"}))),
		IsRead:          q.boolean("is_read"),
		ContactID:       q.id("contact_id"),
		ConversationID:  q.id("conversation_id"),
		AssignedTo:      q.id("assigned_to"),
		From:            q.instant("from"),
		To:              q.instant("to"),
		Search:          q.str("search", 200),
		Before:          q.id("before"),
		Limit:           q.intRange("limit", min(50, s.MessageLimit), 1, s.MessageLimit),
		IncludeInternal: q.boolean("include_internal") != nil && *q.boolean("include_internal"),
	}
	if d := q.oneOf("direction", []string{"INCOMING", "OUTGOING"}); d != "" {
		f.Inbound = ptr(d == "INCOMING")
	}
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.Service.ListInboxMessages(r.Context(), principal(r.Context()), f)
	if err != nil {
		return err
	}
	views := make([]inboxMessageView, len(list))
	for i, m := range list {
		m.Attachments = s.signedAttachments(principal(r.Context()).TenantID, m.Attachments)
		views[i] = inboxView(m)
	}
	var next *uuid.UUID
	if len(list) == f.Limit {
		next = &list[len(list)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": views, "limit": f.Limit, "next_before": next})
	return nil
}

func (s *Server) inboxMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "messageId")
	if err != nil {
		return err
	}
	p := principal(r.Context())
	m, history, err := s.Service.GetMessage(r.Context(), p, id)
	if err != nil {
		return err
	}
	c, err := s.Service.GetConversation(r.Context(), p, m.ConversationID)
	if err != nil {
		return err
	}
	m.Attachments = s.signedAttachments(p.TenantID, m.Attachments)
	v := inboxView(inbox.InboxMessage{Message: m, ContactID: c.ContactID, ChannelKind: c.Channel.Name, LastInboundAt: c.LastInboundAt})
	v.History = nonNil(history)
	writeJSON(w, http.StatusOK, map[string]any{"message": v})
	return nil
}

// agentLoadView is one agent's row of the workload distribution.
type agentLoadView struct {
	Agent                   inbox.UserRef      `json:"agent"`
	OpenAssigned            int                `json:"open_assigned"`
	Unread                  int                `json:"unread"`
	OldestWaitingSince      *time.Time         `json:"oldest_waiting_since"`
	AvgFirstResponseSeconds *float64           `json:"average_first_response_seconds"`
	AvgFirstResponse        *string            `json:"average_first_response_time"`
	Availability            inbox.Availability `json:"availability"`
}

func (s *Server) inboxStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Service.InboxStatistics(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	byChannel := map[string]int{}
	for k, n := range st.ByChannel {
		byChannel[platformOf(k)] = n
	}
	agents := make([]agentLoadView, len(st.Agents))
	for i, a := range st.Agents {
		agents[i] = agentLoadView{Agent: a.User, OpenAssigned: a.OpenAssigned, Unread: a.Unread, OldestWaitingSince: a.OldestWaitingSince,
			AvgFirstResponseSeconds: roundSeconds(a.AvgFirstResponseSeconds), AvgFirstResponse: humanDuration(a.AvgFirstResponseSeconds),
			Availability: a.Availability}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"total_conversations":      st.TotalConversations,
		"unread_count":             st.UnreadMessages,
		"unread_conversations":     st.UnreadConversations,
		"open_tickets":             st.OpenTickets,
		"unassigned_open":          st.Unassigned,
		"conversations_by_channel": byChannel,
		"agent_workload":           agents,
	})
	return nil
}

func (s *Server) exportPDF(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	if q.v.Get("contact_id") == "" {
		q.bad.Add("contact_id", "contact_id is required")
	}
	id := q.id("contact_id")
	notes := q.boolean("include_notes")
	if err := q.err(); err != nil {
		return err
	}
	return s.ThreadPDF.WritePDF(r.Context(), principal(r.Context()), *id, notes == nil || *notes, w)
}

func (s *Server) websocketInfo(w http.ResponseWriter, r *http.Request) error {
	scheme := "ws"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "wss"
	}
	info, err := s.WebSocketInfo(principal(r.Context()), scheme+"://"+r.Host)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}
