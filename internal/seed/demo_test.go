package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/teaminbox/teaminbox/internal/auth"
	"github.com/teaminbox/teaminbox/internal/seed"
	"github.com/teaminbox/teaminbox/internal/store/storetest"
)

// TestDemoPasswordsAreRandom: each installation's demo users get random passwords of their
// own, returned once (a second run creates nothing and returns none); a given password is
// everyone's, for tests and benchmarks.
func TestDemoPasswordsAreRandom(t *testing.T) {
	ctx := context.Background()
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1)
	seen := map[string]bool{}
	for install := range 2 {
		st := storetest.OpenSQLite(t)
		passwords, err := seed.Demo(ctx, st, h, time.Now(), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(passwords) != len(auth.Roles) {
			t.Fatalf("install %d: passwords %v", install, passwords)
		}
		for _, r := range auth.Roles {
			pw := passwords[r]
			if len(pw) != 16 || seen[pw] {
				t.Errorf("install %d, %s: password %q is short or not new", install, r, pw)
			}
			seen[pw] = true
			u, err := st.GetUser(ctx, seed.DemoTenantID, seed.DemoUserID(r))
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Check(ctx, u.PasswordHash, pw); err != nil {
				t.Errorf("%s's password does not match its hash: %v", r, err)
			}
		}
		if again, err := seed.Demo(ctx, st, h, time.Now(), ""); err != nil || again != nil {
			t.Errorf("second run: %v, %v; want nothing created and no passwords", again, err)
		}
	}
	st := storetest.OpenSQLite(t)
	passwords, err := seed.Demo(ctx, st, h, time.Now(), "for-benchmarks")
	if err != nil || passwords[auth.RoleViewer] != "for-benchmarks" || passwords[auth.RoleAdmin] != "for-benchmarks" {
		t.Errorf("given password: %v, %v", passwords, err)
	}
}
