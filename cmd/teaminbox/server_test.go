package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testServer is `teaminbox serve` running in the test's process, configured as a new user
// runs it: an empty data folder (SQLite, the demo tenant, a generated JWT secret), here on
// a free port of 127.0.0.1.
type testServer struct {
	host string // 127.0.0.1:PORT
	base string // http://127.0.0.1:PORT
}

func startServer(t *testing.T) *testServer { return startServerWith(t, nil) }

// startServerWith is startServer with these variables set besides.
func startServerWith(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := ln.Addr().String()
	ln.Close()
	// The environment the commands read; the flags keep their defaults, as in the docs.
	for k, v := range map[string]string{"TEAMINBOX_DATA": t.TempDir(), "TEAMINBOX_ADDR": host, "TEAMINBOX_LOG_LEVEL": "warn",
		"DATABASE_URL": "", "NATS_URL": "", "TEAMINBOX_PUBLIC_URL": "", "TEAMINBOX_JWT_SECRET": "", "TEAMINBOX_DEMO": "",
		"TEAMINBOX_DEMO_PASSWORD": "", "TEAMINBOX_SIGNUP": ""} {
		t.Setenv(k, v)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	s := &testServer{host: host, base: "http://" + host}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("serve stopped before it was ready: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not become ready in 2 minutes")
		}
	}
}

// token is what `teaminbox token --role ROLE` prints.
func (s *testServer) token(t *testing.T, role string) string {
	t.Helper()
	var out bytes.Buffer
	if err := writeToken(context.Background(), &out, []string{"--role", role}); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// answer is a decoded response.
type answer struct {
	status int
	body   map[string]any
}

// call sends a JSON request and decodes the answer.
func (s *testServer) call(t *testing.T, method, path, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&a.body); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// data is the answer's data object; the test fails unless the status is want.
func (a answer) data(t *testing.T, want int, what string) map[string]any {
	t.Helper()
	if a.status != want {
		t.Fatalf("%s: status %d, want %d: %v", what, a.status, want, a.body)
	}
	d, _ := a.body["data"].(map[string]any)
	return d
}
