package pdf

import (
	"embed"
	"fmt"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// The Noto fonts (SIL Open Font License, fonts/LICENSE-OFL.txt) are embedded so a build never
// needs a system font. Sans covers Latin, Cyrillic, Greek and ₹; the others add scripts it lacks.
//
//go:embed fonts/*.ttf
var fontFiles embed.FS

// face is one embedded font: its fpdf family name and its glyph coverage.
type face struct {
	family string
	file   string
	font   *sfnt.Font
}

// fallback is the order in which a rune's font is chosen; the first covers most text.
var fallback = []*face{
	{family: "sans", file: "NotoSans-Regular.ttf"},
	{family: "devanagari", file: "NotoSansDevanagari-Regular.ttf"},
	{family: "arabic", file: "NotoSansArabic-Regular.ttf"},
	{family: "hebrew", file: "NotoSansHebrew-Regular.ttf"},
}

const boldFile = "NotoSans-Bold.ttf"

var (
	loadOnce sync.Once
	loadErr  error
	fontData = map[string][]byte{}
)

func loadFonts() error {
	loadOnce.Do(func() {
		for _, name := range []string{boldFile, fallback[0].file, fallback[1].file, fallback[2].file, fallback[3].file} {
			b, err := fontFiles.ReadFile("fonts/" + name)
			if err != nil {
				loadErr = fmt.Errorf("read font %s: %w", name, err)
				return
			}
			fontData[name] = b
		}
		for _, f := range fallback {
			if f.font, loadErr = sfnt.Parse(fontData[f.file]); loadErr != nil {
				loadErr = fmt.Errorf("parse font %s: %w", f.file, loadErr)
				return
			}
		}
	})
	return loadErr
}

// faceFor picks the first font that has a glyph for r.
func faceFor(r rune, buf *sfnt.Buffer) *face {
	for _, f := range fallback {
		if i, err := f.font.GlyphIndex(buf, r); err == nil && i != 0 {
			return f
		}
	}
	return fallback[0]
}

// printable maps what the PDF engine cannot take to something it can: fpdf's UTF-8 fonts
// stop at U+FFFF (a rune above it, an emoji say, would panic), and control characters have
// no glyph.
func printable(r rune) rune {
	switch {
	case r > 0xFFFF:
		return '\uFFFD'
	case r == '\t':
		return ' '
	case r < 0x20 || (r >= 0x7F && r < 0xA0):
		return -1
	}
	return r
}
