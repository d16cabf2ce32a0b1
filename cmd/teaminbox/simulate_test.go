package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSimulateSendsEveryMessageType runs simulate against a server for a channel of every
// provider and checks that each message type it names was accepted and stored as its
// content type: images, voice notes, documents, locations, contact cards and button replies,
// not only text.
func TestSimulateSendsEveryMessageType(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	// The providers' APIs, which check the channels' credentials: every call succeeds.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true,"result":true}`)
	}))
	t.Cleanup(api.Close)
	channels := []struct {
		kind, secret, account string
		config                map[string]string
	}{
		{"whatsapp", "sim-app-secret", "1234567890", map[string]string{"phone_number_id": "1234567890", "waba_id": "1029384756", "access_token": "EAAG-sim", "verify_token": "v"}},
		{"telegram", "sim_webhook_secret", "", map[string]string{"bot_token": "123:ABC"}},
		{"sms", "sim-auth-token", "ACsim", map[string]string{"account_sid": "ACsim", "from_number": "+15550000000"}},
		{"voice", "sim-auth-token", "ACsim", map[string]string{"account_sid": "ACsim"}},
		{"rcs", "SIMCLIENTTOKEN", "sim-agent", map[string]string{"agent_id": "sim-agent", "access_token": "ya29.sim"}},
	}
	secretKey := map[string]string{"whatsapp": "app_secret", "telegram": "webhook_secret", "sms": "auth_token", "voice": "auth_token", "rcs": "client_token"}
	for _, c := range channels {
		t.Run(c.kind, func(t *testing.T) {
			cfg := maps.Clone(c.config)
			cfg[secretKey[c.kind]] = c.secret
			cfg["api_base_url"] = api.URL
			created := s.call(t, "POST", "/v1/channels", admin, map[string]any{"kind": c.kind, "name": "Simulated " + c.kind, "config": cfg}).
				data(t, 201, "create channel")
			id := created["channel"].(map[string]any)["id"].(string)
			shapes, err := shapesOf(c.kind, webhookTarget{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for _, sh := range shapes {
				want[sh.storedAs] = true
			}
			if c.kind == "voice" { // every type is a voice message: tell them apart by their text
				want = map[string]bool{"Incoming call from": true, "Voicemail (12 s)": true, "Voicemail transcript:": true}
			}
			// Each run sends the types in turn; run again until every type has been stored
			// (a loaded machine may send fewer messages in a second than there are types).
			deadline := time.Now().Add(time.Minute)
			for {
				err := simulate(context.Background(), []string{"--url", s.base, "--kind", c.kind, "--channel", id, "--secret", c.secret,
					"--account", c.account, "--rate", "20", "--duration", "1s", "--contacts", "3", "--workers", "2"})
				if err != nil {
					t.Fatalf("simulate: %v", err)
				}
				got := s.storedTypes(t, admin, id)
				if missing := missingKeys(want, got); len(missing) == 0 {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("after a minute of simulated %s traffic, no message of type %v was stored (stored: %v)", c.kind, missing, slices.Sorted(maps.Keys(got)))
				}
			}
		})
	}
}

// storedTypes returns the content types of the messages of the channel's conversations,
// and for voice messages which of a call's three kinds each is.
func (s *testServer) storedTypes(t *testing.T, token, channelID string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	list := s.call(t, "GET", "/v1/conversations?limit=100", token, nil).data(t, 200, "list")
	for _, c := range list["conversations"].([]any) {
		conv := c.(map[string]any)
		if conv["channel"].(map[string]any)["id"] != channelID {
			continue
		}
		detail := s.call(t, "GET", fmt.Sprintf("/v1/conversations/%s?limit=200", conv["id"]), token, nil).data(t, 200, "detail")
		for _, m := range detail["conversation"].(map[string]any)["messages"].([]any) {
			msg := m.(map[string]any)
			got[msg["content_type"].(string)] = true
			if msg["content_type"] == "voice" {
				for _, prefix := range []string{"Incoming call from", "Voicemail (12 s)", "Voicemail transcript:"} {
					if strings.HasPrefix(msg["content"].(string), prefix) {
						got[prefix] = true
					}
				}
			}
		}
	}
	return got
}

func missingKeys(want, got map[string]bool) []string {
	var out []string
	for k := range want {
		if !got[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestSimulateTargets sends to two channels through two server addresses in turn (the nodes
// of a cluster, here one server twice) from a --targets file: both channels get messages.
func TestSimulateTargets(t *testing.T) {
	s := startServer(t)
	admin := s.token(t, "admin")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{}`) }))
	t.Cleanup(api.Close)
	var lines, ids []string
	for _, account := range []string{"1111111111", "2222222222"} {
		created := s.call(t, "POST", "/v1/channels", admin, map[string]any{"kind": "whatsapp", "name": "Target " + account, "config": map[string]string{
			"phone_number_id": account, "waba_id": "1029384756", "verify_token": "v", "access_token": "EAAG-sim", "app_secret": "secret-" + account,
			"api_base_url": api.URL}}).
			data(t, 201, "create channel")
		id := created["channel"].(map[string]any)["id"].(string)
		ids = append(ids, id)
		lines = append(lines, id+" secret-"+account+" "+account)
	}
	file := t.TempDir() + "/targets"
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := simulate(context.Background(), []string{"--url", s.base + "," + s.base + "/", "--kind", "whatsapp", "--targets", file,
		"--types", "text", "--rate", "40", "--duration", "1s", "--contacts", "2", "--workers", "2"})
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	for _, id := range ids {
		if got := s.storedTypes(t, admin, id); !got["text"] {
			t.Errorf("channel %s got no message", id)
		}
	}
	if err := os.WriteFile(file, []byte("not-a-channel secret account\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := simulate(context.Background(), []string{"--targets", file}); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Errorf("a bad targets line: %v, want an error that names it", err)
	}
}
