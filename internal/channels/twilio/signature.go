// Package twilio speaks Twilio's Programmable Messaging (SMS/MMS) and Programmable Voice:
// form-encoded webhooks signed with X-Twilio-Signature, status callbacks, sends through
// Messages.json, and calls and voicemails turned into inbox messages.
package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Sign returns the X-Twilio-Signature of a request to fullURL with form params: base64 of
// HMAC-SHA1, keyed by the auth token, over the URL followed by each parameter's name and
// value, sorted by name.
func Sign(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range params[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks sig for the URL as given and with its default port added or removed, as
// Twilio's own validators do.
func Verify(authToken, fullURL string, params url.Values, sig string) bool {
	if authToken == "" || sig == "" {
		return false
	}
	for _, u := range urlVariants(fullURL) {
		if hmac.Equal([]byte(Sign(authToken, u, params)), []byte(sig)) {
			return true
		}
	}
	return false
}

func urlVariants(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	port := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	alt := *u
	if u.Port() == "" && port != "" {
		alt.Host = u.Host + ":" + port
	} else if u.Port() == port {
		alt.Host = u.Hostname()
	}
	return []string{raw, alt.String()}
}
