package rcs

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// Push wraps an event as RBM posts it and returns the body and its X-Goog-Signature.
func Push(clientToken string, event Event) (body []byte, signature string) {
	data, _ := json.Marshal(event)
	return PushData(clientToken, data, "pubsub-"+event.MessageID+event.EventID)
}

// PushData wraps an event's JSON (any of RBM's shapes) as RBM posts it, with pubsubID as
// the Pub/Sub message id, and returns the body and its X-Goog-Signature.
func PushData(clientToken string, data []byte, pubsubID string) (body []byte, signature string) {
	body, _ = json.Marshal(map[string]any{"message": map[string]any{
		"data": base64.StdEncoding.EncodeToString(data), "messageId": pubsubID,
		"publishTime": time.Now().UTC().Format(time.RFC3339Nano)}, "subscription": "projects/rbm/subscriptions/agent"})
	return body, Sign(clientToken, data)
}

// TextEvent is a user's text message.
func TextEvent(agentID, phone, messageID, text string, at time.Time) Event {
	return Event{SenderPhoneNumber: phone, MessageID: messageID, SendTime: at.UTC().Format(time.RFC3339Nano), AgentID: agentID, Text: text}
}

// ReceiptEvent is a DELIVERED or READ event for one of our messages.
func ReceiptEvent(agentID, phone, messageID, eventType string, at time.Time) Event {
	return Event{SenderPhoneNumber: phone, MessageID: messageID, EventType: eventType, EventID: eventType + "-" + messageID,
		SendTime: at.UTC().Format(time.RFC3339Nano), AgentID: agentID}
}

// FileEvent is a user's file, at fileURI on Google's storage.
func FileEvent(agentID, phone, messageID, fileURI, mimeType string, at time.Time) Event {
	f := &UserFile{}
	f.Payload.MimeType, f.Payload.FileURI, f.Payload.FileName = mimeType, fileURI, "photo.jpg"
	return Event{SenderPhoneNumber: phone, MessageID: messageID, SendTime: at.UTC().Format(time.RFC3339Nano), AgentID: agentID, UserFile: f}
}
