package qrsvg

import (
	"regexp"
	"strings"
	"testing"
)

// TestEncode: a version 1 code (21 modules) for a short text, with its quiet zone, its three
// finder patterns' corners dark, and the border light.
func TestEncode(t *testing.T) {
	svg, err := Encode("HELLO")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"`) {
		t.Fatalf("svg %.120s: want a 21-module code with a border of 4", svg)
	}
	dark := map[string]bool{}
	for _, m := range regexp.MustCompile(`M(\d+ \d+)h`).FindAllStringSubmatch(svg, -1) {
		dark[m[1]] = true
	}
	for _, corner := range []string{"4 4", "24 4", "4 24", "10 10"} {
		if !dark[corner] {
			t.Errorf("module %s of a finder pattern is light", corner)
		}
	}
	for _, border := range []string{"0 0", "3 3", "25 25", "28 4"} {
		if dark[border] {
			t.Errorf("module %s of the quiet zone is dark", border)
		}
	}
	if _, err := Encode(strings.Repeat("x", 5000)); err == nil {
		t.Error("text too long for a QR code: no error")
	}
}
