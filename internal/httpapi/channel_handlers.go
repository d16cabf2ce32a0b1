package httpapi

import (
	"net/http"
	"strings"

	"github.com/teaminbox/teaminbox/internal/inbox"
)

type channelRequest struct {
	Kind     inbox.ChannelKind `json:"kind"`
	Name     *string           `json:"name"`
	Config   map[string]string `json:"config"`
	Disabled *bool             `json:"disabled"`
}

// input is the request as the use case takes it, with the URL the admin reached the server
// at, for a provider told of the channel's webhook when no public URL is configured.
func (c channelRequest) input(r *http.Request) inbox.ChannelInput {
	return inbox.ChannelInput{Kind: c.Kind, Name: c.Name, Config: c.Config, Disabled: c.Disabled, BaseURL: requestBase(r)}
}

// requestBase is the server's URL as the caller reached it.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// channelOut is a channel as the API answers it: with the full URL of its webhook, the one
// to give the provider.
type channelOut struct {
	inbox.ChannelView
	WebhookFullURL *string `json:"webhook_url"`
}

// channelView adds the webhook's full URL to v: TEAMINBOX_PUBLIC_URL, or else the URL the
// caller reached, + webhook_path (what Telegram's setWebhook is given too).
func (s *Server) channelView(r *http.Request, v inbox.ChannelView) channelOut {
	out := channelOut{ChannelView: v}
	if v.WebhookURL != nil {
		base := strings.TrimRight(s.PublicURL, "/")
		if base == "" {
			base = requestBase(r)
		}
		u := base + *v.WebhookURL
		out.WebhookFullURL = &u
	}
	return out
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Service.ListChannels(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	out := make([]channelOut, len(list))
	for i, v := range list {
		out[i] = s.channelView(r, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
	return nil
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	ch, err := s.Service.GetChannel(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"channel": s.channelView(r, ch)})
	return nil
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) error {
	var in channelRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.Service.CreateChannel(r.Context(), principal(r.Context()), in.input(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"channel": s.channelView(r, ch)})
	return nil
}

func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	var in channelRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.Service.UpdateChannel(r.Context(), principal(r.Context()), id, in.input(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"channel": s.channelView(r, ch)})
	return nil
}

func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	if err := s.Service.DeleteChannel(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "Channel deleted successfully"})
	return nil
}

// checkChannel asks the provider about the channel's stored credentials; its refusal is a
// verdict in a 200, not an error of this request.
func (s *Server) checkChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	v, err := s.Service.CheckChannel(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"check": v})
	return nil
}

func (s *Server) channelHealth(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "channelId")
	if err != nil {
		return err
	}
	h, err := s.Service.ChannelHealth(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"health": h})
	return nil
}
