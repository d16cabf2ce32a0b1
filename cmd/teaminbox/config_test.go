package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownVariableWarnedAtStart loads a command's settings, as every subcommand does,
// with a misspelt TEAMINBOX_ variable set: stderr's log names it.
func TestUnknownVariableWarnedAtStart(t *testing.T) {
	t.Setenv("TEAMINBOX_TYPING_TIMOUT", "3s")
	t.Setenv("TEAMINBOX_DATA", t.TempDir())
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	realStderr, realLogger := os.Stderr, slog.Default()
	os.Stderr = stderr
	_, err = loadConfig("migrate", nil, nil)
	os.Stderr = realStderr
	slog.SetDefault(realLogger)
	if err != nil {
		t.Fatal(err)
	}
	logged, err := os.ReadFile(stderr.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), `"level":"WARN"`) || !strings.Contains(string(logged), `"variable":"TEAMINBOX_TYPING_TIMOUT"`) {
		t.Errorf("no warning about TEAMINBOX_TYPING_TIMOUT on stderr: %q", logged)
	}
}
