package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// FuzzDecodeObject decodes arbitrary bytes into every request body type of the API: it never
// panics, refuses with a validation error (a 400) anything but one JSON object of known
// fields, and accepts nothing else.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `[]`, `{"status":"closed"}`, `{"content":"hi","attachments":[{"url":"https://x"}]}`,
		`{"assigned_user_id":null,"note":"n"}`, `{"mentioned_users":["a"]}`, `{"config":{"a":"b"}}`, `{"x":1}`, `{} {}`,
		`{"first_name":1}`, `{"name":"t","color":"#112233"}`, "\xef\xbb\xbf{}", ` {"email":"a","password":"b"} `, `{"template":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, dst := range []any{&loginRequest{}, &startConversationRequest{}, &statusRequest{}, &assignRequest{}, &sendRequest{},
			&noteRequest{}, &tagRequest{}, &contactRequest{}, &tagDefinition{}, &channelRequest{}} {
			err := decodeObject(raw, dst)
			var ie *inbox.Error
			switch {
			case err == nil && !oneObject(raw):
				t.Errorf("%T accepted %q, which is not one JSON object", dst, raw)
			case err != nil && (!errors.As(err, &ie) || ie.Kind != inbox.KindValidation || ie.Code != inbox.CodeValidation || len(ie.Fields) == 0):
				t.Errorf("%T refused %q with %v, want a validation error naming a field", dst, raw, err)
			}
		}
	})
}

// oneObject reports whether raw is exactly one JSON object (white space around allowed).
func oneObject(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{' && json.Valid(raw)
}

// OneObject is oneObject for the package's external tests.
var OneObject = oneObject
