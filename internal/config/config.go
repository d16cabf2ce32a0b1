// Package config reads the server's settings from environment variables, each of which a
// command-line flag of the same meaning can override; options.go lists them.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting; Options says where each comes from.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	DBMaxConns      int // 0: postgres.DefaultMaxConns
	NATSURL         string
	JWTSecret       string
	PublicURL       string
	TokenTTL        time.Duration
	SMTPURL         string
	MailFrom        string
	InvitationTTL   time.Duration
	LogLevel        string
	MaxBodyBytes    int64
	LoginRate       float64
	Signup          bool
	Demo            bool
	DemoPassword    string
	EventRetention  time.Duration
	ShutdownTimeout time.Duration
	AllowedOrigins  []string
	TrustedProxies  []string
	MediaS3URL      string
	MediaLinkTTL    time.Duration
	MediaHosts      []string
	// AvailabilityGrace is how long after an agent's last socket closes the agent goes offline.
	AvailabilityGrace time.Duration

	// The settings of the all-channel inbox document, whose names stay aliases.
	WebsocketAcceptAll   bool
	WebsocketTokenExpiry time.Duration
	MessageLimit         int
	TypingTimeout        time.Duration
}

// Validate checks the values that have limits.
func (c *Config) Validate() error {
	var errs []error
	if c.MessageLimit < 1 {
		errs = append(errs, errors.New("TEAMINBOX_MESSAGE_LIMIT must be at least 1"))
	}
	if c.WebsocketTokenExpiry < time.Second {
		errs = append(errs, errors.New("TEAMINBOX_WEBSOCKET_TOKEN_EXPIRY must be at least 1s"))
	}
	if c.TypingTimeout < time.Second {
		errs = append(errs, errors.New("TEAMINBOX_TYPING_TIMEOUT must be at least 1s"))
	}
	if c.DBMaxConns < 0 {
		errs = append(errs, errors.New("TEAMINBOX_DB_MAX_CONNS must not be negative"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("TEAMINBOX_MAX_BODY_BYTES must be at least 1024"))
	}
	if c.AvailabilityGrace < 0 {
		errs = append(errs, errors.New("TEAMINBOX_AVAILABILITY_GRACE must not be negative"))
	}
	if c.MediaLinkTTL < 10*time.Second {
		errs = append(errs, errors.New("TEAMINBOX_MEDIA_LINK_TTL must be at least 10s"))
	}
	if c.InvitationTTL < time.Minute {
		errs = append(errs, errors.New("TEAMINBOX_INVITATION_TTL must be at least 1m"))
	}
	if c.SMTPURL != "" && c.MailFrom == "" {
		errs = append(errs, errors.New("TEAMINBOX_MAIL_FROM is required with TEAMINBOX_SMTP_URL"))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("TEAMINBOX_JWT_SECRET must be at least 32 bytes"))
	}
	return errors.Join(errs...)
}

// Proxies parses TEAMINBOX_TRUSTED_PROXIES: each an address (a range of one) or a CIDR range.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("TEAMINBOX_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// ErrNoSecret is ExistingSecret's error when no secret is configured or kept yet.
var ErrNoSecret = errors.New("no JWT secret")

// Secret returns the JWT secret: the configured one, or the one kept in the data folder,
// created on first use so tokens survive restarts.
func (c *Config) Secret() ([]byte, error) {
	secret, err := c.ExistingSecret()
	if !errors.Is(err, ErrNoSecret) {
		return secret, err
	}
	path := c.secretPath()
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("generate jwt secret: %w", err)
	}
	secret = []byte(hex.EncodeToString(raw))
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("write jwt secret: %w", err)
	}
	return secret, nil
}

// ExistingSecret is Secret without creating one, for the tools that sign what a running
// server must accept: a secret they made up would only yield tokens the server rejects.
func (c *Config) ExistingSecret() ([]byte, error) {
	if c.JWTSecret != "" {
		return []byte(c.JWTSecret), nil
	}
	path := c.secretPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(b) < 32) {
		return nil, fmt.Errorf("%w in %s: set TEAMINBOX_JWT_SECRET (--jwt-secret) to the server's, or point --data (TEAMINBOX_DATA) at the server's data folder", ErrNoSecret, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read jwt secret: %w", err)
	}
	return b, nil
}

func (c *Config) secretPath() string { return filepath.Join(c.DataDir, "jwt.secret") }

// TypingTimeoutDuration is TEAMINBOX_TYPING_TIMEOUT.
func (c *Config) TypingTimeoutDuration() time.Duration { return c.TypingTimeout }

// WebsocketTokenTTL is TEAMINBOX_WEBSOCKET_TOKEN_EXPIRY.
func (c *Config) WebsocketTokenTTL() time.Duration { return c.WebsocketTokenExpiry }

// LinkBaseURL is where the links of invitations and password resets start:
// TEAMINBOX_PUBLIC_URL, or http://localhost with TEAMINBOX_ADDR's port.
func (c *Config) LinkBaseURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SQLitePath is where the embedded database lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "teaminbox.db") }
