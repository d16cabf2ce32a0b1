package telegram

import (
	"encoding/json"
	"time"
)

// TextUpdate is a webhook update carrying a private text message, for the simulator and tests.
func TextUpdate(updateID, chatID, messageID int64, firstName, text string, at time.Time) []byte {
	b, _ := json.Marshal(Update{UpdateID: updateID, Message: &Message{
		MessageID: messageID, Date: at.Unix(), Text: text,
		From: &User{ID: chatID, FirstName: firstName},
		Chat: Chat{ID: chatID, Type: "private", FirstName: firstName},
	}})
	return b
}
