package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/teaminbox/teaminbox/internal/apikeys"
	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/inbox"
	"github.com/teaminbox/teaminbox/internal/twofactor"
)

// credentialStore is what a store keeps of the users' credentials.
type credentialStore interface {
	inbox.Store
	twofactor.Store
	apikeys.Store
}

// RunCredentials checks the store of second factors and API keys, with another tenant's
// rows beside to show none crosses over.
func RunCredentials(t *testing.T, open func(t testing.TB) inbox.Store) {
	t.Run("TwoFactor", func(t *testing.T) { testTwoFactor(t, open(t).(credentialStore)) })
	t.Run("APIKeys", func(t *testing.T) { testAPIKeys(t, open(t).(credentialStore)) })
}

// tenantUser stores a tenant with one admin.
func tenantUser(t *testing.T, st inbox.Store, email string) (tenant, user uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	tenant, user = id(), id()
	for _, err := range []error{
		st.CreateTenant(ctx, inbox.Tenant{ID: tenant, Name: email, CreatedAt: t0}),
		st.CreateUser(ctx, inbox.User{ID: user, TenantID: tenant, FirstName: "A", LastName: "B", Email: email, Role: auth.RoleAdmin, PasswordHash: "x", CreatedAt: t0}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return tenant, user
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testTwoFactor(t *testing.T, st credentialStore) {
	ctx := context.Background()
	tn, u := tenantUser(t, st, "a@x.example")
	other, ou := tenantUser(t, st, "b@x.example")

	_, err := st.GetTwoFactor(ctx, tn, u)
	wantErr(t, "get before setup", err, inbox.ErrNotFound)
	noErr(t, "save", st.SaveTwoFactorSecret(ctx, tn, u, []byte("sealed-1"), t0))
	noErr(t, "save again (pending)", st.SaveTwoFactorSecret(ctx, tn, u, []byte("sealed-2"), t0))
	noErr(t, "the other tenant's", st.SaveTwoFactorSecret(ctx, other, ou, []byte("other"), t0))
	got, err := st.GetTwoFactor(ctx, tn, u)
	noErr(t, "get pending", err)
	if diff := cmp.Diff(twofactor.State{Sealed: []byte("sealed-2")}, got); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	_, err = st.GetTwoFactor(ctx, other, u)
	wantErr(t, "get through another tenant", err, inbox.ErrNotFound)
	wantErr(t, "enable through another tenant", st.EnableTwoFactor(ctx, other, u, 100, nil, t0), inbox.ErrNotFound)

	noErr(t, "enable", st.EnableTwoFactor(ctx, tn, u, 100, []string{"h1", "h2", "h3"}, t0.Add(time.Minute)))
	got, err = st.GetTwoFactor(ctx, tn, u)
	noErr(t, "get enabled", err)
	enabled := t0.Add(time.Minute)
	if diff := cmp.Diff(twofactor.State{Sealed: []byte("sealed-2"), EnabledAt: &enabled, LastStep: 100, RecoveryCodes: 3}, got); diff != "" {
		t.Errorf("enabled (-want +got):\n%s", diff)
	}
	wantErr(t, "save while enabled", st.SaveTwoFactorSecret(ctx, tn, u, []byte("sealed-3"), t0), inbox.ErrDuplicate)
	wantErr(t, "enable twice", st.EnableTwoFactor(ctx, tn, u, 200, []string{"h9"}, t0), inbox.ErrNotFound)

	wantErr(t, "the enabling step", st.UseTwoFactorStep(ctx, tn, u, 100), inbox.ErrNotFound)
	wantErr(t, "an older step", st.UseTwoFactorStep(ctx, tn, u, 99), inbox.ErrNotFound)
	noErr(t, "a later step", st.UseTwoFactorStep(ctx, tn, u, 101))
	wantErr(t, "that step again", st.UseTwoFactorStep(ctx, tn, u, 101), inbox.ErrNotFound)
	wantErr(t, "a step through another tenant", st.UseTwoFactorStep(ctx, other, u, 500), inbox.ErrNotFound)
	wantErr(t, "a step of a pending secret", st.UseTwoFactorStep(ctx, other, ou, 500), inbox.ErrNotFound)

	noErr(t, "recovery code", st.UseRecoveryCode(ctx, tn, u, "h2", t0))
	wantErr(t, "recovery code again", st.UseRecoveryCode(ctx, tn, u, "h2", t0), inbox.ErrNotFound)
	wantErr(t, "unknown recovery code", st.UseRecoveryCode(ctx, tn, u, "h9", t0), inbox.ErrNotFound)
	wantErr(t, "recovery code through another tenant", st.UseRecoveryCode(ctx, other, u, "h1", t0), inbox.ErrNotFound)
	if got, _ := st.GetTwoFactor(ctx, tn, u); got.RecoveryCodes != 2 || got.LastStep != 101 {
		t.Errorf("after use: %+v", got)
	}

	wantErr(t, "disable a pending secret", st.DisableTwoFactor(ctx, other, ou), inbox.ErrNotFound)
	wantErr(t, "disable through another tenant", st.DisableTwoFactor(ctx, other, u), inbox.ErrNotFound)
	noErr(t, "disable", st.DisableTwoFactor(ctx, tn, u))
	_, err = st.GetTwoFactor(ctx, tn, u)
	wantErr(t, "get after disable", err, inbox.ErrNotFound)
	wantErr(t, "a recovery code after disable", st.UseRecoveryCode(ctx, tn, u, "h1", t0), inbox.ErrNotFound)
	noErr(t, "set up again", st.SaveTwoFactorSecret(ctx, tn, u, []byte("sealed-4"), t0))
	noErr(t, "enable again", st.EnableTwoFactor(ctx, tn, u, 300, []string{"h1"}, t0))
	if got, _ := st.GetTwoFactor(ctx, tn, u); got.RecoveryCodes != 1 || got.LastStep != 300 {
		t.Errorf("enabled again: %+v", got)
	}
}

func testAPIKeys(t *testing.T, st credentialStore) {
	ctx := context.Background()
	tn, u := tenantUser(t, st, "a@x.example")
	other, ou := tenantUser(t, st, "b@x.example")
	key := func(tenant, user uuid.UUID, name, hash string, at time.Time) apikeys.Key {
		k := apikeys.Key{ID: id(), TenantID: tenant, UserID: user, Name: name, Prefix: "tik_" + hash[:4], Hash: hash, Role: auth.RoleViewer, CreatedAt: at}
		noErr(t, "create "+name, st.CreateAPIKey(ctx, k))
		return k
	}
	k1 := key(tn, u, "one", "hash-one", t0)
	k2 := key(tn, u, "two", "hash-two", t0.Add(time.Second))
	ko := key(other, ou, "other", "hash-other", t0)
	wantErr(t, "a duplicate hash", st.CreateAPIKey(ctx, apikeys.Key{ID: id(), TenantID: tn, UserID: u, Name: "dup", Prefix: "p", Hash: "hash-one", Role: auth.RoleViewer, CreatedAt: t0}), inbox.ErrDuplicate)

	mine, err := st.ListAPIKeys(ctx, tn, u)
	noErr(t, "list", err)
	if diff := cmp.Diff([]apikeys.Key{k1, k2}, mine); diff != "" {
		t.Errorf("the user's keys (-want +got):\n%s", diff)
	}
	all, err := st.ListAPIKeys(ctx, other, uuid.Nil)
	noErr(t, "list the tenant", err)
	if diff := cmp.Diff([]apikeys.Key{ko}, all); diff != "" {
		t.Errorf("the other tenant's keys (-want +got):\n%s", diff)
	}
	if none, err := st.ListAPIKeys(ctx, other, u); err != nil || len(none) != 0 {
		t.Errorf("a user's keys through another tenant: %v %v", none, err)
	}

	got, err := st.GetAPIKey(ctx, tn, k1.ID)
	noErr(t, "get", err)
	if diff := cmp.Diff(k1, got); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}
	_, err = st.GetAPIKey(ctx, other, k1.ID)
	wantErr(t, "get through another tenant", err, inbox.ErrNotFound)
	byHash, err := st.GetAPIKeyByHash(ctx, "hash-two")
	noErr(t, "get by hash", err)
	if diff := cmp.Diff(k2, byHash); diff != "" {
		t.Errorf("get by hash (-want +got):\n%s", diff)
	}
	_, err = st.GetAPIKeyByHash(ctx, "hash-none")
	wantErr(t, "unknown hash", err, inbox.ErrNotFound)

	used := t0.Add(time.Hour)
	noErr(t, "touch", st.TouchAPIKey(ctx, k1.ID, used))
	if got, _ := st.GetAPIKey(ctx, tn, k1.ID); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("last used: %v", got.LastUsedAt)
	}
	wantErr(t, "touch an unknown key", st.TouchAPIKey(ctx, id(), used), inbox.ErrNotFound)

	wantErr(t, "delete through another tenant", st.DeleteAPIKey(ctx, other, k1.ID), inbox.ErrNotFound)
	noErr(t, "delete", st.DeleteAPIKey(ctx, tn, k1.ID))
	wantErr(t, "delete twice", st.DeleteAPIKey(ctx, tn, k1.ID), inbox.ErrNotFound)
	_, err = st.GetAPIKeyByHash(ctx, "hash-one")
	wantErr(t, "a deleted key by hash", err, inbox.ErrNotFound)
}
