package pdf

import (
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
)

// run is text drawn in one font.
type run struct {
	family string
	text   string
	width  float64
}

// line is one laid-out line.
type line struct {
	runs  []run
	width float64
}

// typesetter splits text into runs by font coverage and wraps it to a width. There is no
// shaping: joined scripts (Arabic, Devanagari conjuncts) show their letters unjoined.
type typesetter struct {
	pdf   *fpdf.Fpdf
	size  float64
	style string // "" or "B" (bold applies to the sans font only)
	buf   sfnt.Buffer
}

func (t *typesetter) family(f *face) string {
	if t.style == "B" && f == fallback[0] {
		return "sans-bold"
	}
	return f.family
}

func (t *typesetter) measure(family, text string) float64 {
	t.pdf.SetFont(family, "", t.size)
	return t.pdf.GetStringWidth(text)
}

// runs splits s into same-font runs.
func (t *typesetter) runs(s string) []run {
	var out []run
	var cur strings.Builder
	fam := ""
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, run{family: fam, text: cur.String(), width: t.measure(fam, cur.String())})
			cur.Reset()
		}
	}
	for _, r := range s {
		if r = printable(r); r < 0 {
			continue
		}
		f := fam
		if !unicode.IsSpace(r) || fam == "" {
			f = t.family(faceFor(r, &t.buf))
		}
		if f != fam {
			flush()
			fam = f
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// wrap lays paragraphs of text out in lines at most width wide.
func (t *typesetter) wrap(text string, width float64) []line {
	var lines []line
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lines = append(lines, t.wrapParagraph(para, width)...)
	}
	return lines
}

func (t *typesetter) wrapParagraph(para string, width float64) []line {
	var lines []line
	var cur line
	emit := func() {
		lines = append(lines, cur)
		cur = line{}
	}
	for _, word := range splitWords(para) {
		rs := t.runs(word)
		w := 0.0
		for _, r := range rs {
			w += r.width
		}
		if cur.width+w <= width || (cur.width == 0 && w <= width) {
			cur.runs, cur.width = append(cur.runs, rs...), cur.width+w
			continue
		}
		if strings.TrimSpace(word) == "" {
			continue // a space at the end of a line
		}
		if len(cur.runs) > 0 {
			emit()
		}
		if w <= width {
			cur.runs, cur.width = rs, w
			continue
		}
		// A word longer than the line (a URL, say) breaks between characters.
		for _, r := range rs {
			for _, ch := range r.text {
				cw := t.measure(r.family, string(ch))
				if cur.width+cw > width && len(cur.runs) > 0 {
					emit()
				}
				cur.runs, cur.width = appendRune(cur.runs, r.family, ch, cw), cur.width+cw
			}
		}
	}
	if len(cur.runs) > 0 || len(lines) == 0 {
		emit()
	}
	return lines
}

func appendRune(runs []run, family string, ch rune, w float64) []run {
	if n := len(runs); n > 0 && runs[n-1].family == family {
		runs[n-1].text += string(ch)
		runs[n-1].width += w
		return runs
	}
	return append(runs, run{family: family, text: string(ch), width: w})
}

// splitWords splits s into words, each keeping its trailing spaces.
func splitWords(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == ' ' && i+1 < len(s) && s[i+1] != ' ' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// draw writes a line at (x, y).
func (t *typesetter) draw(l line, x, y, h float64) {
	for _, r := range l.runs {
		t.pdf.SetFont(r.family, "", t.size)
		t.pdf.SetXY(x, y)
		t.pdf.CellFormat(r.width, h, r.text, "", 0, "L", false, 0, "")
		x += r.width
	}
}
