package provider

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

// MB is a megabyte as the providers count them in their limits.
const MB = 1 << 20

// MediaLimits is the table of the files a provider sends, checked before a reply is queued.
type MediaLimits struct {
	Name  string // the provider, as the refusals name it
	Files int    // files one message carries at most
	// TotalBytes bounds the files of one message together; 0: only each file is bounded.
	TotalBytes int64
	Kinds      []MediaLimit
}

// MediaLimit is what a provider takes as one content type: the MIME types (none: any) and
// the largest file. A limit of Kind "" applies to every content type.
type MediaLimit struct {
	Kind     inbox.ContentType
	Types    []string
	MaxBytes int64
}

// MediaSender is a provider that sends files, within its limits.
type MediaSender interface {
	MediaLimits() MediaLimits
}

// File is an uploaded file that a reply sends, for the providers that upload it themselves.
type File struct {
	Name     string
	MimeType string
	Body     []byte
}

// FileSender is a provider that uploads a reply's file to its API (multipart) instead of
// giving it a link to fetch, so no public URL of the server is needed.
type FileSender interface {
	SendFile(ctx context.Context, hc *http.Client, ch inbox.Channel, to string, m inbox.Message, f File) (string, error)
}

// Check refuses, as a 400 naming the limit, files a message of content type ct cannot carry.
func (l MediaLimits) Check(ct inbox.ContentType, atts []inbox.Attachment) error {
	if len(atts) > l.Files {
		most := fmt.Sprintf("at most %d files", l.Files)
		if l.Files == 1 {
			most = "one file"
		}
		return inbox.Invalid(map[string]string{"attachments": fmt.Sprintf("%s sends %s per message", l.Name, most)})
	}
	var total int64
	bad := inbox.Fields{}
	for i, a := range atts {
		total += a.Size
		field := fmt.Sprintf("attachments[%d]", i)
		kind := ct
		if len(atts) > 1 || !slices.Contains([]inbox.ContentType{inbox.ContentImage, inbox.ContentAudio, inbox.ContentVideo, inbox.ContentDocument}, kind) {
			kind = inbox.MediaContentType(a.MimeType)
		}
		lim, ok := l.limit(kind, a.MimeType)
		switch {
		case !ok:
			bad.Add(field, fmt.Sprintf("%s does not send %s as %s: it takes %s", l.Name, a.MimeType, kind, l.typesOf(kind)))
		case a.Size > lim.MaxBytes:
			bad.Add(field, fmt.Sprintf("%s takes %s files of at most %s; this one is %s", l.Name, kind, size(lim.MaxBytes), size(a.Size)))
		}
	}
	if l.TotalBytes > 0 && total > l.TotalBytes {
		bad.Add("attachments", fmt.Sprintf("%s takes at most %s of files per message; these are %s", l.Name, size(l.TotalBytes), size(total)))
	}
	return bad.Err()
}

func (l MediaLimits) limit(kind inbox.ContentType, mime string) (MediaLimit, bool) {
	for _, lim := range l.Kinds {
		if (lim.Kind == kind || lim.Kind == "") && (len(lim.Types) == 0 || slices.Contains(lim.Types, mime)) {
			return lim, true
		}
	}
	return MediaLimit{}, false
}

func (l MediaLimits) typesOf(kind inbox.ContentType) string {
	var types []string
	for _, lim := range l.Kinds {
		if lim.Kind == kind || lim.Kind == "" {
			types = append(types, lim.Types...)
		}
	}
	if len(types) == 0 {
		return "no " + string(kind) + " files"
	}
	return strings.Join(types, ", ")
}

// size writes a byte count in MB.
func size(n int64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/MB), ".0") + " MB"
}

// Multipart encodes fields and the file f, as field file, as a multipart/form-data body,
// and returns it with its content type.
func Multipart(fields map[string]string, file string, f File) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fields[k]); err != nil {
			return nil, "", fmt.Errorf("encode %s: %w", k, err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition(file, f.Name))
	h.Set("Content-Type", f.MimeType)
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(f.Body)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil, "", fmt.Errorf("encode file: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
