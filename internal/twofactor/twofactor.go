// Package twofactor is optional TOTP two-factor login: a user sets up a secret (sealed at rest
// under a key derived from the server's secret), enables it with a first code and gets ten
// one-time recovery codes, and from then on logs in with a password and then a code.
package twofactor

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/teaminbox/teaminbox/internal/audit"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

const (
	// ChallengeAudience is the audience of the tokens that stand between a correct password
	// and the code: accepted by POST /v1/auth/login/2fa only, never as a login token.
	ChallengeAudience = "teaminbox-2fa-challenge"
	// ChallengeTTL is how long a challenge may be answered.
	ChallengeTTL = 5 * time.Minute
	// RecoveryCodes is how many one-time recovery codes enabling hands out.
	RecoveryCodes = 10

	issuer    = "teaminbox"
	period    = 30 // seconds per TOTP step
	skewSteps = 1  // steps accepted either side of now, for clocks that drift
	keyUse    = "teaminbox totp secrets"
)

// The reasons of this package's 409 CONFLICTs.
const (
	ReasonEnabled    = "TWO_FACTOR_ENABLED"     // setting up or enabling while enabled
	ReasonNotSetUp   = "TWO_FACTOR_NOT_SET_UP"  // enabling before setting up
	ReasonNotEnabled = "TWO_FACTOR_NOT_ENABLED" // disabling what is not enabled
)

// State is a user's stored second factor.
type State struct {
	Sealed        []byte     // the TOTP secret, sealed (see seal)
	EnabledAt     *time.Time // nil while set up but not enabled
	LastStep      int64      // the last step whose code was accepted
	RecoveryCodes int        // recovery codes not yet used
}

// Store keeps the users' second factors. A missing row, a step already used and a
// recovery code unknown or used are inbox.ErrNotFound.
type Store interface {
	GetTwoFactor(ctx context.Context, tenant, user uuid.UUID) (State, error)
	// SaveTwoFactorSecret sets up a pending secret, replacing a pending one; it is
	// inbox.ErrDuplicate when the user's second factor is enabled.
	SaveTwoFactorSecret(ctx context.Context, tenant, user uuid.UUID, sealed []byte, at time.Time) error
	// EnableTwoFactor enables the pending secret with the step of its first code and the
	// hashes of new recovery codes, in one transaction.
	EnableTwoFactor(ctx context.Context, tenant, user uuid.UUID, step int64, recoveryHashes []string, at time.Time) error
	DisableTwoFactor(ctx context.Context, tenant, user uuid.UUID) error
	// UseTwoFactorStep records step as used unless it is not after the last one used.
	UseTwoFactorStep(ctx context.Context, tenant, user uuid.UUID, step int64) error
	UseRecoveryCode(ctx context.Context, tenant, user uuid.UUID, hash string, at time.Time) error
}

// Tokens signs and verifies the login challenges (auth.Tokens).
type Tokens interface {
	Issue(p auth.Principal, audience string, ttl time.Duration) (string, error)
	Verify(token, audience string) (auth.Principal, error)
}

// auditor records enabling and disabling (audit.Log).
type auditor interface {
	Record(ctx context.Context, p auth.Principal, c audit.Change) error
}

// Service runs two-factor setup and the second step of login.
type Service struct {
	store  Store
	tokens Tokens
	audit  auditor
	log    *slog.Logger
	aead   cipher.AEAD
	now    func() time.Time
}

// New returns a Service sealing secrets with a key derived for this use from the server's
// secret (auth.Tokens.DeriveKey), recording to audit, telling time with now.
func New(store Store, tokens *auth.Tokens, audit auditor, log *slog.Logger, now func() time.Time) (*Service, error) {
	block, err := aes.NewCipher(tokens.DeriveKey(keyUse))
	if err != nil {
		return nil, fmt.Errorf("two-factor: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("two-factor: gcm: %w", err)
	}
	return &Service{store: store, tokens: tokens, audit: audit, log: log, aead: aead, now: now}, nil
}

// record audits a change made to p's second factor. A failure is logged, not returned: the
// change is committed.
func (s *Service) record(ctx context.Context, p auth.Principal, action string, enabled bool) {
	c := audit.Change{Action: action, ObjectType: "two_factor", ObjectID: p.UserID.String(),
		Before: Status{Enabled: !enabled}, After: Status{Enabled: enabled}}
	if err := s.audit.Record(ctx, p, c); err != nil {
		s.log.ErrorContext(ctx, "audit entry lost", "action", action, "user_id", p.UserID, "err", err)
	}
}

// Status is what a user sees of their second factor.
type Status struct {
	Enabled           bool `json:"enabled"`
	Pending           bool `json:"pending"` // set up, waiting for a first code
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// Status reports the caller's second factor.
func (s *Service) Status(ctx context.Context, p auth.Principal) (Status, error) {
	st, err := s.store.GetTwoFactor(ctx, p.TenantID, p.UserID)
	if errors.Is(err, inbox.ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("two-factor status: %w", err)
	}
	if st.EnabledAt == nil {
		return Status{Pending: true}, nil
	}
	return Status{Enabled: true, RecoveryCodesLeft: st.RecoveryCodes}, nil
}

// Setup is a new secret, shown once, for the user's authenticator app.
type Setup struct {
	Secret string `json:"secret"`      // base32, for typing in
	URL    string `json:"otpauth_url"` // otpauth://totp/..., for a QR code
}

var errEnabled = inbox.Conflict(ReasonEnabled, "Two-factor login is already enabled; disable it first")

// Setup makes a new pending secret for the caller, whose login name is account, replacing
// a pending one. It is not required at login until Enable.
func (s *Service) Setup(ctx context.Context, p auth.Principal, account string) (Setup, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Setup{}, fmt.Errorf("two-factor setup: generate: %w", err)
	}
	sealed, err := s.seal(p.UserID, key.Secret())
	if err != nil {
		return Setup{}, err
	}
	err = s.store.SaveTwoFactorSecret(ctx, p.TenantID, p.UserID, sealed, s.now())
	if errors.Is(err, inbox.ErrDuplicate) {
		return Setup{}, errEnabled
	}
	if err != nil {
		return Setup{}, fmt.Errorf("two-factor setup: %w", err)
	}
	return Setup{Secret: key.Secret(), URL: key.URL()}, nil
}

// Enable turns on the pending secret once code proves the app has it, and returns the new
// recovery codes, which are stored hashed and never shown again.
func (s *Service) Enable(ctx context.Context, p auth.Principal, code string) ([]string, error) {
	st, err := s.store.GetTwoFactor(ctx, p.TenantID, p.UserID)
	if errors.Is(err, inbox.ErrNotFound) {
		return nil, inbox.Conflict(ReasonNotSetUp, "Set up two-factor login first")
	}
	if err != nil {
		return nil, fmt.Errorf("two-factor enable: %w", err)
	}
	if st.EnabledAt != nil {
		return nil, errEnabled
	}
	step, err := s.matchStep(p.UserID, st, code)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		return nil, inbox.Invalid(map[string]string{"code": "The code is wrong; enter the current code of your authenticator app"})
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if err := s.store.EnableTwoFactor(ctx, p.TenantID, p.UserID, step, hashes, s.now()); err != nil {
		return nil, fmt.Errorf("two-factor enable: %w", notFoundAs(err, errEnabled))
	}
	s.record(ctx, p, "two_factor.enabled", true)
	return codes, nil
}

// Disable turns the caller's second factor off, after a code or a recovery code; the
// caller's password is checked before, by the caller.
func (s *Service) Disable(ctx context.Context, p auth.Principal, code, recoveryCode string) error {
	if err := s.check(ctx, p, code, recoveryCode); err != nil {
		if errors.Is(err, errWrongCode) {
			return inbox.Invalid(map[string]string{"code": "The code is wrong or was already used"})
		}
		return err
	}
	if err := s.store.DisableTwoFactor(ctx, p.TenantID, p.UserID); err != nil {
		return fmt.Errorf("two-factor disable: %w", notFoundAs(err, errNotEnabled))
	}
	s.record(ctx, p, "two_factor.disabled", false)
	return nil
}

var errNotEnabled = inbox.Conflict(ReasonNotEnabled, "Two-factor login is not enabled")

// Challenge returns a challenge for u's second step of login, or "" when u has not enabled
// two-factor login.
func (s *Service) Challenge(ctx context.Context, u inbox.User) (string, error) {
	st, err := s.store.GetTwoFactor(ctx, u.TenantID, u.ID)
	if errors.Is(err, inbox.ErrNotFound) || (err == nil && st.EnabledAt == nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("two-factor challenge: %w", err)
	}
	return s.tokens.Issue(auth.Principal{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}, ChallengeAudience, ChallengeTTL)
}

// Challenged returns who a challenge was issued to; a forged, expired or other token is a 401.
func (s *Service) Challenged(challenge string) (auth.Principal, error) {
	p, err := s.tokens.Verify(challenge, ChallengeAudience)
	if err != nil {
		return auth.Principal{}, inbox.Unauthorized("The login challenge is invalid or expired; log in again")
	}
	return p, nil
}

// CheckLogin checks the second step of p's login: a code of the current steps not used
// before, or an unused recovery code, which is then spent. A wrong one is a 401, as is a
// challenge of a user who has disabled two-factor login since.
func (s *Service) CheckLogin(ctx context.Context, p auth.Principal, code, recoveryCode string) error {
	err := s.check(ctx, p, code, recoveryCode)
	switch {
	case errors.Is(err, errWrongCode):
		return inbox.Unauthorized("The code is wrong or was already used")
	case errors.Is(err, errNotEnabled): // disabled since the challenge
		return inbox.Unauthorized("Two-factor login is not enabled; log in again")
	}
	return err
}

var errWrongCode = errors.New("wrong code")

// check accepts a code or a recovery code of p's enabled second factor, and uses it up.
func (s *Service) check(ctx context.Context, p auth.Principal, code, recoveryCode string) error {
	st, err := s.store.GetTwoFactor(ctx, p.TenantID, p.UserID)
	if errors.Is(err, inbox.ErrNotFound) || (err == nil && st.EnabledAt == nil) {
		return errNotEnabled
	}
	if err != nil {
		return fmt.Errorf("two-factor check: %w", err)
	}
	if recoveryCode != "" {
		err = s.store.UseRecoveryCode(ctx, p.TenantID, p.UserID, hashRecovery(recoveryCode), s.now())
	} else {
		var step int64
		if step, err = s.matchStep(p.UserID, st, code); err == nil {
			if step == 0 {
				return errWrongCode
			}
			err = s.store.UseTwoFactorStep(ctx, p.TenantID, p.UserID, step)
		}
	}
	if errors.Is(err, inbox.ErrNotFound) {
		return errWrongCode
	}
	if err != nil {
		return fmt.Errorf("two-factor check: %w", err)
	}
	return nil
}

// matchStep returns the step among now's and its neighbours whose code is code, or 0.
func (s *Service) matchStep(user uuid.UUID, st State, code string) (int64, error) {
	secret, err := s.open(user, st.Sealed)
	if err != nil {
		return 0, err
	}
	code = strings.TrimSpace(code)
	now := s.now().Unix() / period
	for step := now + skewSteps; step >= now-skewSteps; step-- {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, fmt.Errorf("two-factor: code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, nil
		}
	}
	return 0, nil
}

// seal encrypts a secret with AES-GCM, bound to its user: nonce || ciphertext.
func (s *Service) seal(user uuid.UUID, secret string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("two-factor: nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), user[:]), nil
}

func (s *Service) open(user uuid.UUID, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("two-factor: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], user[:])
	if err != nil {
		return "", fmt.Errorf("two-factor: open secret: %w", err)
	}
	return string(plain), nil
}

var recoveryAlphabet = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

// newRecoveryCodes returns RecoveryCodes codes like "k3x9m-2pq7a" (50 random bits each)
// and their hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodes {
		var b [7]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, nil, fmt.Errorf("two-factor: recovery code: %w", err)
		}
		c := recoveryAlphabet.EncodeToString(b[:])[:10]
		codes = append(codes, c[:5]+"-"+c[5:])
		hashes = append(hashes, hashRecovery(c))
	}
	return codes, hashes, nil
}

// hashRecovery hashes a recovery code as typed: any case, dashes and spaces ignored.
func hashRecovery(code string) string {
	c := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(code))
	return auth.HashToken(c)
}

// notFoundAs turns a store's ErrNotFound into as.
func notFoundAs(err error, as error) error {
	if errors.Is(err, inbox.ErrNotFound) {
		return as
	}
	return err
}
