package provider

import "testing"

func TestHostAllowed(t *testing.T) {
	list := []string{"lookaside.fbsbx.com", "*.fbcdn.net", "127.0.0.1"}
	for host, want := range map[string]bool{
		"lookaside.fbsbx.com": true, "LOOKASIDE.fbsbx.com.": true, "scontent.xx.fbcdn.net": true, "127.0.0.1": true,
		"fbcdn.net": false, "evilfbcdn.net": false, "fbcdn.net.evil.com": false, "x.lookaside.fbsbx.com": false,
		"169.254.169.254": false, "localhost": false, "": false,
	} {
		if got := HostAllowed(host, list); got != want {
			t.Errorf("%q: %v, want %v", host, got, want)
		}
	}
}

func TestPathSegments(t *testing.T) {
	if p, err := PathSegments("photos/file 7.jpg"); err != nil || p != "photos/file%207.jpg" {
		t.Errorf("%q %v", p, err)
	}
	for _, bad := range []string{"../bot/getMe", "photos//x", "/abs", "a/./b", ""} {
		if _, err := PathSegments(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
