package config

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// parse loads a Config from env (unset variables are empty) and args, as the commands do.
func parse(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	c, err := load(fs, func(name string) string { return env[name] })
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, c.Validate()
}

func mustParse(t *testing.T, env map[string]string, args ...string) *Config {
	t.Helper()
	c, err := parse(t, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	got := mustParse(t, nil)
	want := &Config{
		Addr: ":8080", DataDir: "./data", TokenTTL: 24 * time.Hour, LogLevel: "info", MaxBodyBytes: 1 << 20,
		LoginRate: 5, InvitationTTL: 7 * 24 * time.Hour, EventRetention: 24 * time.Hour, ShutdownTimeout: 15 * time.Second, MediaLinkTTL: 15 * time.Minute, AvailabilityGrace: 30 * time.Second,
		WebsocketAcceptAll: true, WebsocketTokenExpiry: time.Hour, MessageLimit: 100, TypingTimeout: 5 * time.Second,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	env := map[string]string{
		"TEAMINBOX_ADDR": ":9000", "DATABASE_URL": "postgres://x", "TEAMINBOX_TOKEN_TTL": "2h",
		"TEAMINBOX_MAX_BODY_BYTES": "2048", "TEAMINBOX_LOGIN_RATE": "0.5", "TEAMINBOX_MEDIA_HOSTS": "a.example,*.b.example",
		"TEAMINBOX_WEBSOCKET_ACCEPT_ALL": "false", "TEAMINBOX_TYPING_TIMEOUT": "1500ms", "TEAMINBOX_MESSAGE_LIMIT": "7",
		"TEAMINBOX_DB_MAX_CONNS": "12",
	}
	c := mustParse(t, env)
	if c.Addr != ":9000" || c.DatabaseURL != "postgres://x" || c.DBMaxConns != 12 || c.TokenTTL != 2*time.Hour || c.MaxBodyBytes != 2048 ||
		c.LoginRate != 0.5 || !reflect.DeepEqual(c.MediaHosts, []string{"a.example", "*.b.example"}) ||
		c.WebsocketAcceptAll || c.TypingTimeout != 1500*time.Millisecond || c.MessageLimit != 7 {
		t.Errorf("from the environment: %+v", c)
	}
	// A flag beats its variable; a bare boolean flag means true.
	c = mustParse(t, env, "--addr", ":9001", "--token-ttl", "3h", "--websocket-accept-all", "--allowed-origins", "https://a,https://b")
	if c.Addr != ":9001" || c.TokenTTL != 3*time.Hour || !c.WebsocketAcceptAll ||
		!reflect.DeepEqual(c.AllowedOrigins, []string{"https://a", "https://b"}) || c.DatabaseURL != "postgres://x" {
		t.Errorf("flags over the environment: %+v", c)
	}
}

func TestSeedNamesAreAliases(t *testing.T) {
	// The all-channel inbox document's names, in its units: bare seconds.
	seed := map[string]string{"WEBSOCKET_ACCEPT_ALL": "false", "WEBSOCKET_TOKEN_EXPIRY": "120",
		"TEAM_INBOX_MESSAGE_LIMIT": "30", "TEAM_INBOX_TYPING_TIMEOUT": "9"}
	c := mustParse(t, seed)
	if c.WebsocketAcceptAll || c.WebsocketTokenExpiry != 2*time.Minute || c.MessageLimit != 30 || c.TypingTimeout != 9*time.Second {
		t.Errorf("from the seed's names: %+v", c)
	}
	// The TEAMINBOX_ name wins over its alias.
	seed["TEAMINBOX_TYPING_TIMEOUT"] = "3s"
	if c := mustParse(t, seed); c.TypingTimeout != 3*time.Second {
		t.Errorf("TEAMINBOX_TYPING_TIMEOUT=3s beside TEAM_INBOX_TYPING_TIMEOUT=9: got %v", c.TypingTimeout)
	}
	// The flags of old took seconds too, and still do; they also take durations.
	c = mustParse(t, nil, "--typing-timeout", "4", "--websocket-token-expiry", "90m")
	if c.TypingTimeout != 4*time.Second || c.WebsocketTokenExpiry != 90*time.Minute {
		t.Errorf("--typing-timeout 4 --websocket-token-expiry 90m: %+v", c)
	}
}

func TestBadValues(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{env: map[string]string{"TEAMINBOX_TOKEN_TTL": "24"}, want: "TEAMINBOX_TOKEN_TTL"}, // a duration wants its unit
		{env: map[string]string{"WEBSOCKET_TOKEN_EXPIRY": "soon"}, want: "WEBSOCKET_TOKEN_EXPIRY"},
		{env: map[string]string{"TEAMINBOX_MESSAGE_LIMIT": "many"}, want: "TEAMINBOX_MESSAGE_LIMIT"},
		{env: map[string]string{"TEAM_INBOX_TYPING_TIMEOUT": "0"}, want: "TEAMINBOX_TYPING_TIMEOUT must be at least 1s"},
		{args: []string{"--max-body-bytes", "12"}, want: "TEAMINBOX_MAX_BODY_BYTES must be at least 1024"},
		{args: []string{"--db-max-conns", "-1"}, want: "TEAMINBOX_DB_MAX_CONNS must not be negative"},
		{args: []string{"--websocket-accept-all=maybe"}, want: "websocket-accept-all"},
	} {
		_, err := parse(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got error %v, want one naming %q", tc.env, tc.args, err, tc.want)
		}
	}
}

func TestUnknownVariablesAreReported(t *testing.T) {
	environ := []string{"TEAMINBOX_ADDR=:1", "TEAMINBOX_TYPING_TIMEUOT=3s", "TEAMINBOX_TEST_NATS_URL=nats://x",
		"WEBSOCKET_ACCEPT_ALL=true", "HOME=/root", "TEAMINBOX_DATA_DIR=/srv"}
	var logs bytes.Buffer
	WarnUnknownVariables(slog.New(slog.NewTextHandler(&logs, nil)), environ)
	got := logs.String()
	for _, name := range []string{"TEAMINBOX_TYPING_TIMEUOT", "TEAMINBOX_DATA_DIR"} {
		if !strings.Contains(got, "level=WARN") || !strings.Contains(got, "variable="+name) {
			t.Errorf("no warning about %s in %q", name, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 2 {
		t.Errorf("want 2 warnings (the known, test and foreign variables pass), got %d: %q", n, got)
	}
}

func TestOptionsAreConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range Options {
		for _, name := range append([]string{o.Env, "--" + o.Flag}, o.Aliases...) {
			if seen[name] {
				t.Errorf("%s is named twice", name)
			}
			seen[name] = true
		}
		if strings.HasPrefix(o.Env, "TEAMINBOX_") && o.Env != "TEAMINBOX_"+strings.ToUpper(strings.ReplaceAll(o.Flag, "-", "_")) &&
			o.Env != "TEAMINBOX_DATA" {
			t.Errorf("%s does not match its flag --%s", o.Env, o.Flag)
		}
		if o.Meaning == "" || o.Unit == "" {
			t.Errorf("%s lacks a meaning or a unit", o.Env)
		}
	}
}

var update = flag.Bool("update", false, "rewrite README.md's configuration table from Options")

const (
	readmePath = "../../README.md"
	tableBegin = "<!-- options: generated from internal/config/options.go; go test ./internal/config -run TestREADME -update -->\n"
	tableEnd   = "<!-- end of options -->\n"
)

// TestREADME checks that README.md's configuration table is READMETable; with -update it
// rewrites it.
func TestREADME(t *testing.T) {
	src, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(src), tableBegin)
	table, after, ok2 := strings.Cut(rest, tableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("README.md lacks the markers around the options table:\n%s%s", tableBegin, tableEnd)
	}
	want := READMETable()
	if table == want {
		return
	}
	if *update {
		if err := os.WriteFile(readmePath, []byte(before+tableBegin+want+tableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's options table differs from Options (go test ./internal/config -run TestREADME -update rewrites it):\n%s",
		lineDiff(table, want))
}

// lineDiff lists the lines only in got (-) and only in want (+).
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(w, l) {
			b.WriteString("- README: " + l + "\n")
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			b.WriteString("+ Options: " + l + "\n")
		}
	}
	return b.String()
}

func TestTrustedProxies(t *testing.T) {
	c := Config{TrustedProxies: []string{"10.0.0.0/8", " 192.168.1.7", "::ffff:172.16.0.1", ""}}
	got, err := c.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "172.16.0.1/32"}
	if len(got) != len(want) {
		t.Fatalf("proxies %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("proxy %d: %s, want %s", i, got[i], want[i])
		}
	}
	bad := Config{TrustedProxies: []string{"proxy.example"}}
	if _, err := bad.Proxies(); err == nil {
		t.Error("a host name was taken for a proxy address")
	}
}
