package telegram

import (
	"encoding/json"
	"maps"
	"time"
)

// TextUpdate is a webhook update carrying a private text message, for the simulator and tests.
func TextUpdate(updateID, chatID, messageID int64, firstName, text string, at time.Time) []byte {
	return MessageUpdate(updateID, chatID, messageID, firstName, map[string]any{"text": text}, at)
}

// MessageUpdate is a webhook update carrying a private message whose content is fields
// (photo, voice, document, location, contact, sticker, caption, ... as the Bot API names them).
func MessageUpdate(updateID, chatID, messageID int64, firstName string, fields map[string]any, at time.Time) []byte {
	m := map[string]any{
		"message_id": messageID, "date": at.Unix(),
		"from": User{ID: chatID, FirstName: firstName},
		"chat": Chat{ID: chatID, Type: "private", FirstName: firstName},
	}
	maps.Copy(m, fields)
	b, _ := json.Marshal(map[string]any{"update_id": updateID, "message": m})
	return b
}
