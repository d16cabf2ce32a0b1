package whatsapp

import (
	"encoding/json"
	"strings"
)

// Envelope is a webhook POST body.
type Envelope struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

type Entry struct {
	ID      string   `json:"id"`
	Changes []Change `json:"changes"`
}

type Change struct {
	Field string `json:"field"`
	Value Value  `json:"value"`
}

type Value struct {
	MessagingProduct string `json:"messaging_product"`
	Metadata         struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID string `json:"wa_id"`
	} `json:"contacts,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	Statuses []Status  `json:"statuses,omitempty"`
}

// Message is one inbound message; Raw keeps its JSON for types we do not map.
type Message struct {
	From      string `json:"from"`
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Context   *struct {
		From string `json:"from"`
		ID   string `json:"id"`
	} `json:"context,omitempty"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text,omitempty"`
	Image       *Media       `json:"image,omitempty"`
	Video       *Media       `json:"video,omitempty"`
	Audio       *Media       `json:"audio,omitempty"`
	Document    *Media       `json:"document,omitempty"`
	Sticker     *Media       `json:"sticker,omitempty"`
	Location    *Location    `json:"location,omitempty"`
	Contacts    []Card       `json:"contacts,omitempty"`
	Button      *Button      `json:"button,omitempty"`
	Reaction    *Reaction    `json:"reaction,omitempty"`
	Interactive *Interactive `json:"interactive,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw message beside the decoded fields.
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	m.Raw = append(json.RawMessage(nil), b...)
	return nil
}

type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
}

type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Card is one shared contact card; only what the inbox shows is decoded (the raw card is
// kept in the message's payload).
type Card struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
		FirstName     string `json:"first_name,omitempty"`
		LastName      string `json:"last_name,omitempty"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone,omitempty"`
		WaID  string `json:"wa_id,omitempty"`
		Type  string `json:"type,omitempty"`
	} `json:"phones,omitempty"`
}

// Text is the card as one line: its name, then each number with its type,
// "Barbara Johnson: +1 (940) 555-1234 (HOME), +16505551234".
func (c Card) Text() string {
	name := c.Name.FormattedName
	if name == "" {
		name = strings.TrimSpace(c.Name.FirstName + " " + c.Name.LastName)
	}
	var phones []string
	for _, p := range c.Phones {
		number := p.Phone
		if number == "" && p.WaID != "" {
			number = "+" + p.WaID
		}
		if number == "" {
			continue
		}
		if p.Type != "" {
			number += " (" + p.Type + ")"
		}
		phones = append(phones, number)
	}
	switch {
	case len(phones) == 0:
		return name
	case name == "":
		return strings.Join(phones, ", ")
	}
	return name + ": " + strings.Join(phones, ", ")
}

type Button struct {
	Text    string `json:"text"`
	Payload string `json:"payload"`
}

// Reaction names the message reacted to; a removed reaction has no emoji.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

type Interactive struct {
	Type        string `json:"type"`
	ButtonReply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"button_reply,omitempty"`
	ListReply *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	} `json:"list_reply,omitempty"`
}

// Status is a delivery status of one of our messages.
type Status struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	RecipientID string `json:"recipient_id"`
	Errors      []struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"errors,omitempty"`
}
