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

// mac signs a link to a file of scope: a channel's id, or uploadsScope.
func (l mediaLinks) mac(tenant uuid.UUID, scope, mediaID string, exp int64) []byte {
	h := hmac.New(sha256.New, l.key)
	fmt.Fprintf(h, "media-link\n%s\n%s\n%s\n%d", tenant, scope, mediaID, exp)
	return h.Sum(nil)
}

// valid checks a link's exp and sig parameters.
func (l mediaLinks) valid(tenant uuid.UUID, scope, mediaID, exp, sig string) bool {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || l.now().Unix() > e || len(l.key) == 0 {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(got, l.mac(tenant, scope, mediaID, e))
}

// query is the exp and sig parameters of a link valid for ttl, its expiry rounded up to
// the minute, so a page that asks again soon gets the same link and the browser's copy.
func (l mediaLinks) query(tenant uuid.UUID, scope, mediaID string, ttl time.Duration) string {
	exp := l.now().Add(ttl).Truncate(time.Minute).Add(time.Minute).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {base64.RawURLEncoding.EncodeToString(l.mac(tenant, scope, mediaID, exp))}}
	return q.Encode()
}

// SignLink turns a media path, as stored on an attachment, into a link that opens that file
// for the tenant until it expires; any other link is returned unchanged.
func (m *Media) SignLink(tenant uuid.UUID, link string) string {
	return m.signLink(tenant, link, m.links.ttl)
}

func (m *Media) signLink(tenant uuid.UUID, link string, ttl time.Duration) string {
	if len(m.links.key) == 0 {
		return link
	}
	if owner, id, ok := parseUploadPath(link); ok && owner == tenant {
		return UploadPath(tenant, id) + "?" + m.links.query(tenant, uploadsScope, id.String(), ttl)
	}
	chID, mediaID, ok := parseMediaPath(link)
	if !ok {
		return link
	}
	return MediaPath(chID, mediaID) + "?" + m.links.query(tenant, chID.String(), mediaID, ttl)
}
