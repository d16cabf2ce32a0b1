package config

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Option is one setting: the flag and the environment variable that set it, the older
// variable names still read, its default, unit and meaning. Flags, the environment parsing
// and the README's table all come from options.
type Option struct {
	Flag    string   // flag name, without dashes
	Env     string   // the variable
	Aliases []string // older variables, read when Env is unset; Env wins when both are set
	// Default is the value when neither flag nor variable sets one, written as in the
	// environment; DefaultDoc describes it in the README instead when it is computed.
	Default, DefaultDoc string
	Unit                string // for the README: what a value is, in words
	Meaning             string // markdown; the flag's help shows it without backquotes
	// SecondsAliases marks a duration whose older variables, and whose flag of old, hold
	// bare seconds: there a bare number is read as seconds.
	SecondsAliases bool
	field          func(c *Config) any // pointer to the Config field the option sets
}

// Options are every setting, in the README's order.
var Options = []Option{
	{Flag: "addr", Env: "TEAMINBOX_ADDR", Default: ":8080", Unit: "host:port",
		Meaning: "listen address", field: func(c *Config) any { return &c.Addr }},
	{Flag: "data", Env: "TEAMINBOX_DATA", Default: "./data", Unit: "path",
		Meaning: "data folder: SQLite file, generated JWT secret, media files (`media/`)", field: func(c *Config) any { return &c.DataDir }},
	{Flag: "database-url", Env: "DATABASE_URL", Unit: "URL",
		Meaning: "PostgreSQL URL; when set SQLite is not used", field: func(c *Config) any { return &c.DatabaseURL }},
	{Flag: "db-max-conns", Env: "TEAMINBOX_DB_MAX_CONNS", DefaultDoc: "4 × the node's cores", Unit: "count",
		Meaning: "most PostgreSQL connections a node opens; the nodes together should open a few per core of PostgreSQL, since more cost it CPU without adding throughput (see Scaling out)",
		field:   func(c *Config) any { return &c.DBMaxConns }},
	{Flag: "nats-url", Env: "NATS_URL", Unit: "URL",
		Meaning: "NATS URL; when set, real-time events travel between nodes through NATS", field: func(c *Config) any { return &c.NATSURL }},
	{Flag: "jwt-secret", Env: "TEAMINBOX_JWT_SECRET", DefaultDoc: "generated into `DATA/jwt.secret`", Unit: "text",
		Meaning: "HS256 secret (32+ bytes); every node of a cluster needs the same", field: func(c *Config) any { return &c.JWTSecret }},
	{Flag: "public-url", Env: "TEAMINBOX_PUBLIC_URL", Unit: "URL",
		Meaning: "externally visible base URL, for provider callbacks (Twilio signs it) and the links of invitations and password resets (which use `http://localhost:PORT` of `TEAMINBOX_ADDR` when it is unset)", field: func(c *Config) any { return &c.PublicURL }},
	{Flag: "token-ttl", Env: "TEAMINBOX_TOKEN_TTL", Default: "24h", Unit: "duration",
		Meaning: "lifetime of login tokens", field: func(c *Config) any { return &c.TokenTTL }},
	{Flag: "smtp-url", Env: "TEAMINBOX_SMTP_URL", Unit: "URL",
		Meaning: "SMTP server that mails invitations and password resets: `smtp://[user:pass@]host[:port]` (port 587, STARTTLS when offered) or `smtps://…` (TLS, port 465); unset, the API answers invitation and reset links to the admin instead",
		field:   func(c *Config) any { return &c.SMTPURL }},
	{Flag: "mail-from", Env: "TEAMINBOX_MAIL_FROM", Unit: "email address",
		Meaning: "sender of that mail (`teaminbox <no-reply@example.com>`); required with `TEAMINBOX_SMTP_URL`", field: func(c *Config) any { return &c.MailFrom }},
	{Flag: "invitation-ttl", Env: "TEAMINBOX_INVITATION_TTL", Default: "168h", Unit: "duration",
		Meaning: "how long an invitation link works (at least `1m`)", field: func(c *Config) any { return &c.InvitationTTL }},
	{Flag: "log-level", Env: "TEAMINBOX_LOG_LEVEL", Default: "info", Unit: "level",
		Meaning: "`debug`, `info`, `warn`, `error` (JSON logs on stderr)", field: func(c *Config) any { return &c.LogLevel }},
	{Flag: "max-body-bytes", Env: "TEAMINBOX_MAX_BODY_BYTES", Default: "1048576", Unit: "bytes",
		Meaning: "largest request body (at least 1024); larger ones get 413", field: func(c *Config) any { return &c.MaxBodyBytes }},
	{Flag: "login-rate", Env: "TEAMINBOX_LOGIN_RATE", Default: "5", Unit: "per second",
		Meaning: "login attempts per second per IP (429 beyond); on top, each account is locked for 1 s, doubling up to 15 min, after 5 failures in a row",
		field:   func(c *Config) any { return &c.LoginRate }},
	{Flag: "signup", Env: "TEAMINBOX_SIGNUP", Default: "false", Unit: "boolean",
		Meaning: "open self-service sign-up: `POST /v1/signup` creates a business and its super admin (404 when off)", field: func(c *Config) any { return &c.Signup }},
	{Flag: "demo", Env: "TEAMINBOX_DEMO", Default: "false", Unit: "boolean",
		Meaning: "create the demo business on a new PostgreSQL database too (the embedded SQLite database gets it unless `serve --no-demo`)", field: func(c *Config) any { return &c.Demo }},
	{Flag: "demo-password", Env: "TEAMINBOX_DEMO_PASSWORD", DefaultDoc: "random, printed once", Unit: "text",
		Meaning: "password of the demo users when the demo is created, for tests and benchmarks; by default each installation gets random ones, printed once at its first start",
		field:   func(c *Config) any { return &c.DemoPassword }},
	{Flag: "event-retention", Env: "TEAMINBOX_EVENT_RETENTION", Default: "24h", Unit: "duration",
		Meaning: "how long events stay replayable for reconnecting clients", field: func(c *Config) any { return &c.EventRetention }},
	{Flag: "shutdown-timeout", Env: "TEAMINBOX_SHUTDOWN_TIMEOUT", Default: "15s", Unit: "duration",
		Meaning: "grace period on SIGTERM", field: func(c *Config) any { return &c.ShutdownTimeout }},
	{Flag: "media-s3-url", Env: "TEAMINBOX_MEDIA_S3_URL", Unit: "URL",
		Meaning: "keep media files in an S3-compatible bucket instead of the data folder, so several nodes share them: `https://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?region=REGION]` (`http://` without TLS); the bucket must exist",
		field:   func(c *Config) any { return &c.MediaS3URL }},
	{Flag: "media-link-ttl", Env: "TEAMINBOX_MEDIA_LINK_TTL", Default: "15m", Unit: "duration",
		Meaning: "how long a signed media link in an API answer opens its file (at least `10s`)", field: func(c *Config) any { return &c.MediaLinkTTL }},
	{Flag: "media-hosts", Env: "TEAMINBOX_MEDIA_HOSTS", Unit: "list",
		Meaning: "hosts (`name`, or `*.domain` for any name under it) media may also be fetched from, besides the providers' own: a proxy, or a channel's `api_base_url`",
		field:   func(c *Config) any { return &c.MediaHosts }},
	{Flag: "availability-grace", Env: "TEAMINBOX_AVAILABILITY_GRACE", Default: "30s", Unit: "duration",
		Meaning: "how long after an agent's last WebSocket (on any node) closes the agent goes offline; a socket that opens meanwhile keeps the agent online",
		field:   func(c *Config) any { return &c.AvailabilityGrace }},
	{Flag: "trusted-proxies", Env: "TEAMINBOX_TRUSTED_PROXIES", Unit: "list",
		Meaning: "addresses or CIDR ranges of the reverse proxies in front of the server (`10.0.0.0/8`): a request from one is taken to come from the address its `X-Forwarded-For` names, for the login rate limits and the audit log",
		field:   func(c *Config) any { return &c.TrustedProxies }},
	{Flag: "allowed-origins", Env: "TEAMINBOX_ALLOWED_ORIGINS", Unit: "list",
		Meaning: "WebSocket origins, used when `TEAMINBOX_WEBSOCKET_ACCEPT_ALL=false`", field: func(c *Config) any { return &c.AllowedOrigins }},
	{Flag: "websocket-accept-all", Env: "TEAMINBOX_WEBSOCKET_ACCEPT_ALL", Aliases: []string{"WEBSOCKET_ACCEPT_ALL"}, Default: "true", Unit: "boolean",
		Meaning: "accept WebSocket connections from all origins", field: func(c *Config) any { return &c.WebsocketAcceptAll }},
	{Flag: "websocket-token-expiry", Env: "TEAMINBOX_WEBSOCKET_TOKEN_EXPIRY", Aliases: []string{"WEBSOCKET_TOKEN_EXPIRY"}, Default: "1h", Unit: "duration", SecondsAliases: true,
		Meaning: "lifetime of the token `/team-inbox/websocket/info/` hands out (at least `1s`)", field: func(c *Config) any { return &c.WebsocketTokenExpiry }},
	{Flag: "message-limit", Env: "TEAMINBOX_MESSAGE_LIMIT", Aliases: []string{"TEAM_INBOX_MESSAGE_LIMIT"}, Default: "100", Unit: "count",
		Meaning: "most messages one `/team-inbox/api/messages/` query returns", field: func(c *Config) any { return &c.MessageLimit }},
	{Flag: "typing-timeout", Env: "TEAMINBOX_TYPING_TIMEOUT", Aliases: []string{"TEAM_INBOX_TYPING_TIMEOUT"}, Default: "5s", Unit: "duration", SecondsAliases: true,
		Meaning: "how long a typing indicator lasts without a refresh (at least `1s`)", field: func(c *Config) any { return &c.TypingTimeout }},
}

// set parses value into the option's field of c.
func (o *Option) set(c *Config, value string) error {
	var err error
	switch p := o.field(c).(type) {
	case *string:
		*p = value
	case *[]string:
		*p = strings.Split(value, ",")
	case *bool:
		*p, err = strconv.ParseBool(value)
	case *int:
		*p, err = strconv.Atoi(value)
	case *int64:
		*p, err = strconv.ParseInt(value, 10, 64)
	case *float64:
		*p, err = strconv.ParseFloat(value, 64)
	case *time.Duration:
		*p, err = o.parseDuration(value)
	default:
		panic(fmt.Sprintf("config: option %s has a field of type %T", o.Flag, p))
	}
	return err
}

// parseDuration reads a Go duration ("90s", "1h"), or bare seconds for the options whose
// older names took seconds.
func (o *Option) parseDuration(value string) (time.Duration, error) {
	if o.SecondsAliases {
		if n, err := strconv.Atoi(value); err == nil {
			return time.Duration(n) * time.Second, nil
		}
	}
	d, err := time.ParseDuration(value)
	if err != nil && o.SecondsAliases {
		return 0, fmt.Errorf("want a duration such as 5s, or bare seconds: %w", err)
	}
	return d, err
}

// fromEnv sets the option from the environment: Env, else the first alias set, else the
// default. An empty variable counts as unset.
func (o *Option) fromEnv(c *Config, lookup func(string) string) error {
	for _, name := range append([]string{o.Env}, o.Aliases...) {
		if v := lookup(name); v != "" {
			if err := o.set(c, v); err != nil {
				return fmt.Errorf("%s=%q: %w", name, v, err)
			}
			return nil
		}
	}
	if o.Default == "" {
		return nil
	}
	if err := o.set(c, o.Default); err != nil {
		panic(fmt.Sprintf("config: default of %s: %v", o.Env, err))
	}
	return nil
}

// value is an option as a flag.Value.
type value struct {
	o *Option
	c *Config
}

func (v value) Set(s string) error { return v.o.set(v.c, s) }

func (v value) String() string {
	if v.c == nil { // the flag package's zero Value
		return ""
	}
	switch p := v.o.field(v.c).(type) {
	case *[]string:
		return strings.Join(*p, ",")
	case *time.Duration:
		return p.String()
	default:
		return fmt.Sprint(reflect.ValueOf(p).Elem().Interface())
	}
}

// boolValue lets a boolean flag stand alone: --websocket-accept-all means true.
type boolValue struct{ value }

func (boolValue) IsBoolFlag() bool { return true }

// Load reads the environment, then lets flags on fs override it; call fs.Parse afterwards
// and then Validate.
func Load(fs *flag.FlagSet) (*Config, error) {
	return load(fs, os.Getenv)
}

func load(fs *flag.FlagSet, lookup func(string) string) (*Config, error) {
	c := &Config{}
	for i := range Options {
		o := &Options[i]
		if err := o.fromEnv(c, lookup); err != nil {
			return nil, fmt.Errorf("read environment: %w", err)
		}
		var v flag.Value = value{o, c}
		if _, ok := o.field(c).(*bool); ok {
			v = boolValue{value{o, c}}
		}
		fs.Var(v, o.Flag, o.usage(c))
	}
	return c, nil
}

// usage is the flag's help: the meaning, the variables and, backquoted so that -h shows it
// as the flag's argument, the kind of value.
func (o *Option) usage(c *Config) string {
	names := strings.Join(append([]string{o.Env}, o.Aliases...), ", ")
	meaning := strings.ReplaceAll(o.Meaning, "`", "")
	switch o.field(c).(type) {
	case *bool:
		return meaning + " (" + names + ")"
	case *time.Duration:
		return meaning + " (" + names + "; `duration`)"
	case *[]string:
		return meaning + " (" + names + "; `list`, comma-separated)"
	case *int, *int64, *float64:
		return meaning + " (" + names + "; `number`)"
	default:
		return meaning + " (" + names + "; `text`)"
	}
}

// testVariablePrefix names the variables the tests read, not the server.
const testVariablePrefix = "TEAMINBOX_TEST_"

// UnknownVariables are the TEAMINBOX_* variables of environ ("NAME=value" entries) that no
// option reads: most likely misspelt settings.
func UnknownVariables(environ []string) []string {
	var unknown []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "TEAMINBOX_") || strings.HasPrefix(name, testVariablePrefix) {
			continue
		}
		if !slices.ContainsFunc(Options, func(o Option) bool { return o.Env == name }) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// WarnUnknownVariables logs each of UnknownVariables(environ), so a misspelt setting does
// not pass unnoticed as its default.
func WarnUnknownVariables(log *slog.Logger, environ []string) {
	for _, name := range UnknownVariables(environ) {
		log.Warn("unknown setting ignored: no option reads this variable", "variable", name)
	}
}

// READMETable is the markdown table of Options that README.md shows between its
// configuration markers.
func READMETable() string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | unit | meaning |\n| --- | --- | --- | --- | --- |\n")
	for _, o := range Options {
		name := "`" + o.Env + "`"
		for _, a := range o.Aliases {
			name += ", or `" + a + "`"
			if o.SecondsAliases {
				name += " (bare seconds)"
			}
		}
		def := o.DefaultDoc
		switch {
		case def != "":
		case o.Default == "":
			def = "(empty)"
		default:
			def = "`" + o.Default + "`"
		}
		unit := o.Unit
		if unit == "list" {
			unit = "comma-separated list"
		}
		if o.SecondsAliases {
			unit += " (`5s`, `1h`), or bare seconds"
		}
		fmt.Fprintf(&b, "| %s | `--%s` | %s | %s | %s |\n", name, o.Flag, def, unit, o.Meaning)
	}
	return b.String()
}
