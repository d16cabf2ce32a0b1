package inbox

import "time"

// ReplyWindowLength is WhatsApp's customer service window: free-form replies are allowed
// for 24 hours after the customer's last message; after that only templates.
const ReplyWindowLength = 24 * time.Hour

// ReplyWindow is the state of a conversation's reply window, on channels that have one.
type ReplyWindow struct {
	Open      bool       `json:"open"`
	ExpiresAt *time.Time `json:"expires_at"` // last inbound message + 24 h; null before any
}

// HasReplyWindow reports whether the channel restricts free-form replies to a window.
func (k ChannelKind) HasReplyWindow() bool { return k == ChannelWhatsApp }

// ReplyWindowAt returns the window of c at now, or nil when c's channel has none.
func (c Conversation) ReplyWindowAt(now time.Time) *ReplyWindow {
	if !c.Channel.Name.HasReplyWindow() {
		return nil
	}
	if c.LastInboundAt == nil {
		return &ReplyWindow{}
	}
	exp := c.LastInboundAt.Add(ReplyWindowLength)
	return &ReplyWindow{Open: now.Before(exp), ExpiresAt: &exp}
}
