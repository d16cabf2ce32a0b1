package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns a secret handed out once (invitation and reset links, API keys): 32
// random bytes, base64url.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand panics rather than return an error
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is what the server keeps of such a secret, or of a recovery code: its SHA-256,
// in hex. The secrets are random and long, so a fast hash is enough (passwords are not).
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
