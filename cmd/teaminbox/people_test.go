package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/seed"
)

// TestTenantCreate runs `teaminbox tenant create` beside a running server, follows the
// printed link as the owner would (its page, then the API the page calls), and logs in as
// the new business's super admin.
func TestTenantCreate(t *testing.T) {
	s := startServer(t)
	var out bytes.Buffer
	err := runTenant(context.Background(), &out, []string{"create", "--name", "Acme Support", "--owner-email", "Owner@Acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://\S+/accept\?token=\S+`).FindString(out.String())
	if !strings.HasPrefix(link, s.base+"/accept?token=") {
		t.Fatalf("printed %q: want a link on %s (TEAMINBOX_ADDR, without TEAMINBOX_PUBLIC_URL)", out.String(), s.base)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	// The link opens the app's page, which looks the invitation up and accepts it.
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `<div id="app"></div>`) || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("GET %s: %d, want 200, the app's page, no referrer:\n%s", link, res.StatusCode, body)
	}
	token := u.Query().Get("token")
	v := s.call(t, "GET", "/v1/invitations/accept?token="+url.QueryEscape(token), "", nil).data(t, 200, "look up")["invitation"].(map[string]any)
	if v["business_name"] != "Acme Support" || v["role"] != "super_admin" || v["email"] != "owner@acme.example" {
		t.Fatalf("invitation: %v", v)
	}
	d := s.call(t, "POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Olive", "password": "the owner's secret"}).data(t, 201, "accept")
	me := s.call(t, "GET", "/v1/auth/me", d["token"].(string), nil).data(t, 200, "me")["user"].(map[string]any)
	if me["role"] != "super_admin" || me["business_id"] == s.call(t, "GET", "/v1/auth/me", s.token(t, "admin"), nil).data(t, 200, "demo me")["user"].(map[string]any)["business_id"] {
		t.Errorf("the owner: %v", me)
	}
	s.call(t, "POST", "/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Eve", "password": "another long secret"}).data(t, 400, "the link works once")

	out.Reset()
	if err := runTenant(context.Background(), &out, []string{"create", "--name", "Again", "--owner-email", "owner@acme.example"}); err == nil ||
		!strings.Contains(err.Error(), "already has an account") {
		t.Errorf("an owner who has an account: %v", err)
	}
	if err := runTenant(context.Background(), &out, []string{"create", "--name", "No owner"}); err == nil {
		t.Error("no --owner-email: no error")
	}
	if err := runTenant(context.Background(), &out, []string{"list-everything"}); err == nil {
		t.Error("an unknown tenant command: no error")
	}
}

// TestDeactivationThroughTheServer deactivates an agent over REST while their WebSocket is
// open: the socket is closed with 4001 "deactivated", and their token answers 401.
func TestDeactivationThroughTheServer(t *testing.T) {
	s := startServer(t)
	agent, admin := s.token(t, "executive"), s.token(t, "admin")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+s.host+"/ws/team-inbox/"+seed.DemoTenantID.String()+"/?token="+agent, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, hello, err := ws.Read(ctx); err != nil || !strings.Contains(string(hello), `"hello"`) {
		t.Fatalf("first frame %s, %v", hello, err)
	}
	s.call(t, "POST", "/v1/users/"+seed.DemoUserID(auth.RoleExecutive).String()+"/deactivate", admin, nil).data(t, 200, "deactivate")
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "deactivated" {
			t.Fatalf("the socket ended with %v, want 4001 deactivated", err)
		}
		break
	}
	s.call(t, "GET", "/v1/auth/me", agent, nil).data(t, 401, "the deactivated agent's token")
}
