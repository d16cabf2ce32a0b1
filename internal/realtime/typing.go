package realtime

import (
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// typingFrame is the data of a typing_indicator event.
type typingFrame struct {
	ConversationID uuid.UUID     `json:"conversation_id"`
	User           inbox.UserRef `json:"user"`
	IsTyping       bool          `json:"is_typing"`
}

type typingKey struct{ tenant, conversation, user uuid.UUID }

// typing turns "is typing" into "stopped typing" when an agent goes quiet for the timeout
// (TEAM_INBOX_TYPING_TIMEOUT), so a closed tab never leaves an indicator on.
type typing struct {
	timeout time.Duration
	publish func(tenant uuid.UUID, t inbox.EventType, conversation *uuid.UUID, except uuid.UUID, data any)

	mu      sync.Mutex
	timers  map[typingKey]*time.Timer
	stopped bool
}

func newTyping(timeout time.Duration, publish func(uuid.UUID, inbox.EventType, *uuid.UUID, uuid.UUID, any)) *typing {
	return &typing{timeout: timeout, publish: publish, timers: map[typingKey]*time.Timer{}}
}

// set publishes the user's typing state and (re)arms the timer that ends it.
func (t *typing) set(tenant, conversation uuid.UUID, user inbox.UserRef, on bool) {
	k := typingKey{tenant, conversation, user.ID}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	timer, was := t.timers[k]
	if was {
		timer.Stop()
		delete(t.timers, k)
	}
	if on {
		t.timers[k] = time.AfterFunc(t.timeout, func() { t.expire(k, user) })
	}
	t.mu.Unlock()
	if on || was { // "stopped" only for someone who was typing
		t.publish(tenant, inbox.EventTypingIndicator, &conversation, user.ID, typingFrame{ConversationID: conversation, User: user, IsTyping: on})
	}
}

func (t *typing) expire(k typingKey, user inbox.UserRef) {
	t.mu.Lock()
	_, ok := t.timers[k]
	delete(t.timers, k)
	t.mu.Unlock()
	if ok {
		t.publish(k.tenant, inbox.EventTypingIndicator, &k.conversation, user.ID, typingFrame{ConversationID: k.conversation, User: user, IsTyping: false})
	}
}

// contact keeps the end of a contact's indicator on this node. Providers report only that a
// contact is typing, on whichever node takes the webhook; every node ends the indicator on
// its own sockets (end) when the timeout passes without a new report.
func (t *typing) contact(tenant, conversation, contact uuid.UUID, end func()) {
	k := typingKey{tenant, conversation, contact}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if old, ok := t.timers[k]; ok {
		old.Stop()
	}
	var timer *time.Timer
	timer = time.AfterFunc(t.timeout, func() {
		t.mu.Lock()
		current := t.timers[k] == timer // not replaced by a newer report meanwhile
		if current {
			delete(t.timers, k)
		}
		t.mu.Unlock()
		if current {
			end()
		}
	})
	t.timers[k] = timer
}

// clear ends every indicator of a user who disconnected.
func (t *typing) clear(tenant, user uuid.UUID, ref inbox.UserRef) {
	t.mu.Lock()
	var convs []uuid.UUID
	for k := range t.timers {
		if k.tenant == tenant && k.user == user {
			convs = append(convs, k.conversation)
		}
	}
	t.mu.Unlock()
	for _, c := range convs {
		t.set(tenant, c, ref, false)
	}
}

func (t *typing) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	for k, timer := range t.timers {
		timer.Stop()
		delete(t.timers, k)
	}
}
