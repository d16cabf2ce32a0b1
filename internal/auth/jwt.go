package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	issuer = "teaminbox"
	// AudienceAPI is the audience of login tokens, accepted by REST and WebSocket.
	AudienceAPI = "teaminbox-api"
	// AudienceWebSocket is the audience of the short-lived tokens handed out by
	// /team-inbox/websocket/info/, accepted by the WebSocket only.
	AudienceWebSocket = "teaminbox-ws"
)

// ErrInvalidToken is returned for any token that does not verify: forged, expired,
// malformed, wrong audience or wrong algorithm.
var ErrInvalidToken = errors.New("invalid token")

// claims carries the tenant, user and role next to the registered claims.
type claims struct {
	TenantID string `json:"tid"`
	Role     Role   `json:"role"`
	Version  int64  `json:"ver,omitempty"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies HS256 JWTs with one secret.
type Tokens struct {
	secret []byte
	now    func() time.Time
}

// NewTokens returns a Tokens that signs with secret, which must be at least 32 bytes.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("jwt secret must be at least 32 bytes, got %d", len(secret))
	}
	return &Tokens{secret: secret, now: time.Now}, nil
}

// DeriveKey returns a key for another use of the server's secret (signing media links), so
// a value signed for that use can never pass as a token, nor the reverse.
func (t *Tokens) DeriveKey(purpose string) []byte {
	mac := hmac.New(sha256.New, t.secret)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// Issue signs a token for p, valid for ttl, for the given audience.
func (t *Tokens) Issue(p Principal, audience string, ttl time.Duration) (string, error) {
	now := t.now()
	c := claims{
		TenantID: p.TenantID.String(),
		Role:     p.Role,
		Version:  p.TokenVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   p.UserID.String(),
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			ID:        uuid.NewString(),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks signature, algorithm, issuer, audience and expiry, and returns the principal.
// Any failure is ErrInvalidToken, wrapped with the reason.
func (t *Tokens) Verify(token, audience string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	tid, err1 := uuid.Parse(c.TenantID)
	uid, err2 := uuid.Parse(c.Subject)
	if err1 != nil || err2 != nil {
		return Principal{}, fmt.Errorf("%w: bad tenant or subject", ErrInvalidToken)
	}
	if _, err := ParseRole(string(c.Role)); err != nil {
		return Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return Principal{TenantID: tid, UserID: uid, Role: c.Role, TokenVersion: c.Version}, nil
}
