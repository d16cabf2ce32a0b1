package pdf

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
)

// The Noto fonts (SIL Open Font License: fonts/LICENSE-OFL.txt, and for Noto Emoji
// fonts/LICENSE-NotoEmoji-OFL.txt) are embedded so a build never needs a system font. Sans
// covers Latin, Cyrillic, Greek and ₹; the others add scripts it lacks, and symbols (Symbols2:
// ✓, ★, ●, ☐; Math: arrows, ≠, ≤, ∞). Noto Emoji is the black-and-white outline font, the
// static Regular instance Google Fonts serves (v64, from the npm package
// @expo-google-fonts/noto-emoji 0.4.7): colour emoji fonts are bitmaps or layered paints that a
// PDF font cannot carry.
//
//go:embed fonts/*.ttf
var fontFiles embed.FS

// fontFile is one embedded font, parsed once and shared by every render.
type fontFile struct {
	name                       string     // PostScript-style name, from the file name
	font                       *font.Font // safe for concurrent use; each render makes its own Face
	sfnt                       *sfnt
	ascent, descent, capHeight float64 // in 1/1000 em
}

var (
	sans       = &fontFile{name: "NotoSans-Regular"}
	sansBold   = &fontFile{name: "NotoSans-Bold"}
	devanagari = &fontFile{name: "NotoSansDevanagari-Regular"}
	arabic     = &fontFile{name: "NotoSansArabic-Regular"}
	hebrew     = &fontFile{name: "NotoSansHebrew-Regular"}
	symbols    = &fontFile{name: "NotoSansSymbols2-Regular"}
	mathSyms   = &fontFile{name: "NotoSansMath-Regular"}
	emoji      = &fontFile{name: "NotoEmoji-Regular"}

	allFonts = []*fontFile{sans, sansBold, devanagari, arabic, hebrew, symbols, mathSyms, emoji}

	loadOnce sync.Once
	loadErr  error
)

func loadFonts() error {
	loadOnce.Do(func() {
		for _, f := range allFonts {
			if loadErr = f.load(); loadErr != nil {
				return
			}
		}
	})
	return loadErr
}

func (f *fontFile) load() error {
	b, err := fontFiles.ReadFile("fonts/" + f.name + ".ttf")
	if err != nil {
		return fmt.Errorf("read font %s: %w", f.name, err)
	}
	if f.sfnt, err = parseSfnt(b); err != nil {
		return fmt.Errorf("parse font %s: %w", f.name, err)
	}
	face, err := font.ParseTTF(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("parse font %s: %w", f.name, err)
	}
	f.font = face.Font
	em := 1000 / float64(f.font.Upem())
	ext, _ := face.FontHExtents()
	f.ascent, f.descent = float64(ext.Ascender)*em, float64(ext.Descender)*em
	f.capHeight = f.ascent // for a font without an H
	if g, ok := f.font.NominalGlyph('H'); ok {
		if h, ok := face.GlyphExtents(g); ok {
			f.capHeight = float64(h.YBearing) * em
		}
	}
	return nil
}

// faces are a render's fonts. A font.Face caches lookups and is not safe for concurrent use,
// so each render has its own.
type faces struct {
	file map[*font.Face]*fontFile
	of   map[*fontFile]*font.Face
}

func newFaces() *faces {
	fs := &faces{file: map[*font.Face]*fontFile{}, of: map[*fontFile]*font.Face{}}
	for _, f := range allFonts {
		face := font.NewFace(f.font)
		fs.file[face], fs.of[f] = f, face
	}
	return fs
}

// fontmap picks the font of each rune for the shaper: the emoji font for pictographs, the
// font of the run's script when it has the glyph (so spaces and punctuation inside Arabic or
// Devanagari text shape with it), else the first font of the fallback order that has it.
type fontmap struct {
	fallback []*font.Face // text font first, emoji last
	byScript map[language.Script]*font.Face
	script   language.Script
}

func newFontmap(fs *faces, text *fontFile) *fontmap {
	return &fontmap{
		fallback: []*font.Face{fs.of[text], fs.of[devanagari], fs.of[arabic], fs.of[hebrew], fs.of[symbols], fs.of[mathSyms], fs.of[emoji]},
		byScript: map[language.Script]*font.Face{
			language.Devanagari: fs.of[devanagari],
			language.Arabic:     fs.of[arabic],
			language.Hebrew:     fs.of[hebrew],
		},
	}
}

func (m *fontmap) SetScript(s language.Script) { m.script = s }

func (m *fontmap) ResolveFace(r rune) *font.Face {
	// Pictographs past U+1F000 are emoji first: Symbols2 has a 👍 too, and 👍🏽 split across
	// two fonts would not form.
	if r >= 0x1F000 {
		if _, ok := m.emoji().NominalGlyph(r); ok {
			return m.emoji()
		}
	}
	if f := m.byScript[m.script]; f != nil {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	for _, f := range m.fallback {
		if _, ok := f.NominalGlyph(r); ok {
			return f
		}
	}
	return m.fallback[0] // its .notdef box shows that something is missing
}

func (m *fontmap) emoji() *font.Face { return m.fallback[len(m.fallback)-1] }

// clean drops what has no glyph in any font (control characters) and turns tabs into spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || (r >= 0x7F && r < 0xA0):
			return -1
		}
		return r
	}, s)
}
