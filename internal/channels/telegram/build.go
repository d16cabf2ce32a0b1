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

// CallbackUpdate is a tap on the button (label, data) of the bot's message messageID in a
// private chat, whose inline keyboard also has a "Cancel" button.
func CallbackUpdate(updateID, chatID, messageID int64, firstName, queryID, label, data string) []byte {
	b, _ := json.Marshal(map[string]any{"update_id": updateID, "callback_query": map[string]any{
		"id": queryID, "from": User{ID: chatID, FirstName: firstName}, "chat_instance": "-8071220929410563823", "data": data,
		"message": map[string]any{"message_id": messageID, "date": 1700000000, "text": "Confirm your order?",
			"from":         User{ID: 7000000, IsBot: true, FirstName: "Shop", Username: "shop_bot"},
			"chat":         Chat{ID: chatID, Type: "private", FirstName: firstName},
			"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": label, "callback_data": data}, {"text": "Cancel", "callback_data": "cancel"}}}},
		},
	}})
	return b
}
