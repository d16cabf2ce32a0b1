package auth

import "testing"

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		email, password string
		ok              bool
	}{
		{"a@b.example", "correct horse", true},
		{"a@b.example", "short", false},
		{"a@b.example", "ééééééééé", false},                   // 9 characters, 18 bytes
		{"a@b.example", "aaaaaaaaaaaa", false},                // one character repeated
		{"long.name@x.example", "Long.Name@X.example", false}, // the email, any case
		{"", "ten chars!", true},
	} {
		if err := CheckPassword(tc.email, tc.password); (err == nil) != tc.ok {
			t.Errorf("CheckPassword(%q, %q) = %v, want ok=%v", tc.email, tc.password, err, tc.ok)
		}
	}
}
