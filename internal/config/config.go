// Package config reads the server's settings from environment variables, each of which a
// command-line flag of the same meaning can override.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting; the README's configuration table mirrors it.
type Config struct {
	Addr            string        `env:"TEAMINBOX_ADDR" envDefault:":8080"`
	DataDir         string        `env:"TEAMINBOX_DATA" envDefault:"./data"`
	DatabaseURL     string        `env:"DATABASE_URL"`
	NATSURL         string        `env:"NATS_URL"`
	JWTSecret       string        `env:"TEAMINBOX_JWT_SECRET"`
	PublicURL       string        `env:"TEAMINBOX_PUBLIC_URL"`
	TokenTTL        time.Duration `env:"TEAMINBOX_TOKEN_TTL" envDefault:"24h"`
	LogLevel        string        `env:"TEAMINBOX_LOG_LEVEL" envDefault:"info"`
	MaxBodyBytes    int64         `env:"TEAMINBOX_MAX_BODY_BYTES" envDefault:"1048576"`
	LoginRate       float64       `env:"TEAMINBOX_LOGIN_RATE" envDefault:"5"`
	EventRetention  time.Duration `env:"TEAMINBOX_EVENT_RETENTION" envDefault:"24h"`
	ShutdownTimeout time.Duration `env:"TEAMINBOX_SHUTDOWN_TIMEOUT" envDefault:"15s"`
	AllowedOrigins  []string      `env:"TEAMINBOX_ALLOWED_ORIGINS" envSeparator:","`
	MediaS3URL      string        `env:"TEAMINBOX_MEDIA_S3_URL"`
	MediaLinkTTL    time.Duration `env:"TEAMINBOX_MEDIA_LINK_TTL" envDefault:"15m"`
	MediaHosts      []string      `env:"TEAMINBOX_MEDIA_HOSTS" envSeparator:","`

	// The settings of the all-channel inbox document, with its names.
	WebsocketAcceptAll   bool `env:"WEBSOCKET_ACCEPT_ALL" envDefault:"true"`
	WebsocketTokenExpiry int  `env:"WEBSOCKET_TOKEN_EXPIRY" envDefault:"3600"` // seconds
	MessageLimit         int  `env:"TEAM_INBOX_MESSAGE_LIMIT" envDefault:"100"`
	TypingTimeout        int  `env:"TEAM_INBOX_TYPING_TIMEOUT" envDefault:"5"` // seconds
}

// Load reads the environment, then lets flags on fs override it; call fs.Parse afterwards
// and then Validate.
func Load(fs *flag.FlagSet) (*Config, error) {
	c := &Config{}
	if err := env.Parse(c); err != nil {
		return nil, fmt.Errorf("read environment: %w", err)
	}
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (TEAMINBOX_ADDR)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data folder for SQLite, secrets and media (TEAMINBOX_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; SQLite is used when empty (DATABASE_URL)")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS URL for multi-node fan-out (NATS_URL)")
	fs.StringVar(&c.JWTSecret, "jwt-secret", c.JWTSecret, "HS256 secret, 32+ bytes; generated into the data folder when empty (TEAMINBOX_JWT_SECRET)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "externally visible base URL, for provider callbacks (TEAMINBOX_PUBLIC_URL)")
	fs.DurationVar(&c.TokenTTL, "token-ttl", c.TokenTTL, "lifetime of login tokens (TEAMINBOX_TOKEN_TTL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (TEAMINBOX_LOG_LEVEL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body (TEAMINBOX_MAX_BODY_BYTES)")
	fs.Float64Var(&c.LoginRate, "login-rate", c.LoginRate, "login attempts per second per IP (TEAMINBOX_LOGIN_RATE)")
	fs.DurationVar(&c.EventRetention, "event-retention", c.EventRetention, "how long events stay replayable (TEAMINBOX_EVENT_RETENTION)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "grace period on SIGTERM (TEAMINBOX_SHUTDOWN_TIMEOUT)")
	fs.Func("allowed-origins", "comma-separated WebSocket origins when WEBSOCKET_ACCEPT_ALL is false (TEAMINBOX_ALLOWED_ORIGINS)", func(s string) error {
		c.AllowedOrigins = strings.Split(s, ",")
		return nil
	})
	fs.StringVar(&c.MediaS3URL, "media-s3-url", c.MediaS3URL, "S3-compatible store for media, https://KEY:SECRET@host/bucket[/prefix]; the data folder when empty (TEAMINBOX_MEDIA_S3_URL)")
	fs.DurationVar(&c.MediaLinkTTL, "media-link-ttl", c.MediaLinkTTL, "how long a signed media link opens its file (TEAMINBOX_MEDIA_LINK_TTL)")
	fs.Func("media-hosts", "comma-separated hosts media may also be fetched from, besides the providers' own (TEAMINBOX_MEDIA_HOSTS)", func(s string) error {
		c.MediaHosts = strings.Split(s, ",")
		return nil
	})
	fs.BoolVar(&c.WebsocketAcceptAll, "websocket-accept-all", c.WebsocketAcceptAll, "accept WebSocket connections from all origins (WEBSOCKET_ACCEPT_ALL)")
	fs.IntVar(&c.WebsocketTokenExpiry, "websocket-token-expiry", c.WebsocketTokenExpiry, "WebSocket token lifetime in seconds (WEBSOCKET_TOKEN_EXPIRY)")
	fs.IntVar(&c.MessageLimit, "message-limit", c.MessageLimit, "most messages per team-inbox query (TEAM_INBOX_MESSAGE_LIMIT)")
	fs.IntVar(&c.TypingTimeout, "typing-timeout", c.TypingTimeout, "seconds a typing indicator lasts (TEAM_INBOX_TYPING_TIMEOUT)")
	return c, nil
}

// Validate checks the values that have limits.
func (c *Config) Validate() error {
	var errs []error
	if c.MessageLimit < 1 {
		errs = append(errs, errors.New("TEAM_INBOX_MESSAGE_LIMIT must be at least 1"))
	}
	if c.WebsocketTokenExpiry < 1 {
		errs = append(errs, errors.New("WEBSOCKET_TOKEN_EXPIRY must be at least 1 second"))
	}
	if c.TypingTimeout < 1 {
		errs = append(errs, errors.New("TEAM_INBOX_TYPING_TIMEOUT must be at least 1 second"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("TEAMINBOX_MAX_BODY_BYTES must be at least 1024"))
	}
	if c.MediaLinkTTL < 10*time.Second {
		errs = append(errs, errors.New("TEAMINBOX_MEDIA_LINK_TTL must be at least 10s"))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("TEAMINBOX_JWT_SECRET must be at least 32 bytes"))
	}
	return errors.Join(errs...)
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

// TypingTimeoutDuration is TEAM_INBOX_TYPING_TIMEOUT as a duration.
func (c *Config) TypingTimeoutDuration() time.Duration {
	return time.Duration(c.TypingTimeout) * time.Second
}

// WebsocketTokenTTL is WEBSOCKET_TOKEN_EXPIRY as a duration.
func (c *Config) WebsocketTokenTTL() time.Duration {
	return time.Duration(c.WebsocketTokenExpiry) * time.Second
}

// SQLitePath is where the embedded database lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "teaminbox.db") }
