package channels

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
)

// MaxUploadBytes is the largest file an agent may upload (the largest any provider sends:
// WhatsApp documents, RBM files).
const MaxUploadBytes = 100 << 20

const (
	uploadsScope  = "uploads"
	uploadsPrefix = mediaPrefix + uploadsScope + "/"
	// providerLinkTTL is how long the link a provider fetches a file from stays valid: the
	// outbox may retry a send for minutes, and RBM fetches when it delivers.
	providerLinkTTL = 24 * time.Hour
)

// UploadStore keeps the descriptions of uploaded files (the store).
type UploadStore interface {
	CreateUpload(ctx context.Context, u inbox.MediaUpload) error
	// GetUpload returns inbox.ErrNotFound for an id the tenant has no upload of.
	GetUpload(ctx context.Context, tenant, id uuid.UUID) (inbox.MediaUpload, error)
}

// mediaSender is what the media proxy knows of a provider that sends files.
type mediaSender struct {
	limits  provider.MediaLimits
	uploads bool // it uploads the file itself; otherwise it fetches it from a public link
}

func mediaSenders(providers map[inbox.ChannelKind]provider.Provider) map[inbox.ChannelKind]mediaSender {
	out := map[inbox.ChannelKind]mediaSender{}
	for kind, p := range providers {
		if s, ok := p.(provider.MediaSender); ok {
			_, uploads := p.(provider.FileSender)
			out[kind] = mediaSender{limits: s.MediaLimits(), uploads: uploads}
		}
	}
	return out
}

// UploadPath is the path an uploaded file is served at.
func UploadPath(tenant, id uuid.UUID) string {
	return uploadsPrefix + tenant.String() + "/" + id.String()
}

// parseUploadPath reads UploadPath's form.
func parseUploadPath(escaped string) (tenant, id uuid.UUID, ok bool) {
	rest, ok := strings.CutPrefix(escaped, uploadsPrefix)
	t, i, two := strings.Cut(rest, "/")
	if !ok || !two {
		return uuid.Nil, uuid.Nil, false
	}
	tenant, err1 := uuid.Parse(t)
	id, err2 := uuid.Parse(i)
	return tenant, id, err1 == nil && err2 == nil
}

func uploadKey(tenant, id uuid.UUID) string {
	return mediastore.Key(tenant.String(), uploadsScope, id.String())
}

// Upload stores a file an agent uploads to send, and returns it as an attachment (its link
// unsigned). Its MIME type is sniffed from its bytes, refined by the name's extension only
// where the bytes name a container (a zip, an Ogg) or nothing; the name is made safe.
func (m *Media) Upload(ctx context.Context, p auth.Principal, name string, body []byte) (inbox.Attachment, error) {
	if !p.Can(auth.PermConversationsUpdate) {
		return inbox.Attachment{}, inbox.Forbidden("Your role may not send files")
	}
	if len(body) == 0 {
		return inbox.Attachment{}, inbox.Invalid(map[string]string{"file": "The file is empty"})
	}
	if len(body) > MaxUploadBytes {
		return inbox.Attachment{}, inbox.Invalid(map[string]string{"file": fmt.Sprintf("The file is larger than %d MB", MaxUploadBytes>>20)})
	}
	mimeType := sniff(name, body)
	u := inbox.MediaUpload{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, UploadedBy: &p.UserID,
		FileName: safeName(name, mimeType), MimeType: mimeType, Size: int64(len(body)), CreatedAt: m.now().UTC()}
	// The file first: a description never names a file that is not there.
	if err := m.store.Put(ctx, uploadKey(u.TenantID, u.ID), mediastore.File{ContentType: mimeType, Body: body}); err != nil {
		return inbox.Attachment{}, fmt.Errorf("upload: %w", err)
	}
	if err := m.uploads.CreateUpload(ctx, u); err != nil {
		return inbox.Attachment{}, fmt.Errorf("upload: %w", err)
	}
	return attachment(u), nil
}

func attachment(u inbox.MediaUpload) inbox.Attachment {
	return inbox.Attachment{URL: UploadPath(u.TenantID, u.ID), MediaID: u.ID.String(), MimeType: u.MimeType, FileName: u.FileName, Size: u.Size}
}

// extensionTypes are the types of the extensions providers care about that the sniffer
// cannot tell (office documents are zips, voice notes Ogg) and that the system's MIME table
// may lack; mime.TypeByExtension answers for the others.
var extensionTypes = map[string]string{
	".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".ogg":  "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".amr": "audio/amr",
	".3gp": "video/3gpp", ".csv": "text/csv",
}

// sniff is a file's MIME type, without parameters.
func sniff(name string, body []byte) string {
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(body))
	ext := strings.ToLower(filepath.Ext(name))
	byName, ok := extensionTypes[ext]
	if !ok {
		byName, _, _ = mime.ParseMediaType(mime.TypeByExtension(ext))
	}
	if byName != "" && refines(sniffed, byName) {
		return byName
	}
	return sniffed
}

// refines tells whether the type a name's extension gives may replace the sniffed one: the
// sniffer knows only the container, or nothing. A name never makes a file a page or a script.
func refines(sniffed, byName string) bool {
	if byName == "text/html" || strings.Contains(byName, "javascript") || strings.HasSuffix(byName, "/xml") || strings.HasSuffix(byName, "+xml") {
		return false
	}
	switch sniffed {
	case "application/octet-stream":
		return true
	case "application/zip": // docx, xlsx, odt, epub...
		return strings.HasPrefix(byName, "application/")
	case "text/plain": // csv, vcard, calendar...
		return strings.HasPrefix(byName, "text/")
	case "application/ogg": // Opus voice notes
		return byName == "audio/ogg" || byName == "video/ogg"
	case "video/mp4": // m4a
		return byName == "audio/mp4"
	}
	return false
}

// safeName is a file name fit to show and to hand to providers: its last path element, no
// control or path characters, at most 200 bytes; a name with nothing left is "file" with
// the type's extension.
func safeName(name, mimeType string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if strings.Trim(name, "_ ") == "" {
		name = "file"
		if exts, _ := mime.ExtensionsByType(mimeType); len(exts) > 0 {
			name += exts[0]
		}
	}
	return name
}

// ResolveUploads fills in the attachments that name an upload by media_id (inbox.MediaAttacher).
func (m *Media) ResolveUploads(ctx context.Context, tenant uuid.UUID, atts []inbox.Attachment) ([]inbox.Attachment, error) {
	out := make([]inbox.Attachment, len(atts))
	for i, a := range atts {
		if !a.IsUpload() {
			out[i] = a
			continue
		}
		id, err := uuid.Parse(a.MediaID)
		if err != nil {
			return nil, inbox.Invalid(map[string]string{fmt.Sprintf("attachments[%d].media_id", i): "Not the media_id of an uploaded file (POST /v1/media)"})
		}
		u, err := m.uploads.GetUpload(ctx, tenant, id)
		if errors.Is(err, inbox.ErrNotFound) {
			return nil, inbox.NotFound(fmt.Sprintf("Uploaded file of attachments[%d].media_id", i))
		}
		if err != nil {
			return nil, fmt.Errorf("resolve upload: %w", err)
		}
		out[i] = attachment(u)
		out[i].Caption = a.Caption
	}
	return out, nil
}

// CheckMedia checks uploads against the limits of the kind's provider (inbox.MediaAttacher).
func (m *Media) CheckMedia(kind inbox.ChannelKind, ct inbox.ContentType, atts []inbox.Attachment) error {
	s, ok := m.senders[kind]
	if !ok {
		return inbox.Invalid(map[string]string{"attachments": fmt.Sprintf("A %s channel cannot send files", kind)})
	}
	if !s.uploads && m.public == "" {
		return inbox.Invalid(map[string]string{"attachments": s.limits.Name + " fetches files from this server: set TEAMINBOX_PUBLIC_URL to send them"})
	}
	return s.limits.Check(ct, atts)
}

// uploaded reads the file of an upload's attachment; ok is false for any other attachment.
func (m *Media) uploaded(ctx context.Context, tenant uuid.UUID, a inbox.Attachment) (f provider.File, ok bool, err error) {
	owner, id, ok := parseUploadPath(a.URL)
	if !ok || owner != tenant {
		return f, false, nil
	}
	file, err := m.store.Get(ctx, uploadKey(tenant, id))
	if errors.Is(err, mediastore.ErrNotFound) {
		return f, true, provider.Permanent("the uploaded file is no longer stored")
	}
	if err != nil {
		return f, true, fmt.Errorf("read upload: %w", err)
	}
	return provider.File{Name: a.FileName, MimeType: a.MimeType, Body: file.Body}, true, nil
}

// publicLinks returns atts with each upload's link made one a provider can fetch: absolute,
// under the public URL, signed for providerLinkTTL.
func (m *Media) publicLinks(tenant uuid.UUID, atts []inbox.Attachment) ([]inbox.Attachment, error) {
	out := make([]inbox.Attachment, len(atts))
	for i, a := range atts {
		if owner, _, ok := parseUploadPath(a.URL); ok && owner == tenant {
			if m.public == "" {
				return nil, provider.Permanent("TEAMINBOX_PUBLIC_URL is not set: the provider cannot fetch the file")
			}
			a.URL = m.public + m.signLink(tenant, a.URL, providerLinkTTL)
		}
		out[i] = a
	}
	return out, nil
}

// serveUpload serves an uploaded file to a signed link, or to an API token of its tenant.
func (m *Media) serveUpload(w http.ResponseWriter, r *http.Request, tenant, id uuid.UUID) {
	if q := r.URL.Query(); q.Has("sig") || q.Has("exp") {
		if !m.links.valid(tenant, uploadsScope, id.String(), q.Get("exp"), q.Get("sig")) {
			writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "The media link is invalid or has expired")
			return
		}
	} else {
		p, ok := m.bearer(w, r)
		if !ok {
			return
		}
		if !p.Can(auth.PermConversationsRead) {
			writeFailure(w, http.StatusForbidden, inbox.CodeForbidden, "Your role may not view conversations")
			return
		}
		if p.TenantID != tenant {
			writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
			return
		}
	}
	file, err := m.store.Get(r.Context(), uploadKey(tenant, id))
	if errors.Is(err, mediastore.ErrNotFound) {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return
	}
	if err != nil {
		m.fail(w, "read upload", err)
		return
	}
	serve(w, r, file)
}
