package channels

import (
	"container/list"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

const (
	maxMediaBytes = 25 << 20  // larger files are refused, not streamed
	mediaCache    = 128 << 20 // bytes kept in memory, least recently used dropped first
)

// Media serves GET /v1/media/{channel_id}/{media_id}: provider media fetched with the
// channel's credentials, which never reach the browser. It authenticates itself (a token in
// the query or the Authorization header) because <img> and <a> links cannot send headers.
type Media struct {
	svc       *inbox.Service
	providers map[inbox.ChannelKind]provider.Provider
	hc        *http.Client
	verify    func(token string) (auth.Principal, error)
	log       *slog.Logger
	cache     *lru
}

// NewMedia returns the media proxy.
func NewMedia(svc *inbox.Service, providers map[inbox.ChannelKind]provider.Provider, hc *http.Client, verify func(string) (auth.Principal, error), log *slog.Logger) *Media {
	return &Media{svc: svc, providers: providers, hc: hc, verify: verify, log: log, cache: newLRU(mediaCache)}
}

func (m *Media) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	p, err := m.verify(tok)
	var refused *inbox.Error // the token's user is unknown or deactivated
	if err == nil {
		if _, err = m.svc.Authorize(r.Context(), p); err != nil && !errors.As(err, &refused) {
			m.log.Error("media: authorize", "err", err)
			writeFailure(w, http.StatusInternalServerError, inbox.CodeInternal, "An unexpected error occurred")
			return
		}
	}
	if err != nil {
		writeFailure(w, http.StatusUnauthorized, inbox.CodeUnauthorized, "A valid token of an active user is required")
		return
	}
	if !p.Can(auth.PermConversationsRead) {
		writeFailure(w, http.StatusForbidden, inbox.CodeForbidden, "Your role may not view conversations")
		return
	}
	rest, _ := strings.CutPrefix(r.URL.Path, "/v1/media/")
	chID, mediaID, ok := strings.Cut(rest, "/")
	id, err := uuid.Parse(chID)
	if !ok || err != nil || mediaID == "" {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return
	}
	ch, err := m.svc.Store().GetChannel(r.Context(), p.TenantID, id)
	fetcher, canFetch := m.providers[ch.Kind].(provider.MediaFetcher)
	if errors.Is(err, inbox.ErrNotFound) || (err == nil && !canFetch) {
		writeFailure(w, http.StatusNotFound, inbox.CodeNotFound, "Media not found")
		return
	}
	if err != nil {
		m.log.Error("media: load channel", "err", err)
		writeFailure(w, http.StatusInternalServerError, inbox.CodeInternal, "An unexpected error occurred")
		return
	}
	key := ch.ID.String() + "/" + mediaID
	if e, ok := m.cache.get(key); ok {
		serve(w, e)
		return
	}
	res, err := fetcher.FetchMedia(r.Context(), m.hc, ch, mediaID)
	if err != nil {
		m.log.Warn("media: fetch from provider", "channel", ch.ID, "err", err)
		writeFailure(w, http.StatusBadGateway, inbox.CodeProviderError, "The provider did not return the media")
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		writeFailure(w, http.StatusBadGateway, inbox.CodeProviderError, "The provider did not return the media")
		return
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxMediaBytes+1))
	if err != nil || len(body) > maxMediaBytes {
		writeFailure(w, http.StatusBadGateway, inbox.CodeProviderError, "The media is unreadable or too large")
		return
	}
	e := entry{contentType: res.Header.Get("Content-Type"), body: body}
	m.cache.put(key, e)
	serve(w, e)
}

func serve(w http.ResponseWriter, e entry) {
	if e.contentType == "" {
		e.contentType = http.DetectContentType(e.body)
	}
	w.Header().Set("Content-Type", e.contentType)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(e.body)
}

type entry struct {
	contentType string
	body        []byte
}

// lru is a byte-bounded least-recently-used cache.
type lru struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List
	items map[string]*list.Element
}

type lruItem struct {
	key string
	e   entry
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru) get(key string) (entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return entry{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem).e, true
}

func (c *lru) put(key string, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok || len(e.body) > c.max {
		return
	}
	c.items[key] = c.order.PushFront(&lruItem{key, e})
	c.size += len(e.body)
	for c.size > c.max {
		old := c.order.Back()
		it := old.Value.(*lruItem)
		c.order.Remove(old)
		delete(c.items, it.key)
		c.size -= len(it.e.body)
	}
}
