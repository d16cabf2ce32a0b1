package pdf

import (
	"bytes"
	"testing"

	"github.com/go-text/typesetting/font"
)

// TestSubset subsets Noto Sans to the glyphs of "Aé" and reads the font program back: those
// glyphs, and the ones é is composed of, keep their ids and outlines; the others are empty.
func TestSubset(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	gid := func(r rune) font.GID { g, _ := sans.font.NominalGlyph(r); return g }
	a, e, z := gid('A'), gid('é'), gid('Z')
	parts := components(sans.sfnt.glyph(e))
	if len(parts) == 0 {
		t.Fatal("é is not a composite glyph in this font; the test needs one")
	}
	program := sans.sfnt.subset([]font.GID{a, e})
	sub, err := parseSfnt(program)
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	if len(sub.loca) != len(sans.sfnt.loca) {
		t.Errorf("%d glyphs in the subset, %d in the font", len(sub.loca)-1, len(sans.sfnt.loca)-1)
	}
	for _, g := range append([]font.GID{0, a, e}, parts...) {
		if got := sub.glyph(g); len(got) == 0 || !bytes.Equal(bytes.TrimRight(got, "\x00"), bytes.TrimRight(sans.sfnt.glyph(g), "\x00")) {
			t.Errorf("glyph %d: %d bytes in the subset, not the font's %d", g, len(got), len(sans.sfnt.glyph(g)))
		}
	}
	if n := len(sub.glyph(z)); n != 0 {
		t.Errorf("an unused glyph kept its outline (%d bytes)", n)
	}
	if len(program) > len(sans.sfnt.glyf)/10 {
		t.Errorf("the subset is %d bytes, the font's outlines %d", len(program), len(sans.sfnt.glyf))
	}
}
