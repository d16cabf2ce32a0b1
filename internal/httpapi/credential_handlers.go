package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/qrsvg"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// Two-factor login (TOTP) and personal API keys.

type twoFactorChallenge struct {
	TwoFactorRequired bool      `json:"two_factor_required"`
	Challenge         string    `json:"challenge"`
	ExpiresAt         time.Time `json:"expires_at"`
}

// challenged answers the first step of a login that needs a second one.
func (s *Server) challenged(w http.ResponseWriter, challenge string, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, twoFactorChallenge{TwoFactorRequired: true, Challenge: challenge, ExpiresAt: s.Service.Now().Add(twofactor.ChallengeTTL)})
	return nil
}

// accountOf is the key of an email in the per-account login backoff.
func accountOf(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// secondFactor checks that a request gives a code or a recovery code, not both.
func secondFactor(bad inbox.Fields, code, recoveryCode string) {
	switch {
	case code == "" && recoveryCode == "":
		bad.Add("code", "Give a code or a recovery code")
	case code != "" && recoveryCode != "":
		bad.Add("code", "Give a code or a recovery code, not both")
	case code != "" && (len(code) != 6 || strings.Trim(code, "0123456789") != ""):
		bad.Add("code", "Code must be 6 digits")
	case len(recoveryCode) > 32:
		bad.Add("recovery_code", "Recovery code must be at most 32 characters")
	}
}

type twoFactorLoginRequest struct {
	Challenge    string `json:"challenge"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// loginTwoFactor is the second step of a login: the challenge of the first and a code. A
// wrong code counts against the account's login backoff, as a wrong password does.
func (s *Server) loginTwoFactor(w http.ResponseWriter, r *http.Request) error {
	if !s.limiter.allow(r) {
		tooManyLogins(w, r, time.Second)
		return nil
	}
	var in twoFactorLoginRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	if in.Challenge == "" {
		bad.Add("challenge", "Challenge is required")
	}
	secondFactor(bad, in.Code, in.RecoveryCode)
	if err := bad.Err(); err != nil {
		return err
	}
	p, err := s.TwoFactor.Challenged(in.Challenge)
	if err != nil {
		return err
	}
	u, err := s.Service.Authorize(r.Context(), p)
	if err != nil {
		return err
	}
	account, now := accountOf(u.Email), s.Service.Now()
	if wait := s.accounts.locked(account, now); wait > 0 {
		tooManyLogins(w, r, wait)
		return nil
	}
	if err := s.TwoFactor.CheckLogin(r.Context(), p, in.Code, in.RecoveryCode); err != nil {
		var refused *inbox.Error
		if errors.As(err, &refused) {
			s.accounts.failed(account, now)
		}
		return err
	}
	s.accounts.succeeded(account)
	return s.answerLogin(w, http.StatusOK, u)
}

func (s *Server) twoFactorStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.TwoFactor.Status(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) setupTwoFactor(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	u, err := s.Service.Me(r.Context(), p)
	if err != nil {
		return err
	}
	setup, err := s.TwoFactor.Setup(r.Context(), p, u.Email)
	if err != nil {
		return err
	}
	qr, err := qrsvg.Encode(setup.URL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		twofactor.Setup
		QRSVG string `json:"qr_svg"` // the otpauth URL drawn for the app's camera
	}{setup, qr})
	return nil
}

func (s *Server) enableTwoFactor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	secondFactor(bad, in.Code, "")
	if err := bad.Err(); err != nil {
		return err
	}
	codes, err := s.TwoFactor.Enable(r.Context(), principal(r.Context()), in.Code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": true, "recovery_codes": codes})
	return nil
}

// disableTwoFactor needs the password and a code (or a recovery code): a token alone, stolen,
// must not be able to turn it off. Wrong ones count against the account's login backoff.
func (s *Server) disableTwoFactor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Password     string `json:"password"`
		Code         string `json:"code"`
		RecoveryCode string `json:"recovery_code"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	bad := inbox.Fields{}
	if in.Password == "" {
		bad.Add("password", "Password is required")
	}
	secondFactor(bad, in.Code, in.RecoveryCode)
	if err := bad.Err(); err != nil {
		return err
	}
	p := principal(r.Context())
	u, err := s.Service.Me(r.Context(), p)
	if err != nil {
		return err
	}
	account, now := accountOf(u.Email), s.Service.Now()
	if wait := s.accounts.locked(account, now); wait > 0 {
		tooManyLogins(w, r, wait)
		return nil
	}
	var refused *inbox.Error
	if _, err := s.Service.Authenticate(r.Context(), s.Passwords, u.Email, in.Password); errors.As(err, &refused) {
		s.accounts.failed(account, now)
		return inbox.Invalid(map[string]string{"password": "The password is wrong"})
	} else if err != nil {
		return err
	}
	err = s.TwoFactor.Disable(r.Context(), p, in.Code, in.RecoveryCode)
	if errors.As(err, &refused) && refused.Kind == inbox.KindValidation {
		s.accounts.failed(account, now)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"enabled": false})
	return nil
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	k, secret, err := s.APIKeys.Create(r.Context(), principal(r.Context()), in.Name, in.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"api_key": k, "key": secret})
	return nil
}

// listAPIKeys lists the caller's keys; scope=tenant lists every key of the tenant, for
// those who manage settings.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	scope := q.oneOf("scope", []string{"mine", "tenant"})
	if err := q.err(); err != nil {
		return err
	}
	keys, err := s.APIKeys.List(r.Context(), principal(r.Context()), scope == "tenant")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"api_keys": nonNil(keys)})
	return nil
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "keyId")
	if err != nil {
		return err
	}
	if err := s.APIKeys.Revoke(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, map[string]any{"success": true, "message": "API key revoked"})
	return nil
}
