package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// frame is what the server sends: an event (seq > 0 when durable), a control frame
// (hello, reload_required), or the answer to a client request (ack, error, with its id).
type frame struct {
	Type           string      `json:"type"`
	Seq            int64       `json:"seq,omitempty"`
	TS             *time.Time  `json:"ts,omitempty"`
	ConversationID *uuid.UUID  `json:"conversation_id,omitempty"`
	ID             string      `json:"id,omitempty"`
	Data           any         `json:"data,omitempty"`
	Error          *frameError `json:"error,omitempty"`
}

// frameError is the REST envelope's error: the same codes and reasons (inbox.Code*, inbox.Reason*).
type frameError struct {
	Code    string            `json:"code"`
	Reason  string            `json:"reason,omitempty"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

func encodeFrame(e inbox.Event) ([]byte, error) {
	ts := e.CreatedAt
	return json.Marshal(frame{Type: string(e.Type), Seq: e.Seq, TS: &ts, ConversationID: e.ConversationID, Data: e.Data})
}

func encodeControl(typ string, data any) ([]byte, error) {
	return json.Marshal(frame{Type: typ, Data: data})
}

func ackFrame(id string, data any) []byte {
	b, _ := json.Marshal(frame{Type: "ack", ID: id, Data: data})
	return b
}

func errorFrame(id, code, message string) []byte {
	return encodeError(id, &frameError{Code: code, Message: message})
}

func encodeError(id string, e *frameError) []byte {
	b, _ := json.Marshal(frame{Type: "error", ID: id, Error: e})
	return b
}

// hello is the first frame: who the server thinks the client is and what it can send.
func (h *Hub) hello(c *conn, latest int64) []byte {
	b, _ := encodeControl("hello", map[string]any{
		"seq": latest, "tenant_id": c.p.TenantID, "user": c.user, "role": c.p.Role,
		"online": h.presence.online(c.p.TenantID), "typing_timeout_seconds": h.cfg.TypingTimeout.Seconds(),
		"client_events": clientEvents,
	})
	return b
}

// clientEvents are the request types a client may send.
var clientEvents = []string{"send_message", "mark_read", "typing", "assign", "view", "ping"}

// request is what a client sends.
type request struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

type conversationRef struct {
	ConversationID uuid.UUID `json:"conversation_id"`
}

type sendRequest struct {
	ConversationID uuid.UUID          `json:"conversation_id"`
	Content        string             `json:"content"`
	ContentType    inbox.ContentType  `json:"content_type"`
	IsInternal     bool               `json:"is_internal"`
	Attachments    []inbox.Attachment `json:"attachments"`
	Template       *inbox.Template    `json:"template"`
	ReplyToID      *uuid.UUID         `json:"reply_to_id"`
}

type typingRequest struct {
	ConversationID uuid.UUID `json:"conversation_id"`
	IsTyping       *bool     `json:"is_typing"`
}

type assignRequest struct {
	ConversationID uuid.UUID       `json:"conversation_id"`
	AssignedUserID json.RawMessage `json:"assigned_user_id"`
	AssignedTeamID json.RawMessage `json:"assigned_team_id"`
	Note           string          `json:"note"`
}

// handle answers one client request with an ack or an error frame.
func (h *Hub) handle(ctx context.Context, c *conn, raw []byte) []byte {
	var req request
	if err := strictDecode(raw, &req); err != nil {
		return errorFrame("", inbox.CodeBadFrame, "a frame is {\"type\", \"id\", \"data\"}: "+err.Error())
	}
	data, err := h.dispatch(ctx, c, req)
	if err != nil {
		fe := frameErrorOf(err)
		if fe.Code == inbox.CodeInternal {
			h.log.Error("websocket request", "type", req.Type, "tenant", c.p.TenantID, "err", err)
		}
		return encodeError(req.ID, fe)
	}
	return ackFrame(req.ID, data)
}

func (h *Hub) dispatch(ctx context.Context, c *conn, req request) (any, error) {
	svc, p := h.cfg.Service, c.p
	switch req.Type {
	case "ping":
		return map[string]any{"pong": time.Now().UTC()}, nil
	case "send_message":
		var in sendRequest
		if err := decodeData(req.Data, &in); err != nil {
			return nil, err
		}
		m, err := svc.SendMessage(ctx, p, in.ConversationID, inbox.SendInput{Content: in.Content, ContentType: in.ContentType,
			IsInternal: in.IsInternal, Attachments: in.Attachments, Template: in.Template, ReplyToID: in.ReplyToID})
		if err != nil {
			return nil, err
		}
		return map[string]any{"message": m}, nil
	case "mark_read":
		var in conversationRef
		if err := decodeData(req.Data, &in); err != nil {
			return nil, err
		}
		n, err := svc.MarkRead(ctx, p, in.ConversationID)
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation_id": in.ConversationID, "marked_read": n}, nil
	case "assign":
		var in assignRequest
		if err := decodeData(req.Data, &in); err != nil {
			return nil, err
		}
		user, err := optionalID("assigned_user_id", in.AssignedUserID)
		if err != nil {
			return nil, err
		}
		team, err := optionalID("assigned_team_id", in.AssignedTeamID)
		if err != nil {
			return nil, err
		}
		return svc.Assign(ctx, p, in.ConversationID, inbox.AssignInput{User: user, Team: team, Note: in.Note})
	case "typing":
		// Typing announces an answer on its way: an update, which a viewer may not make.
		if !p.Can(auth.PermConversationsUpdate) {
			return nil, inbox.Forbidden("You do not have permission to type in conversations")
		}
		var in typingRequest
		if err := decodeData(req.Data, &in); err != nil {
			return nil, err
		}
		if _, err := svc.GetConversation(ctx, p, in.ConversationID); err != nil {
			return nil, err
		}
		on := in.IsTyping == nil || *in.IsTyping
		h.typing.set(p.TenantID, in.ConversationID, c.user, on)
		return map[string]any{"conversation_id": in.ConversationID, "is_typing": on}, nil
	case "view":
		var in struct {
			ConversationID *uuid.UUID `json:"conversation_id"`
		}
		if err := decodeData(req.Data, &in); err != nil {
			return nil, err
		}
		if in.ConversationID != nil {
			if _, err := svc.GetConversation(ctx, p, *in.ConversationID); err != nil {
				return nil, err
			}
		}
		c.mu.Lock()
		c.watching = uuid.Nil
		if in.ConversationID != nil {
			c.watching = *in.ConversationID
		}
		c.mu.Unlock()
		h.announce(p.TenantID, p.UserID, in.ConversationID)
		return map[string]any{"conversation_id": in.ConversationID}, nil
	}
	return nil, &inbox.Error{Kind: inbox.KindValidation, Code: inbox.CodeUnknownType, Message: fmt.Sprintf("unknown request type %q", req.Type)}
}

// optionalID reads a JSON field that may be absent, null or an id.
func optionalID(field string, raw json.RawMessage) (inbox.OptionalID, error) {
	if len(raw) == 0 {
		return inbox.OptionalID{}, nil
	}
	if bytes.Equal(raw, []byte("null")) {
		return inbox.OptionalID{Set: true}, nil
	}
	var id uuid.UUID
	if err := json.Unmarshal(raw, &id); err != nil {
		return inbox.OptionalID{}, inbox.Invalid(map[string]string{field: "must be a UUID or null"})
	}
	return inbox.OptionalID{Set: true, ID: &id}, nil
}

func decodeData(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := strictDecode(raw, v); err != nil {
		return inbox.Invalid(map[string]string{"data": err.Error()})
	}
	return nil
}

func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// frameErrorOf maps a use-case error to the error of an error frame.
func frameErrorOf(err error) *frameError {
	var ie *inbox.Error
	if errors.As(err, &ie) {
		return &frameError{Code: ie.Code, Reason: ie.Reason, Message: ie.Error()}
	}
	if errors.Is(err, inbox.ErrNotFound) {
		return &frameError{Code: inbox.CodeNotFound, Message: "not found"}
	}
	return &frameError{Code: inbox.CodeInternal, Message: "an unexpected error occurred"}
}
