package channels

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

const mediaPrefix = "/v1/media/"

// MediaPath is the proxy's path of a provider media id; the id is one escaped segment.
func MediaPath(channel uuid.UUID, mediaID string) string {
	return mediaPrefix + channel.String() + "/" + url.PathEscape(mediaID)
}

// parseMediaPath reads MediaPath's form from an escaped path: exactly a channel id and one
// segment, unescaped, so "..%2F..%2Fadmin" is an id (which no provider accepts), not a path.
func parseMediaPath(escaped string) (uuid.UUID, string, bool) {
	rest, ok := strings.CutPrefix(escaped, mediaPrefix)
	chID, seg, two := strings.Cut(rest, "/")
	if !ok || !two || strings.Contains(seg, "/") {
		return uuid.Nil, "", false
	}
	id, err1 := uuid.Parse(chID)
	mediaID, err2 := url.PathUnescape(seg)
	if err1 != nil || err2 != nil || mediaID == "" {
		return uuid.Nil, "", false
	}
	return id, mediaID, true
}

// mediaLinks signs links that open one file without a token: the link carries its expiry
// and an HMAC over the tenant, channel, media id and expiry.
type mediaLinks struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

func (l mediaLinks) mac(tenant, channel uuid.UUID, mediaID string, exp int64) []byte {
	h := hmac.New(sha256.New, l.key)
	fmt.Fprintf(h, "media-link\n%s\n%s\n%s\n%d", tenant, channel, mediaID, exp)
	return h.Sum(nil)
}

// valid checks a link's exp and sig parameters.
func (l mediaLinks) valid(tenant, channel uuid.UUID, mediaID, exp, sig string) bool {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || l.now().Unix() > e || len(l.key) == 0 {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(got, l.mac(tenant, channel, mediaID, e))
}

// SignLink turns a media path, as stored on an attachment, into a link that opens that file
// for the tenant until it expires; any other link is returned unchanged. The expiry is rounded
// up to the minute, so a page that asks again soon gets the same link and the browser's copy.
func (m *Media) SignLink(tenant uuid.UUID, link string) string {
	chID, mediaID, ok := parseMediaPath(link)
	if !ok || len(m.links.key) == 0 {
		return link
	}
	exp := m.links.now().Add(m.links.ttl).Truncate(time.Minute).Add(time.Minute).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {base64.RawURLEncoding.EncodeToString(m.links.mac(tenant, chID, mediaID, exp))}}
	return MediaPath(chID, mediaID) + "?" + q.Encode()
}
