// Package channels connects the inbox to its providers: the webhook endpoint every provider
// calls, the outbox worker that sends replies, and the media proxy. The protocols themselves
// live in one package per provider.
package channels

import (
	"encoding/json"
	"net/http"

	"github.com/teaminbox/teaminbox/internal/channels/provider"
	"github.com/teaminbox/teaminbox/internal/channels/rcs"
	"github.com/teaminbox/teaminbox/internal/channels/telegram"
	"github.com/teaminbox/teaminbox/internal/channels/twilio"
	"github.com/teaminbox/teaminbox/internal/channels/whatsapp"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// Providers maps each channel kind to its protocol; the web channel has none.
func Providers() map[inbox.ChannelKind]provider.Provider {
	return map[inbox.ChannelKind]provider.Provider{
		inbox.ChannelWhatsApp: whatsapp.Provider{},
		inbox.ChannelTelegram: telegram.Provider{},
		inbox.ChannelSMS:      twilio.SMS{},
		inbox.ChannelVoice:    twilio.Voice{},
		inbox.ChannelRCS:      rcs.New(),
	}
}

// Specs returns the configuration spec of every provider, for inbox.Service.SetChannelSpecs.
func Specs(ps map[inbox.ChannelKind]provider.Provider) map[inbox.ChannelKind]inbox.ChannelSpec {
	out := make(map[inbox.ChannelKind]inbox.ChannelSpec, len(ps))
	for k, p := range ps {
		out[k] = p.Spec()
	}
	return out
}

// writeFailure answers in the API's error envelope.
func writeFailure(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error": map[string]string{"code": code, "message": message}})
}

func writeJSON(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "data": data})
}
