package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. Production uses OWASP's m=19 MiB, t=2, p=1.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 is OWASP's recommended minimum for argon2id.
var DefaultArgon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Hasher hashes and checks passwords with argon2id, stored as a PHC string. Each hash
// allocates MemoryKiB, so concurrent hashes are capped by a semaphore.
type Hasher struct {
	params Argon2Params
	sem    chan struct{}
	dummy  string
}

// NewHasher returns a Hasher with the given parameters and at most maxConcurrent hashes at once.
func NewHasher(p Argon2Params, maxConcurrent int) *Hasher {
	h := &Hasher{params: p, sem: make(chan struct{}, max(1, maxConcurrent))}
	h.dummy = h.phc(random(16), random(32))
	return h
}

// DummyHash is a hash of this Hasher's cost that no password matches (its key is random).
// Checking a password against it costs what checking a real one does, so a login for an
// unknown email takes as long as one for a known email.
func (h *Hasher) DummyHash() string { return h.dummy }

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return b
}

// phc formats a salt and key with the Hasher's parameters as a PHC string.
func (h *Hasher) phc(salt, key []byte) string {
	p, b64 := h.params, base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ErrMismatch is returned by Check for a wrong password.
var ErrMismatch = errors.New("password does not match")

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for password hasher: %w", ctx.Err())
	}
}

// Hash returns the PHC string of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.sem }()
	salt, p := random(16), h.params
	return h.phc(salt, argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)), nil
}

// Check compares password with a PHC string made by Hash, using the parameters stored in it.
func (h *Hasher) Check(ctx context.Context, phc, password string) error {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return fmt.Errorf("unsupported password hash format")
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("parse password hash parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("decode password hash")
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer func() { <-h.sem }()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}
