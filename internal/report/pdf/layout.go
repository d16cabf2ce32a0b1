package pdf

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// emSize is the size text is shaped at, whatever its point size: advances come out in
// 1/64 of 1/emSize em, finer than the 1/1000 em a PDF places text by, and the longest
// paragraph stays far inside the 26.6 fixed-point range.
const emSize = 100

// glyphRun is text shaped in one font: glyph ids with advances and offsets, in visual
// (left-to-right) order, and the paragraph they came from, which their clusters index.
type glyphRun struct {
	file   *fontFile
	glyphs []shaping.Glyph
	text   []rune
	width  float64 // mm
	rtl    bool    // shaped right to left
}

// line is one laid-out line, its runs in visual order.
type line struct {
	runs  []glyphRun
	width float64 // mm
	rtl   bool    // of a right-to-left paragraph, so aligned right
}

// engine is a render's text machinery: it splits a paragraph by bidi level, script and
// font (segmenter), shapes each run (HarfBuzz port: Arabic joining, Devanagari conjuncts
// and reordering, emoji sequences) and breaks the result into lines, ordering each line's
// runs visually. Its parts keep buffers between paragraphs and are not safe for concurrent
// use, so each render has its own.
type engine struct {
	faces         *faces
	regular, bold *fontmap
	seg           shaping.Segmenter
	shaper        shaping.HarfbuzzShaper
	wrapper       shaping.LineWrapper
}

func newEngine() *engine {
	fs := newFaces()
	return &engine{faces: fs, regular: newFontmap(fs, sans), bold: newFontmap(fs, sansBold)}
}

// typesetter lays text out at one size and weight (bold applies to the sans font only).
type typesetter struct {
	eng  *engine
	size float64 // pt
	bold bool
}

// mm converts a shaped length to millimetres.
func (t *typesetter) mm(v fixed.Int26_6) float64 {
	return float64(v) / 64 / emSize * t.size / ptPerMM
}

// wrap lays paragraphs of text out in lines at most width wide.
func (t *typesetter) wrap(text string, width float64) []line {
	var lines []line
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lines = append(lines, t.wrapParagraph([]rune(clean(para)), width)...)
	}
	return lines
}

func (t *typesetter) wrapParagraph(text []rune, width float64) []line {
	if len(text) == 0 {
		return []line{{}}
	}
	fm := t.eng.regular
	if t.bold {
		fm = t.eng.bold
	}
	dir := direction(text)
	var runs []shaping.Output
	for _, in := range t.eng.seg.Split(shaping.Input{Text: text, RunEnd: len(text), Direction: dir, Size: fixed.I(emSize)}, fm) {
		for _, part := range respace(in, fm) {
			runs = append(runs, t.eng.shaper.Shape(part))
		}
	}
	limit := fixed.Int26_6(width * ptPerMM / t.size * emSize * 64)
	wrapped, _ := t.eng.wrapper.WrapParagraphF(shaping.WrapConfig{Direction: dir}, limit, text, shaping.NewSliceIterator(runs))
	lines := make([]line, 0, len(wrapped))
	for _, wl := range wrapped {
		slices.SortFunc(wl, func(a, b shaping.Output) int { return cmp.Compare(a.VisualIndex, b.VisualIndex) })
		l := line{runs: make([]glyphRun, 0, len(wl)), rtl: dir == di.DirectionRTL}
		for _, o := range wl {
			// The wrapper's lines share its buffers until the next paragraph.
			r := glyphRun{file: t.eng.faces.file[o.Face], glyphs: slices.Clone(o.Glyphs), text: text, width: t.mm(o.Advance),
				rtl: o.Direction.Progression() == di.TowardTopLeft}
			l.runs, l.width = append(l.runs, r), l.width+r.width
		}
		lines = append(lines, l)
	}
	return lines
}

// respace gives spaces between emoji back to the text font: the segmenter never changes font
// for a space, and the emoji font's is a full em wide.
func respace(in shaping.Input, fm *fontmap) []shaping.Input {
	if in.Face != fm.emoji() {
		return []shaping.Input{in}
	}
	var parts []shaping.Input
	start := in.RunStart
	for i := in.RunStart + 1; i <= in.RunEnd; i++ {
		space := unicode.IsSpace(in.Text[start])
		if i < in.RunEnd && unicode.IsSpace(in.Text[i]) == space {
			continue
		}
		part := in
		part.RunStart, part.RunEnd = start, i
		if space {
			part.Face = fm.fallback[0]
		}
		parts = append(parts, part)
		start = i
	}
	return parts
}

// direction is a paragraph's base direction: that of its first strong character outside
// isolates (Unicode bidi algorithm, rules P2 and P3), left to right when it has none.
func direction(text []rune) di.Direction {
	isolated := 0
	for _, r := range text {
		p, _ := bidi.LookupRune(r)
		switch c := p.Class(); {
		case c == bidi.LRI || c == bidi.RLI || c == bidi.FSI:
			isolated++
		case c == bidi.PDI && isolated > 0:
			isolated--
		case isolated > 0:
		case c == bidi.L:
			return di.DirectionLTR
		case c == bidi.R || c == bidi.AL:
			return di.DirectionRTL
		}
	}
	return di.DirectionLTR
}

// isolate keeps the direction of a name from reaching the text around it: after an Arabic
// name, "2026-11-20" would read as Arabic-context numbers, 20-11-2026.
func isolate(s string) string { return "\u2068" + s + "\u2069" }

// draw writes a line from x with its baseline placed as a cell of height h at y would have it.
func (t *typesetter) draw(d *document, l line, x, y, h float64, color [3]int) {
	baseline := y + h/2 + 0.3*t.size/ptPerMM
	for _, r := range l.runs {
		d.glyphs(r, x, baseline, t.size, color)
		x += r.width
	}
}
