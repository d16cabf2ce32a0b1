package channels

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/mediastore"
)

const (
	maxMediaBytes = 25 << 20 // larger files are refused
	mediaQueue    = 1024     // files waiting to be copied; more are left to the first viewer
	mediaWorkers  = 2
)

// MediaOptions configures the media proxy.
type MediaOptions struct {
	Store mediastore.Store
	// Client makes the provider requests; each provider's are held to its media hosts.
	Client *http.Client
	// Tokens verifies the API tokens sent as "Authorization: Bearer".
	Tokens *auth.Tokens
	// LinkKey signs media links; LinkTTL is how long a signed link opens its file.
	LinkKey []byte
	LinkTTL time.Duration
	// ExtraHosts are hosts media may also come from besides the providers' own: a proxy, or
	// a test's fake provider.
	ExtraHosts []string
	Log        *slog.Logger
	Now        func() time.Time // the clock links are signed and checked by; time.Now when nil
	Registry   *prometheus.Registry
	// Uploads keeps the descriptions of the files agents upload to send.
	Uploads UploadStore
	// PublicURL is the server's externally visible base URL: providers that fetch a file by
	// its link (Twilio, RBM) are given a signed link under it.
	PublicURL string
}

// Media serves GET /v1/media/{channel_id}/{media_id}: a file a customer sent, from the media
// store, or else fetched from the provider with the channel's credentials (which never reach
// the browser) and stored. It authenticates itself, because <img> and <a> cannot send
// headers: a signed link opens one file until it expires, an API token in the Authorization
// header opens any file of its tenant. Inbound webhooks queue their files to be copied into
// the store as they arrive, since providers forget them (WhatsApp after days). It also keeps
// the files agents upload to send, at /v1/media/uploads/{tenant_id}/{media_id} (uploads.go).
type Media struct {
	svc      *inbox.Service
	fetchers map[inbox.ChannelKind]mediaFetcher
	store    mediastore.Store
	tokens   *auth.Tokens
	links    mediaLinks
	log      *slog.Logger
	queue    chan fetchJob
	copies   *prometheus.CounterVec
	uploads  UploadStore
	senders  map[inbox.ChannelKind]mediaSender
	public   string
	now      func() time.Time

	MaxAttempts  int           // tries to copy a file before giving up
	RetryBackoff time.Duration // wait before the second try; doubled for each next
}

// mediaFetcher is a provider's media fetch with a client held to its media hosts.
type mediaFetcher struct {
	provider.MediaFetcher
	hc *http.Client
}

// fetchJob is a file to copy into the store.
type fetchJob struct {
	ch       inbox.Channel
	mediaID  string
	attempts int
}

// NewMedia returns the media proxy; Run copies the queued files.
func NewMedia(svc *inbox.Service, providers map[inbox.ChannelKind]provider.Provider, o MediaOptions) *Media {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Media{svc: svc, fetchers: map[inbox.ChannelKind]mediaFetcher{}, store: o.Store, tokens: o.Tokens,
		links: mediaLinks{key: o.LinkKey, ttl: o.LinkTTL, now: o.Now}, log: o.Log, queue: make(chan fetchJob, mediaQueue),
		uploads: o.Uploads, senders: mediaSenders(providers), public: strings.TrimRight(o.PublicURL, "/"), now: o.Now,
		MaxAttempts: 8, RetryBackoff: 2 * time.Second,
		copies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "teaminbox_media_copies_total",
			Help: "Inbound files copied into the media store, by result: stored, retried, failed, dropped (queue full)."}, []string{"result"})}
	if o.Registry != nil {
		o.Registry.MustRegister(m.copies)
	}
	for kind, p := range providers {
		if f, ok := p.(provider.MediaFetcher); ok {
			hosts := append(append([]string(nil), f.MediaHosts()...), o.ExtraHosts...)
			m.fetchers[kind] = mediaFetcher{MediaFetcher: f, hc: provider.RestrictHosts(o.Client, hosts)}
		}
	}
	return m
}

func (m *Media) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if tenant, id, ok := parseUploadPath(r.URL.EscapedPath()); ok {
		m.serveUpload(w, r, tenant, id)
		return
	}
	chID, mediaID, ok := parseMediaPath(r.URL.EscapedPath())
	if !ok {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return
	}
	ch, ok := m.authorize(w, r, chID, mediaID)
	if !ok {
		return
	}
	f, ok := m.fetchers[ch.Kind]
	if !ok {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return
	}
	if !f.ValidMediaID(mediaID) {
		writeFailure(w, http.StatusBadRequest, inbox.CodeValidation, "The media id is not in the form this channel's provider uses")
		return
	}
	file, err := m.file(r.Context(), ch, f, mediaID)
	if err != nil {
		m.log.Warn("media: fetch from provider", "channel", ch.ID, "err", err)
		writeFailure(w, http.StatusBadGateway, inbox.CodeProviderError, "The provider did not return the media")
		return
	}
	serve(w, r, file)
}

// authorize checks the link's signature, or else the API token in the Authorization header,
// and returns the channel. It has answered when ok is false.
func (m *Media) authorize(w http.ResponseWriter, r *http.Request, chID uuid.UUID, mediaID string) (ch inbox.Channel, ok bool) {
	q := r.URL.Query()
	if q.Has("sig") || q.Has("exp") {
		ch, err := m.svc.WebhookChannel(r.Context(), chID)
		if err != nil && !errors.Is(err, inbox.ErrNotFound) {
			m.fail(w, "load channel", err)
			return ch, false
		}
		if err != nil || !m.links.valid(ch.TenantID, chID.String(), mediaID, q.Get("exp"), q.Get("sig")) {
			writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "The media link is invalid or has expired")
			return ch, false
		}
		return ch, true
	}
	p, ok := m.bearer(w, r)
	if !ok {
		return ch, false
	}
	ch, err := m.svc.MediaChannel(r.Context(), p, chID)
	var denied *inbox.Error // the role may not view conversations
	if errors.As(err, &denied) && denied.Kind == inbox.KindForbidden {
		writeFailure(w, http.StatusForbidden, inbox.CodeForbidden, "Your role may not view conversations")
		return ch, false
	}
	if errors.Is(err, inbox.ErrNotFound) {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return ch, false
	}
	if err != nil {
		m.fail(w, "load channel", err)
		return ch, false
	}
	return ch, true
}

// bearer verifies the API token in the Authorization header and that its user may still
// act. It has answered when ok is false.
func (m *Media) bearer(w http.ResponseWriter, r *http.Request) (p auth.Principal, ok bool) {
	tok, isBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p, err := m.tokens.Verify(tok, auth.AudienceAPI) // never the WebSocket's short-lived tokens
	if !isBearer || err != nil {
		writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "A signed media link or an API token is required")
		return p, false
	}
	var refused *inbox.Error // the token's user is unknown or deactivated
	if _, err := m.svc.Authorize(r.Context(), p); errors.As(err, &refused) {
		writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "A valid token of an active user is required")
		return p, false
	} else if err != nil {
		m.fail(w, "authorize", err)
		return p, false
	}
	return p, true
}

func (m *Media) fail(w http.ResponseWriter, what string, err error) {
	m.log.Error("media: "+what, "err", err)
	writeFailure(w, http.StatusInternalServerError, inbox.CodeInternal, "An unexpected error occurred")
}

// file returns the stored file, or fetches it from the provider and stores it.
func (m *Media) file(ctx context.Context, ch inbox.Channel, f mediaFetcher, mediaID string) (mediastore.File, error) {
	key := mediaKey(ch, mediaID)
	file, err := m.store.Get(ctx, key)
	if err == nil {
		return file, nil
	}
	if !errors.Is(err, mediastore.ErrNotFound) {
		m.log.Warn("media: read store", "key", key, "err", err) // the provider may still have it
	}
	if file, err = download(ctx, ch, f, mediaID); err != nil {
		return file, err
	}
	if err := m.store.Put(ctx, key, file); err != nil {
		m.log.Warn("media: store", "key", key, "err", err)
	}
	return file, nil
}

// download fetches a file from the provider; failures that retrying cannot fix are permanent.
func download(ctx context.Context, ch inbox.Channel, f mediaFetcher, mediaID string) (mediastore.File, error) {
	res, err := f.FetchMedia(ctx, f.hc, ch, mediaID)
	if err != nil {
		return mediastore.File{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		temporary := res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500
		return mediastore.File{}, &provider.SendError{Permanent: !temporary, Status: res.StatusCode, Reason: "media download"}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxMediaBytes+1))
	if err != nil {
		return mediastore.File{}, fmt.Errorf("read media: %w", err)
	}
	if len(body) > maxMediaBytes {
		return mediastore.File{}, provider.Permanent(fmt.Sprintf("media larger than %d MB", maxMediaBytes>>20))
	}
	ct := res.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(body)
	}
	return mediastore.File{ContentType: ct, Body: body}, nil
}

// inlineTypes are shown in the browser; anything else (HTML, scripts, documents a customer
// sent) is downloaded, so it never runs in the inbox's origin.
var inlineTypes = []string{"image/", "audio/", "video/"}

func serve(w http.ResponseWriter, r *http.Request, f mediastore.File) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if !hasAnyPrefix(f.ContentType, inlineTypes) {
		h.Set("Content-Disposition", "attachment")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Body)) // answers Range requests: audio and video seek
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// mediaKey names a file in the store.
func mediaKey(ch inbox.Channel, mediaID string) string {
	return mediastore.Key(ch.TenantID.String(), ch.ID.String(), mediaID)
}

// Enqueue asks for a channel's file to be copied into the store in the background. When the
// queue is full the file is left to be stored when someone first opens it.
func (m *Media) Enqueue(ch inbox.Channel, mediaID string) {
	if f, ok := m.fetchers[ch.Kind]; !ok || !f.ValidMediaID(mediaID) {
		return
	}
	m.offer(fetchJob{ch: ch, mediaID: mediaID})
}

func (m *Media) offer(j fetchJob) {
	select {
	case m.queue <- j:
	default:
		m.copies.WithLabelValues("dropped").Inc()
		m.log.Debug("media: copy queue full", "channel", j.ch.ID, "media_id", j.mediaID)
	}
}

// Run copies queued files into the store until ctx ends.
func (m *Media) Run(ctx context.Context) {
	done := make(chan struct{})
	for range mediaWorkers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-m.queue:
					m.copy(ctx, j)
				}
			}
		}()
	}
	for range mediaWorkers {
		<-done
	}
}

// copy stores one file; a temporary failure is retried later, with a doubled wait each time.
func (m *Media) copy(ctx context.Context, j fetchJob) {
	key := mediaKey(j.ch, j.mediaID)
	if ok, err := m.store.Exists(ctx, key); err == nil && ok {
		return
	}
	file, err := download(ctx, j.ch, m.fetchers[j.ch.Kind], j.mediaID)
	if err == nil {
		err = m.store.Put(ctx, key, file)
	}
	if err == nil {
		m.copies.WithLabelValues("stored").Inc()
	}
	if err == nil || ctx.Err() != nil {
		return
	}
	j.attempts++
	log := m.log.With("channel", j.ch.ID, "media_id", j.mediaID, "attempt", j.attempts, "err", err)
	if provider.IsPermanent(err) || j.attempts >= m.MaxAttempts {
		m.copies.WithLabelValues("failed").Inc()
		log.Warn("media: not stored; it is fetched from the provider when opened, while the provider has it")
		return
	}
	m.copies.WithLabelValues("retried").Inc()
	log.Debug("media: copy failed, will retry")
	time.AfterFunc(m.RetryBackoff<<(j.attempts-1), func() { m.offer(j) })
}
