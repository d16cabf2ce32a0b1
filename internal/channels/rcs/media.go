package rcs

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// A user's file arrives as a fileUri on Google's storage, kept there for a limited time. Its
// media id is the URI itself, base64url-encoded, so the server can fetch it again.

// maxFileURI bounds the URI a media id may carry.
const maxFileURI = 2048

func fileMediaID(fileURI string) string {
	if fileURI == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(fileURI))
}

// fileURI decodes a media id: an absolute http(s) URL without credentials.
func fileURI(id string) (*url.URL, bool) {
	if len(id) > base64.RawURLEncoding.EncodedLen(maxFileURI) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return nil, false
	}
	u, err := url.Parse(string(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, false
	}
	return u, true
}

func (Provider) ValidMediaID(id string) bool { _, ok := fileURI(id); return ok }

// MediaHosts are where RBM keeps users' files (rcs-user-content-*.storage.googleapis.com).
func (Provider) MediaHosts() []string {
	return []string{"*.storage.googleapis.com", "storage.googleapis.com", "*.googleusercontent.com"}
}

// FetchMedia gets a user's file; its URI needs no credentials.
func (Provider) FetchMedia(ctx context.Context, hc *http.Client, _ inbox.Channel, id string) (*http.Response, error) {
	u, ok := fileURI(id)
	if !ok {
		return nil, provider.Permanent("not an RBM file id")
	}
	req, err := provider.NewRequest(ctx, http.MethodGet, u.String(), "", nil)
	if err != nil {
		return nil, err
	}
	return hc.Do(req)
}
