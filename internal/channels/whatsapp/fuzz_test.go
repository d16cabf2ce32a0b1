package whatsapp

import (
	"strings"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/channels/provider/providertest"
)

// FuzzWebhook posts correctly signed bodies to the parser: whatever arrives under a valid
// signature parses into a batch or a Malformed error, and never panics. The seeds are the
// payloads of the tests above and of the signature vectors.
func FuzzWebhook(f *testing.F) {
	from := `"contacts":[{"profile":{"name":"Kerry Fisher"},"wa_id":"16315551234"}],"messages":[{"from":"16315551234","timestamp":"1603059201",`
	for _, m := range []string{
		`"id":"wamid.text","type":"text","text":{"body":"Hi"},"context":{"from":"15550001111","id":"wamid.quoted"}}]`,
		`"id":"wamid.image","type":"image","image":{"id":"MEDIA1","mime_type":"image/jpeg","sha256":"x","caption":"look"}}]`,
		`"id":"wamid.doc","type":"document","document":{"id":"MEDIA2","mime_type":"application/pdf","filename":"invoice.pdf"}}]`,
		`"id":"wamid.audio","type":"audio","audio":{"id":"MEDIA3","mime_type":"audio/ogg","voice":true}}]`,
		`"id":"wamid.loc","type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Office"}}]`,
		`"id":"wamid.card","type":"contacts","contacts":[{"name":{"formatted_name":"Ana Lima"},"phones":[{"phone":"+5511999999999"}]}]}]`,
		`"id":"wamid.button","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Yes please"}}}]`,
		`"id":"wamid.react","type":"reaction","reaction":{"message_id":"wamid.text","emoji":"👍"}}]`,
		`"id":"wamid.new","type":"order","order":{"catalog_id":"c1"}}]`,
	} {
		f.Add([]byte(strings.Replace(wrap, "%s", from+m, 1)))
	}
	f.Add([]byte(strings.Replace(wrap, "%s", `"statuses":[{"id":"wamid.out2","status":"failed","timestamp":"1603059301","recipient_id":"16315551234",`+
		`"errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed"}}]}]`, 1)))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[]}`))
	f.Add([]byte(`{"text":"\u00e4\u00f6\u00e5"}`))
	f.Add(TextWebhook("1234567890", "16315551234", "Kerry Fisher", "wamid.sim", "Hola", time.Unix(1603059201, 0)))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := post(t, string(body))
		providertest.CheckParse(t, b, err)
	})
}
