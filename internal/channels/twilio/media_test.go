package twilio

import (
	"net/url"
	"testing"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// TestMediaReferences: Twilio's media URLs become SIDs the server fetches with the account's
// credentials; a link of another form is kept as sent.
func TestMediaReferences(t *testing.T) {
	const mm, me, re = "MM0123456789abcdef0123456789abcdef", "ME0123456789abcdef0123456789abcdef", "RE0123456789abcdef0123456789abcdef"
	for _, c := range []struct {
		in   string
		want inbox.Attachment
	}{
		{"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/" + mm + "/Media/" + me, inbox.Attachment{MediaID: mm + ":" + me, MimeType: "image/png"}},
		{"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/" + mm + "/Media/" + me + "/../x", inbox.Attachment{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/" + mm + "/Media/" + me + "/../x", MimeType: "image/png"}},
		{"https://example.com/cat.png", inbox.Attachment{URL: "https://example.com/cat.png", MimeType: "image/png"}},
	} {
		if got := mmsAttachment(c.in, "image/png"); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.in, got, c.want)
		}
	}
	if !(SMS{}).ValidMediaID(mm+":"+me) || (SMS{}).ValidMediaID(me) || (Voice{}).ValidMediaID(me) || !(Voice{}).ValidMediaID(re) {
		t.Error("media id forms")
	}
	a := recordingAttachment(url.Values{"RecordingSid": {re}, "RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/" + re}})
	if a.MediaID != re || a.URL != "" || a.MimeType != "audio/mpeg" {
		t.Errorf("recording %+v", a)
	}
}
