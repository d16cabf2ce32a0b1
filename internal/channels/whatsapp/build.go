package whatsapp

import (
	"encoding/json"
	"strconv"
	"time"
)

// The builders below produce webhook bodies in Meta's format, for the simulator and tests.

func envelope(phoneNumberID string, value map[string]any) []byte {
	value["messaging_product"] = "whatsapp"
	value["metadata"] = map[string]string{"display_phone_number": "15550000000", "phone_number_id": phoneNumberID}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{
		map[string]any{"id": "WABA-" + phoneNumberID, "changes": []any{map[string]any{"field": "messages", "value": value}}}}})
	return b
}

// TextWebhook is an inbound text message from waID.
func TextWebhook(phoneNumberID, waID, name, messageID, text string, at time.Time) []byte {
	return MessageWebhook(phoneNumberID, waID, name, messageID, "text", map[string]string{"body": text}, at)
}

// MessageWebhook is an inbound message of any type from waID: content is the object Meta
// puts under the type's key (text, image, audio, location, contacts, interactive, ...).
func MessageWebhook(phoneNumberID, waID, name, messageID, typ string, content any, at time.Time) []byte {
	return envelope(phoneNumberID, map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]string{"name": name}, "wa_id": waID}},
		"messages": []any{map[string]any{"from": waID, "id": messageID, "timestamp": strconv.FormatInt(at.Unix(), 10), "type": typ,
			typ: content}},
	})
}

// StatusWebhook is a delivery status of one of our messages.
func StatusWebhook(phoneNumberID, messageID, status, recipient string, at time.Time) []byte {
	return envelope(phoneNumberID, map[string]any{
		"statuses": []any{map[string]any{"id": messageID, "status": status, "timestamp": strconv.FormatInt(at.Unix(), 10), "recipient_id": recipient}},
	})
}

// ReactionWebhook is waID's reaction to the message target; an empty emoji is a removal,
// which Meta sends without the emoji field.
func ReactionWebhook(phoneNumberID, waID, name, messageID, target, emoji string, at time.Time) []byte {
	reaction := map[string]string{"message_id": target}
	if emoji != "" {
		reaction["emoji"] = emoji
	}
	return envelope(phoneNumberID, map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]string{"name": name}, "wa_id": waID}},
		"messages": []any{map[string]any{"from": waID, "id": messageID, "timestamp": strconv.FormatInt(at.Unix(), 10), "type": "reaction",
			"reaction": reaction}},
	})
}
