package inbox

import (
	"encoding/json"
	"testing"
)

func TestDropNULEscapes(t *testing.T) {
	for raw, want := range map[string]string{
		`{"a":"x\u0000y"}`:            `{"a":"xy"}`,
		`{"a":"\u0000","b":"\u0001"}`: `{"a":"","b":"\u0001"}`,
		`{"a":"\\u0000"}`:             `{"a":"\\u0000"}`, // an escaped backslash, then text
		`{"a":"\\\u0000"}`:            `{"a":"\\"}`,
		"{\"a\":\"x\x00\"}":           `{"a":"x"}`,
		`{"a":1}`:                     `{"a":1}`,
	} {
		got := string(dropNULEscapes([]byte(raw)))
		if got != want {
			t.Errorf("%s: got %s, want %s", raw, got, want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%s: %s is not JSON", raw, got)
		}
	}
}

// dropNUL reaches every string of an input: fields, pointers, slices, map values, and JSON.
func TestDropNUL(t *testing.T) {
	name := "Le\x00na"
	in := struct {
		Name        *string
		Attachments []Attachment
		Config      map[string]string
		Payload     json.RawMessage
		Template    *Template
		hidden      string
	}{&name, []Attachment{{Caption: "\x00a"}}, map[string]string{"k": "v\x00"}, json.RawMessage(`["\u0000"]`),
		&Template{Body: []string{"p\x00"}}, "h\x00"}
	dropNUL(&in)
	if *in.Name != "Lena" || in.Attachments[0].Caption != "a" || in.Config["k"] != "v" || string(in.Payload) != `[""]` ||
		in.Template.Body[0] != "p" || in.hidden != "h\x00" {
		t.Errorf("after dropNUL: %+v", in)
	}
}
