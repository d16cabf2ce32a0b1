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
