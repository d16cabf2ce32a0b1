package twilio

import (
	"context"
	"net/http"
	"net/url"
	"regexp"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Twilio keeps MMS files and call recordings behind its REST API, where an account with
// "HTTP auth for media" on wants the account's credentials. So agents never get Twilio's
// links: an attachment names the file by its SIDs, and the server fetches it with basic auth.
var (
	// mediaPath is the path of an MMS file's MediaUrl{N}.
	mediaPath = regexp.MustCompile(`^/2010-04-01/Accounts/[^/]+/Messages/((?:MM|SM)[0-9a-fA-F]{32})/Media/(ME[0-9a-fA-F]{32})$`)
	// messageMediaID is our id of an MMS file: its message's SID and its own.
	messageMediaID = regexp.MustCompile(`^((?:MM|SM)[0-9a-fA-F]{32}):(ME[0-9a-fA-F]{32})$`)
	recordingSID   = regexp.MustCompile(`^RE[0-9a-fA-F]{32}$`)
)

// mediaHosts are Twilio's API and the CDN its media URLs redirect to (Go drops the basic
// auth on that redirect, which is what Twilio expects).
var mediaHosts = []string{"api.twilio.com", "*.twiliocdn.com"}

// mmsAttachment is the attachment of MediaUrl{N}: by SIDs when the URL is Twilio's media
// URL, otherwise the link as Twilio sent it.
func mmsAttachment(mediaURL, mimeType string) inbox.Attachment {
	if u, err := url.Parse(mediaURL); err == nil {
		if m := mediaPath.FindStringSubmatch(u.Path); m != nil {
			return inbox.Attachment{MediaID: m[1] + ":" + m[2], MimeType: mimeType}
		}
	}
	return inbox.Attachment{URL: mediaURL, MimeType: mimeType}
}

// recordingAttachment is the MP3 of a voicemail recording, by its SID.
func recordingAttachment(p url.Values) inbox.Attachment {
	sid := p.Get("RecordingSid")
	if !recordingSID.MatchString(sid) {
		return inbox.Attachment{URL: p.Get("RecordingUrl") + ".mp3", MimeType: "audio/mpeg", FileName: sid + ".mp3"}
	}
	return inbox.Attachment{MediaID: sid, MimeType: "audio/mpeg", FileName: sid + ".mp3"}
}

func (SMS) ValidMediaID(id string) bool { return messageMediaID.MatchString(id) }
func (SMS) MediaHosts() []string        { return mediaHosts }

// FetchMedia gets an MMS file: /Messages/{MessageSid}/Media/{MediaSid} without an
// extension answers with the file itself.
func (SMS) FetchMedia(ctx context.Context, hc *http.Client, ch inbox.Channel, id string) (*http.Response, error) {
	m := messageMediaID.FindStringSubmatch(id)
	if m == nil {
		return nil, provider.Permanent("not a Twilio media id: " + id)
	}
	return fetch(ctx, hc, ch, "/Messages/"+m[1]+"/Media/"+m[2])
}

func (Voice) ValidMediaID(id string) bool { return recordingSID.MatchString(id) }
func (Voice) MediaHosts() []string        { return mediaHosts }

// FetchMedia gets a recording as MP3.
func (Voice) FetchMedia(ctx context.Context, hc *http.Client, ch inbox.Channel, id string) (*http.Response, error) {
	if !recordingSID.MatchString(id) {
		return nil, provider.Permanent("not a Twilio recording SID: " + id)
	}
	return fetch(ctx, hc, ch, "/Recordings/"+id+".mp3")
}

// fetch GETs a resource of the channel's account with its credentials.
func fetch(ctx context.Context, hc *http.Client, ch inbox.Channel, resource string) (*http.Response, error) {
	sid := ch.Config["account_sid"]
	u := provider.BaseURL(ch, DefaultAPI) + "/2010-04-01/Accounts/" + url.PathEscape(sid) + resource
	req, err := provider.NewRequest(ctx, http.MethodGet, u, "", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(sid, ch.Config["auth_token"])
	return hc.Do(req)
}
