package realtime

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// presenceEvent is what a node says of one user: its connections there and what they view.
type presenceEvent struct {
	UserID      uuid.UUID   `json:"user_id"`
	Connections int         `json:"connections"`
	Viewing     []uuid.UUID `json:"viewing"`
}

// presenceFrame is the presence frame clients get: the changed user, who is online in the
// tenant, and who views the conversation the change concerns.
type presenceFrame struct {
	UserID         uuid.UUID   `json:"user_id"`
	Online         []uuid.UUID `json:"online"`
	ConversationID *uuid.UUID  `json:"conversation_id,omitempty"`
	Viewers        []uuid.UUID `json:"viewers,omitempty"`
}

// presence aggregates every node's presence events into a tenant-wide view. Each node keeps
// its own copy, built from the same events; a node that dies without saying goodbye leaves
// its users online until they reconnect elsewhere.
type presence struct {
	mu      sync.Mutex
	tenants map[uuid.UUID]map[uuid.UUID]map[string]presenceEvent // tenant → user → node → state
}

func newPresence() *presence {
	return &presence{tenants: map[uuid.UUID]map[uuid.UUID]map[string]presenceEvent{}}
}

// apply records ev from node and returns the frame data to deliver, with the viewers of
// conversation (by default the one the user views last).
func (p *presence) apply(tenant uuid.UUID, node string, ev presenceEvent, conversation *uuid.UUID) json.RawMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	users := p.tenants[tenant]
	if users == nil {
		users = map[uuid.UUID]map[string]presenceEvent{}
		p.tenants[tenant] = users
	}
	nodes := users[ev.UserID]
	if nodes == nil {
		nodes = map[string]presenceEvent{}
		users[ev.UserID] = nodes
	}
	if ev.Connections > 0 {
		nodes[node] = ev
	} else {
		delete(nodes, node)
		if len(nodes) == 0 {
			delete(users, ev.UserID)
		}
	}
	frame := presenceFrame{UserID: ev.UserID, Online: p.onlineLocked(tenant)}
	if conversation == nil && len(ev.Viewing) > 0 {
		conversation = &ev.Viewing[len(ev.Viewing)-1]
	}
	if conversation != nil {
		frame.ConversationID, frame.Viewers = conversation, p.viewersLocked(tenant, *conversation)
	}
	raw, _ := json.Marshal(frame)
	return raw
}

// online lists the tenant's users connected anywhere.
func (p *presence) online(tenant uuid.UUID) []uuid.UUID {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.onlineLocked(tenant)
}

func (p *presence) onlineLocked(tenant uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for u := range p.tenants[tenant] {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return out
}

func (p *presence) viewersLocked(tenant, conv uuid.UUID) []uuid.UUID {
	out := []uuid.UUID{}
	for u, nodes := range p.tenants[tenant] {
		for _, st := range nodes {
			if slices.Contains(st.Viewing, conv) {
				out = append(out, u)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return out
}
