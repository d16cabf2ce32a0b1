package httpapi

import (
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/teaminbox/teaminbox/internal/auth"
)

const (
	read     = auth.PermConversationsRead
	update   = auth.PermConversationsUpdate
	contacts = auth.PermContactsWrite
	settings = auth.PermSettingsWrite
	business = auth.PermBusinessAdmin
)

// routes is every route of the server, with the permission it needs.
func (s *Server) routes(mux router) {
	mux.Handle("GET /healthz", public(s.healthz))
	mux.Handle("GET /readyz", public(s.readyz))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	mux.Handle("GET /v1/openapi.yaml", public(s.openapi))

	mux.Handle("POST /v1/auth/login", public(s.login))
	mux.Handle("GET /v1/auth/me", s.authed(read, s.me))
	mux.Handle("GET /v1/users", s.authed(read, s.listUsers))
	mux.Handle("PUT /v1/auth/me/availability", s.authed(read, s.setAvailability))
	mux.Handle("GET /v1/teams", s.authed(read, s.listTeams))
	mux.Handle("POST /v1/teams", s.authed(settings, s.createTeam))
	mux.Handle("GET /v1/teams/{teamId}", s.authed(read, s.getTeam))
	mux.Handle("PATCH /v1/teams/{teamId}", s.authed(settings, s.updateTeam))
	mux.Handle("DELETE /v1/teams/{teamId}", s.authed(settings, s.deleteTeam))
	mux.Handle("POST /v1/teams/{teamId}/members", s.authed(settings, s.addTeamMember))
	mux.Handle("DELETE /v1/teams/{teamId}/members/{userId}", s.authed(settings, s.removeTeamMember))
	if s.TwoFactor != nil {
		mux.Handle("POST /v1/auth/login/2fa", public(s.loginTwoFactor))
		mux.Handle("GET /v1/auth/2fa", s.authed(read, s.twoFactorStatus))
		mux.Handle("POST /v1/auth/2fa/setup", s.authed(read, s.setupTwoFactor))
		mux.Handle("POST /v1/auth/2fa/enable", s.authed(read, s.enableTwoFactor))
		mux.Handle("POST /v1/auth/2fa/disable", s.authed(read, s.disableTwoFactor))
	}
	if s.APIKeys != nil {
		mux.Handle("GET /v1/api-keys", s.authed(read, s.listAPIKeys))
		mux.Handle("POST /v1/api-keys", s.authed(read, s.createAPIKey))
		mux.Handle("DELETE /v1/api-keys/{keyId}", s.authed(read, s.revokeAPIKey))
	}

	mux.Handle("POST /v1/auth/logout", s.authed(read, s.logout))
	mux.Handle("POST /v1/auth/logout-all", s.authed(read, s.logout))
	mux.Handle("POST /v1/auth/password", s.authed(read, s.changePassword))
	mux.Handle("POST /v1/auth/password-reset", public(s.requestPasswordReset))
	mux.Handle("POST /v1/auth/password-reset/confirm", public(s.confirmPasswordReset))
	mux.Handle("GET /v1/invitations", s.authed(settings, s.listInvitations))
	mux.Handle("POST /v1/invitations", s.authed(settings, s.invite))
	mux.Handle("DELETE /v1/invitations/{invitationId}", s.authed(settings, s.revokeInvitation))
	mux.Handle("POST /v1/invitations/{invitationId}/resend", s.authed(settings, s.resendInvitation))
	mux.Handle("GET /v1/invitations/accept", public(s.lookupInvitation))
	mux.Handle("POST /v1/invitations/accept", public(s.acceptInvitation))
	mux.Handle("PATCH /v1/users/{userId}", s.authed(settings, s.updateUser))
	mux.Handle("POST /v1/users/{userId}/deactivate", s.authed(settings, s.setActive(false)))
	mux.Handle("POST /v1/users/{userId}/reactivate", s.authed(settings, s.setActive(true)))
	mux.Handle("POST /v1/users/{userId}/reassign", s.authed(settings, s.reassign))
	mux.Handle("POST /v1/users/{userId}/password-reset", s.authed(settings, s.issuePasswordReset))
	if s.Web != nil {
		mux.Handle("GET /accept", public(s.page))
		mux.Handle("GET /reset-password", public(s.page))
	}

	if s.Tenancy != nil {
		mux.Handle("GET /v1/business", s.authed(read, s.getBusiness))
		mux.Handle("PATCH /v1/business", s.authed(settings, s.updateBusiness))
		mux.Handle("POST /v1/signup", public(s.signup))
		mux.Handle("POST /v1/setup", public(s.setup))
		if s.Web != nil {
			mux.Handle("GET /setup", public(s.setupPage))
			mux.Handle("GET /signup", public(s.signupPage))
		}
	}

	mux.Handle("GET /v1/conversations", s.authed(read, s.listConversations))
	mux.Handle("POST /v1/conversations", s.authed(update, s.startConversation))
	mux.Handle("GET /v1/conversations/statistics", s.authed(read, s.statistics))
	mux.Handle("GET /v1/conversations/{conversationId}", s.authed(read, s.getConversation))
	mux.Handle("PATCH /v1/conversations/{conversationId}/status", s.authed(update, s.setStatus))
	mux.Handle("PATCH /v1/conversations/{conversationId}/assign", s.authed(update, s.assign))
	mux.Handle("PATCH /v1/conversations/{conversationId}/priority", s.authed(update, s.setPriority))
	mux.Handle("POST /v1/conversations/{conversationId}/messages", s.authed(update, s.sendMessage))
	mux.Handle("POST /v1/conversations/{conversationId}/notes", s.authed(update, s.addNote))
	mux.Handle("POST /v1/conversations/{conversationId}/read", s.authed(update, s.markRead))
	mux.Handle("POST /v1/conversations/{conversationId}/tags", s.authed(update, s.addTag))
	mux.Handle("DELETE /v1/conversations/{conversationId}/tags/{tagId}", s.authed(update, s.removeTag))
	if s.ThreadPDF != nil {
		mux.Handle("GET /v1/conversations/{conversationId}/export.pdf", s.authed(read, s.conversationPDF))
	}

	mux.Handle("GET /v1/contacts", s.authed(read, s.listContacts))
	mux.Handle("POST /v1/contacts", s.authed(contacts, s.createContact))
	mux.Handle("GET /v1/contacts/{contactId}", s.authed(read, s.getContact))
	mux.Handle("PATCH /v1/contacts/{contactId}", s.authed(contacts, s.updateContact))

	mux.Handle("GET /v1/tags", s.authed(read, s.listTags))
	mux.Handle("POST /v1/tags", s.authed(settings, s.createTag))
	mux.Handle("PATCH /v1/tags/{tagId}", s.authed(settings, s.updateTag))
	mux.Handle("DELETE /v1/tags/{tagId}", s.authed(settings, s.deleteTag))

	mux.Handle("GET /v1/channels", s.authed(read, s.listChannels))
	mux.Handle("POST /v1/channels", s.authed(settings, s.createChannel))
	mux.Handle("GET /v1/channels/{channelId}", s.authed(read, s.getChannel))
	mux.Handle("PATCH /v1/channels/{channelId}", s.authed(settings, s.updateChannel))
	mux.Handle("DELETE /v1/channels/{channelId}", s.authed(settings, s.deleteChannel))
	mux.Handle("POST /v1/channels/{channelId}/check", s.authed(settings, s.checkChannel))
	mux.Handle("GET /v1/channels/{channelId}/health", s.authed(settings, s.channelHealth))
	if s.Templates != nil {
		mux.Handle("GET /v1/channels/{channelId}/templates", s.authed(read, s.listTemplates))
		mux.Handle("POST /v1/channels/{channelId}/templates/sync", s.authed(settings, s.syncTemplates))
	}

	if s.Audit != nil {
		mux.Handle("GET /v1/audit-log", s.authed(settings, s.auditLog))
	}
	if s.Business != nil {
		mux.Handle("GET /v1/business/export", s.authed(business, s.exportBusiness))
		mux.Handle("DELETE /v1/business", s.authed(business, s.deleteBusiness))
		mux.Handle("POST /v1/contacts/{contactId}/erase", s.authed(settings, s.eraseContact))
	}

	if s.Media != nil {
		mux.Handle("GET /v1/media/", s.Media) // authenticates itself: media links are opened by <img> tags
	}
	if s.Uploads != nil {
		mux.Handle("POST /v1/media", s.authed(update, s.uploadMedia))
	}

	// The all-channel inbox surface, with and without the trailing slash.
	for _, suffix := range []string{"", "/"} {
		mux.Handle("GET /team-inbox/api/messages"+suffix, s.authed(read, s.inboxMessages))
		mux.Handle("GET /team-inbox/api/messages/{messageId}"+suffix, s.authed(read, s.inboxMessage))
		mux.Handle("GET /team-inbox/api/stats"+suffix, s.authed(read, s.inboxStats))
		if s.ThreadPDF != nil {
			mux.Handle("GET /team-inbox/api/export-pdf"+suffix, s.authed(read, s.exportPDF))
		}
		if s.WebSocketInfo != nil {
			mux.Handle("GET /team-inbox/websocket/info"+suffix, s.authed(read, s.websocketInfo))
		}
	}
	if s.WebSocket != nil {
		mux.Handle("GET /ws/team-inbox/{tenantId}/{$}", s.WebSocket)
		mux.Handle("GET /ws/team-inbox/{tenantId}", s.WebSocket)
	}
	if s.Webhooks != nil {
		mux.Handle("/webhooks/", s.Webhooks)
	}
	if s.Web != nil {
		mux.Handle("GET /{$}", s.Web)
		mux.Handle("GET /inbox", s.Web)
		mux.Handle("GET /inbox/", s.Web)
		mux.Handle("GET /reports", s.Web)
		mux.Handle("GET /settings/", s.Web)
		mux.Handle("GET /app/", s.Web)
	}
}
