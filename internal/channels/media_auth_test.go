package channels_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
)

// TestMediaRefusesDeactivatedUsers: a media request's API token is checked like any other: a
// signature is not enough once its user is deactivated.
func TestMediaRefusesDeactivatedUsers(t *testing.T) {
	s := newStack(t)
	ch := s.channel(fixtures[0])
	media := func() (int, string) {
		req, err := http.NewRequest("GET", s.srv.URL+"/v1/media/"+ch.ID.String()+"/1234567890", nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+s.token)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		defer res.Body.Close()
		var env struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.NewDecoder(res.Body).Decode(&env)
		return res.StatusCode, env.Error.Code
	}
	if status, _ := media(); status == http.StatusUnauthorized {
		t.Fatalf("an active user's media link: %d", status)
	}
	me := s.api("GET", "/v1/auth/me", nil, 200)["user"].(map[string]any)
	other := inbox.User{ID: uuid.New(), TenantID: s.tenant, FirstName: "Olga", Email: "olga@e2e.test", Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: time.Now()}
	must(t, s.st.CreateUser(context.Background(), other))
	_, err := s.svc.SetUserActive(context.Background(), auth.Principal{TenantID: s.tenant, UserID: other.ID, Role: auth.RoleAdmin},
		uuid.MustParse(me["id"].(string)), false)
	must(t, err)
	if status, code := media(); status != http.StatusUnauthorized || code != inbox.CodeUnauthorized {
		t.Errorf("a deactivated user's media link: %d %s, want 401 %s", status, code, inbox.CodeUnauthorized)
	}
}
