package telegram

import (
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider/providertest"
)

// FuzzWebhook posts updates with the right secret header to the parser: whatever arrives
// parses into a batch or a Malformed error, and never panics. The seeds are the updates of
// the tests above.
func FuzzWebhook(f *testing.F) {
	from := `"from":{"id":987654321012,"is_bot":false,"first_name":"Lena","last_name":"K"},"chat":{"id":987654321012,"type":"private","first_name":"Lena"},"date":1700000000`
	for _, m := range []string{
		`"text":"hello","reply_to_message":{"message_id":9}`,
		`"caption":"pic","photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90},{"file_id":"big","file_unique_id":"b","width":800,"height":800,"file_size":1000}]`,
		`"document":{"file_id":"doc","file_unique_id":"c","file_name":"a.pdf","mime_type":"application/pdf"}`,
		`"voice":{"file_id":"v","file_unique_id":"d","duration":3,"mime_type":"audio/ogg"}`,
		`"location":{"latitude":1.5,"longitude":2.5}`,
		`"contact":{"phone_number":"+4915112345678","first_name":"Max"}`,
		`"sticker":{"file_id":"s","file_unique_id":"e","emoji":"😀"}`,
		`"dice":{"emoji":"🎲","value":3}`,
	} {
		f.Add([]byte(`{"update_id":1,"message":{"message_id":10,` + from + `,` + m + `}}`))
	}
	f.Add([]byte(`{"update_id":2,"edited_message":{"message_id":10,` + from + `,"edit_date":1700000100,"text":"hello again"}}`))
	f.Add([]byte(`{"update_id":9,"callback_query":{"id":"1"}}`))
	f.Add(TextUpdate(3, 987654321012, 11, "Lena", "hi", time.Unix(1700000000, 0)))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := update(t, string(body), "abc_DEF-123")
		providertest.CheckParse(t, b, err)
	})
}
