package rcs

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
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

// ServiceAccountKey is a service-account JSON key as the Google Cloud console downloads it,
// with a fresh 2048-bit RSA key (whose private half is returned, to check signatures), and
// tokenURI as its token endpoint.
func ServiceAccountKey(tokenURI string) (string, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, fmt.Errorf("encode key: %w", err)
	}
	b, err := json.Marshal(map[string]string{"type": "service_account", "project_id": "rbm-test", "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "client_email": "agent@rbm-test.iam.gserviceaccount.com",
		"client_id": "1234567890", "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs"})
	return string(b), key, err
}

// TypingEvent is RBM's IS_TYPING user event: the user is typing a reply.
func TypingEvent(agentID, phone, eventID string, at time.Time) Event {
	return Event{SenderPhoneNumber: phone, EventType: "IS_TYPING", EventID: eventID, SendTime: at.UTC().Format(time.RFC3339Nano), AgentID: agentID}
}
