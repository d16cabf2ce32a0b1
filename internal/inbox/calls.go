package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Call is a phone call a voice channel answered. It is remembered because the provider's
// later callbacks of the call (Twilio's recording and status callbacks) carry only the call's
// id: the caller, and so the conversation, is looked up here by any node.
type Call struct {
	ChannelID        uuid.UUID
	SID              string
	TenantID         uuid.UUID
	Caller           string // the caller's number: the contact's address on the channel
	RecordingStarted bool   // the caller reached the voicemail recording
	CreatedAt        time.Time
}

// CallUpdate is what a status or recording callback says about a call.
type CallUpdate struct {
	SID              string
	RecordingStarted bool
	// Ended is how the call ended: completed, busy, no-answer, failed, canceled, or
	// CallNoRecording when its recording came to nothing (too short or silent).
	Ended string
}

// CallNoRecording is a CallUpdate's Ended when the call's voicemail recording is absent.
const CallNoRecording = "no-recording"

// missedBy tells whether a call that ended so is a missed call: one that left no voicemail.
func (c Call) missedBy(ended string) bool {
	switch ended {
	case "busy", "no-answer", "failed", "canceled", CallNoRecording:
		return true
	case "completed": // hung up before the recording started
		return !c.RecordingStarted
	}
	return false
}

// UpdateCall applies a call's callback: it records that the recording started, or, when the
// call ended without a voicemail, adds a "missed call" message from the caller to the
// caller's conversation. The missed call is one message per call whichever callbacks say
// so. Callbacks of calls this channel never answered (outbound calls) change nothing.
func (s *Service) UpdateCall(ctx context.Context, ch Channel, u CallUpdate) error {
	dropNUL(&u)
	call, err := s.store.GetCall(ctx, ch.ID, u.SID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find call: %w", err)
	}
	if u.RecordingStarted {
		return s.store.MarkCallRecording(ctx, ch.ID, u.SID)
	}
	if !call.missedBy(u.Ended) {
		return nil
	}
	payload, err := json.Marshal(map[string]string{"kind": "missed_call", "call_sid": u.SID, "status": u.Ended})
	if err != nil {
		return fmt.Errorf("encode missed call: %w", err)
	}
	_, _, err = s.ReceiveInbound(ctx, ch, Inbound{ProviderMessageID: u.SID + ":missed", CallSID: u.SID, ContentType: ContentVoice,
		Content: "Missed call from " + call.Caller, Payload: payload})
	return err
}

// callerOf resolves the sender of a voice message. A later callback of a call does not say
// who called: the call remembers. The first message of a call (the incoming call, whose
// sender is known) remembers the call.
func (s *Service) callerOf(ctx context.Context, q Queries, ch Channel, in Inbound, now time.Time) (Sender, error) {
	call, err := q.GetCall(ctx, ch.ID, in.CallSID)
	switch {
	case err == nil:
		return Sender{Address: call.Caller, Phone: call.Caller}, nil
	case !errors.Is(err, ErrNotFound):
		return Sender{}, fmt.Errorf("find call: %w", err)
	case in.From.Address == "":
		return Sender{}, fmt.Errorf("call %s is unknown and its callback names no caller: %w", in.CallSID, ErrNotFound)
	}
	c := Call{ChannelID: ch.ID, SID: in.CallSID, TenantID: ch.TenantID, Caller: in.From.Address, CreatedAt: now}
	if err := q.SaveCall(ctx, c); err != nil {
		return Sender{}, err
	}
	return in.From, nil
}
