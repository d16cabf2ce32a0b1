package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf16"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
)

// document is a small PDF writer with what a transcript needs: pages of filled rectangles,
// lines and shaped text, its fonts embedded as subsets. A general PDF library draws text
// character by character through a font's cmap, so it cannot show the glyphs a shaper picks
// (joined Arabic forms, Devanagari conjuncts, emoji sequences); here text is written as glyph
// ids (Type0 fonts, Identity-H), and a /ToUnicode map, or /ActualText where one glyph is not
// one piece of text, lets readers copy and search it.
//
// Coordinates are in millimetres from the top left of the page, as the layout thinks of them.
type document struct {
	title  string
	faces  *faces
	pages  []*bytes.Buffer
	page   *bytes.Buffer // the current page's content
	fonts  []*pdfFont    // in order of first use: /F1, /F2, …
	byFile map[*fontFile]*pdfFont
}

const (
	pageWidth, pageHeight = 210.0, 297.0 // A4
	ptPerMM               = 72 / 25.4
	lineWidth             = 0.2 * ptPerMM
)

func newDocument(title string, fs *faces) *document {
	return &document{title: title, faces: fs, byFile: map[*fontFile]*pdfFont{}}
}

func (d *document) addPage() {
	d.page = new(bytes.Buffer)
	d.pages = append(d.pages, d.page)
}

// rect fills a rectangle.
func (d *document) rect(x, y, w, h float64, c [3]int) {
	b := d.page
	color(b, c, "rg")
	nums(b, x*ptPerMM, (pageHeight-y-h)*ptPerMM, w*ptPerMM, h*ptPerMM)
	b.WriteString("re f\n")
}

// line strokes a thin line.
func (d *document) line(x1, y1, x2, y2 float64, c [3]int) {
	b := d.page
	color(b, c, "RG")
	nums(b, lineWidth)
	b.WriteString("w ")
	nums(b, x1*ptPerMM, (pageHeight-y1)*ptPerMM)
	b.WriteString("m ")
	nums(b, x2*ptPerMM, (pageHeight-y2)*ptPerMM)
	b.WriteString("l S\n")
}

// glyphs draws a shaped run from x on a baseline, at size points.
func (d *document) glyphs(r glyphRun, x, baseline, size float64, c [3]int) {
	f := d.font(r.file)
	b := d.page
	color(b, c, "rg")
	fmt.Fprintf(b, "BT /%s ", f.name)
	nums(b, size)
	b.WriteString("Tf 1 0 0 1 ")
	nums(b, x*ptPerMM, (pageHeight-baseline)*ptPerMM)
	b.WriteString("Tm\n")
	t := tj{b: b}
	// pen is where the shaper puts the next glyph; cur is where the PDF's text position is
	// after the glyphs shown so far, each advanced by its width in the font. Both are in
	// shaping units (1/emSize em) from the start of the run.
	var pen, cur, rise float64
	for i := 0; i < len(r.glyphs); {
		j := i + 1
		for j < len(r.glyphs) && r.glyphs[j].TextIndex() == r.glyphs[i].TextIndex() {
			j++
		}
		cluster := r.glyphs[i:j]
		start := cluster[0].TextIndex()
		text := r.text[start : start+cluster[0].RunesCount()]
		if bidiControls(text) || cluster[0].GlyphID == font.EmptyGlyph {
			// Directional marks have done their work in the layout, and a space the font
			// lacks is only its advance: nothing to draw.
			for _, g := range cluster {
				pen += float64(g.Advance) / 64
			}
			i = j
			continue
		}
		if r.rtl && len(text) > 1 {
			// Readers take the text of a right-to-left run as in visual order and reverse it,
			// a ligature's several characters too (lām-alif would come out as alif-lām).
			text = slices.Clone(text)
			slices.Reverse(text)
		}
		actual := !f.use(cluster, string(text))
		if actual {
			t.end()
			b.WriteString("/Span<</ActualText")
			hexText(b, string(text))
			b.WriteString(">>BDC\n")
		}
		for _, g := range cluster {
			x, y := pen+float64(g.XOffset)/64, float64(g.YOffset)/64
			pen += float64(g.Advance) / 64
			if y != rise {
				t.end()
				nums(b, y*size/emSize)
				b.WriteString("Ts\n")
				rise = y
			}
			// Text space counts in 1/1000 em; a difference under one unit is not worth the bytes.
			if adj := math.Round((x - cur) * 1000 / emSize); adj != 0 {
				t.kern(-adj)
				cur += adj * emSize / 1000
			}
			t.glyph(uint16(g.GlyphID))
			cur += float64(f.glyphs[g.GlyphID].width) * emSize / 1000
		}
		if actual {
			t.end()
			b.WriteString("EMC\n")
		}
		i = j
	}
	t.end()
	if rise != 0 { // the text rise outlives the text object
		b.WriteString("0 Ts ")
	}
	b.WriteString("ET\n")
}

func bidiControls(text []rune) bool {
	for _, r := range text {
		if !unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// tj writes glyphs and adjustments as TJ arrays, opening one when needed.
type tj struct {
	b         *bytes.Buffer
	arr, code bool // inside [ … ], inside < … >
}

func (t *tj) glyph(g uint16) {
	if !t.arr {
		t.b.WriteByte('[')
		t.arr = true
	}
	if !t.code {
		t.b.WriteByte('<')
		t.code = true
	}
	var h [4]byte
	t.b.Write(strconv.AppendUint(h[:0], uint64(g)|0x10000, 16)[1:])
}

func (t *tj) kern(n float64) {
	if !t.arr {
		t.b.WriteByte('[')
		t.arr = true
	}
	if t.code {
		t.b.WriteByte('>')
		t.code = false
	}
	t.b.WriteString(strconv.FormatFloat(n, 'f', -1, 64))
}

func (t *tj) end() {
	if t.code {
		t.b.WriteByte('>')
		t.code = false
	}
	if t.arr {
		t.b.WriteString("]TJ\n")
		t.arr = false
	}
}

// pdfFont is an embedded font and what the document has drawn with it.
type pdfFont struct {
	file   *fontFile
	face   *font.Face
	name   string // resource name
	glyphs map[font.GID]glyphUse
}

type glyphUse struct {
	width int    // advance in 1/1000 em, the PDF's /W
	text  string // what /ToUnicode maps it to; "" for none
}

func (d *document) font(file *fontFile) *pdfFont {
	f := d.byFile[file]
	if f == nil {
		f = &pdfFont{file: file, face: d.faces.of[file], name: fmt.Sprintf("F%d", len(d.fonts)+1), glyphs: map[font.GID]glyphUse{}}
		d.fonts = append(d.fonts, f)
		d.byFile[file] = f
	}
	return f
}

// use records a cluster's glyphs, and reports whether /ToUnicode can say its text: when it is
// one glyph (a letter, a ligature, a joined form) not mapped to other text yet. Several glyphs
// for one piece of text (a reordered i-matra and its consonant) need /ActualText.
func (f *pdfFont) use(cluster []shaping.Glyph, text string) bool {
	for _, g := range cluster {
		if _, ok := f.glyphs[g.GlyphID]; !ok {
			w := f.face.HorizontalAdvance(g.GlyphID) * 1000 / float32(f.file.font.Upem())
			f.glyphs[g.GlyphID] = glyphUse{width: int(math.Round(float64(w)))}
		}
	}
	if len(cluster) != 1 {
		return false
	}
	u := f.glyphs[cluster[0].GlyphID]
	if u.text == "" {
		u.text = text
		f.glyphs[cluster[0].GlyphID] = u
	}
	return u.text == text
}

// write puts the document out. Objects: 1 catalog, 2 page tree, 3 resources, 4 info, then a
// page and its content for each page, then five for each font.
func (d *document) write(w io.Writer) error {
	out := &objWriter{}
	out.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	firstPage := 5
	firstFont := firstPage + 2*len(d.pages)

	out.begin(1)
	out.buf.WriteString("<</Type/Catalog/Pages 2 0 R>>")
	out.end()

	out.begin(2)
	out.buf.WriteString("<</Type/Pages/Kids[")
	for i := range d.pages {
		fmt.Fprintf(&out.buf, "%d 0 R ", firstPage+2*i)
	}
	fmt.Fprintf(&out.buf, "]/Count %d>>", len(d.pages))
	out.end()

	out.begin(3)
	out.buf.WriteString("<</ProcSet[/PDF/Text]/Font<<")
	for i, f := range d.fonts {
		fmt.Fprintf(&out.buf, "/%s %d 0 R", f.name, firstFont+5*i)
	}
	out.buf.WriteString(">>>>")
	out.end()

	out.begin(4)
	out.buf.WriteString("<</Title")
	hexText(&out.buf, d.title)
	out.buf.WriteString("/Creator(teaminbox)/Producer(teaminbox)>>")
	out.end()

	for i, p := range d.pages {
		n := firstPage + 2*i
		out.begin(n)
		fmt.Fprintf(&out.buf, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 %.2f %.2f]/Resources 3 0 R/Contents %d 0 R>>",
			pageWidth*ptPerMM, pageHeight*ptPerMM, n+1)
		out.end()
		if err := out.stream(n+1, p.Bytes(), ""); err != nil {
			return err
		}
	}
	for i, f := range d.fonts {
		if err := f.write(out, firstFont+5*i); err != nil {
			return err
		}
	}
	_, err := w.Write(out.finish())
	return err
}

// write puts out the font as objects n (Type0 font) to n+4.
func (f *pdfFont) write(out *objWriter, n int) error {
	used := make([]font.GID, 0, len(f.glyphs))
	for g := range f.glyphs {
		used = append(used, g)
	}
	slices.Sort(used)
	// A subset's name starts with a tag of six capitals, different for different subsets.
	h := fnv.New32a()
	for _, g := range used {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	tag := make([]byte, 6)
	for i, v := 0, h.Sum32(); i < 6; i, v = i+1, v/26 {
		tag[i] = 'A' + byte(v%26)
	}
	base := string(tag) + "+" + f.file.name

	out.begin(n)
	fmt.Fprintf(&out.buf, "<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>", base, n+1, n+4)
	out.end()

	out.begin(n + 1)
	fmt.Fprintf(&out.buf, "<</Type/Font/Subtype/CIDFontType2/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/CIDToGIDMap/Identity/W[", base, n+2)
	for i, g := range used {
		if i == 0 || used[i-1] != g-1 {
			if i > 0 {
				out.buf.WriteString("]")
			}
			fmt.Fprintf(&out.buf, "%d[", g)
		} else {
			out.buf.WriteByte(' ')
		}
		out.buf.WriteString(strconv.Itoa(f.glyphs[g].width))
	}
	if len(used) > 0 {
		out.buf.WriteString("]")
	}
	out.buf.WriteString("]>>")
	out.end()

	hd := f.file.sfnt.head
	em := 1000 / float64(hd.Upem())
	out.begin(n + 2)
	fmt.Fprintf(&out.buf, "<</Type/FontDescriptor/FontName/%s/Flags 4/FontBBox[%.0f %.0f %.0f %.0f]/ItalicAngle 0/Ascent %.0f/Descent %.0f/CapHeight %.0f/StemV 80/FontFile2 %d 0 R>>",
		base, float64(hd.XMin)*em, float64(hd.YMin)*em, float64(hd.XMax)*em, float64(hd.YMax)*em,
		f.file.ascent, f.file.descent, f.file.capHeight, n+3)
	out.end()

	program := f.file.sfnt.subset(used)
	if err := out.stream(n+3, program, fmt.Sprintf("/Length1 %d", len(program))); err != nil {
		return err
	}
	return out.stream(n+4, f.toUnicode(used), "")
}

// toUnicode is the CMap from glyph ids to the text they stand for.
func (f *pdfFont) toUnicode(used []font.GID) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n" +
		"/CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n")
	var mapped []font.GID
	for _, g := range used {
		if f.glyphs[g].text != "" {
			mapped = append(mapped, g)
		}
	}
	for chunk := range slices.Chunk(mapped, 100) { // a bfchar block holds at most 100
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X><", g)
			hexUTF16(&b, f.glyphs[g].text)
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// objWriter numbers and places objects for the cross-reference table.
type objWriter struct {
	buf     bytes.Buffer
	offsets []int // of object n at n-1
	zw      *zlib.Writer
	z       bytes.Buffer
}

func (o *objWriter) begin(n int) {
	for len(o.offsets) < n {
		o.offsets = append(o.offsets, 0)
	}
	o.offsets[n-1] = o.buf.Len()
	fmt.Fprintf(&o.buf, "%d 0 obj\n", n)
}

func (o *objWriter) end() { o.buf.WriteString("\nendobj\n") }

// stream writes object n as a compressed stream, extra being more entries for its dictionary.
func (o *objWriter) stream(n int, data []byte, extra string) error {
	o.z.Reset()
	if o.zw == nil {
		o.zw = zlib.NewWriter(&o.z)
	} else {
		o.zw.Reset(&o.z)
	}
	if _, err := o.zw.Write(data); err != nil {
		return fmt.Errorf("compress stream: %w", err)
	}
	if err := o.zw.Close(); err != nil {
		return fmt.Errorf("compress stream: %w", err)
	}
	o.begin(n)
	fmt.Fprintf(&o.buf, "<</Length %d/Filter/FlateDecode%s>>\nstream\n", o.z.Len(), extra)
	o.buf.Write(o.z.Bytes())
	o.buf.WriteString("\nendstream")
	o.end()
	return nil
}

func (o *objWriter) finish() []byte {
	xref := o.buf.Len()
	fmt.Fprintf(&o.buf, "xref\n0 %d\n0000000000 65535 f \n", len(o.offsets)+1)
	for _, off := range o.offsets {
		fmt.Fprintf(&o.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&o.buf, "trailer\n<</Size %d/Root 1 0 R/Info 4 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(o.offsets)+1, xref)
	return o.buf.Bytes()
}

// nums writes numbers, each followed by a space, with at most two decimals.
func nums(b *bytes.Buffer, vs ...float64) {
	var s [32]byte
	for _, v := range vs {
		out := strconv.AppendFloat(s[:0], math.Round(v*100)/100, 'f', -1, 64)
		if string(out) == "-0" {
			out = out[1:]
		}
		b.Write(out)
		b.WriteByte(' ')
	}
}

func color(b *bytes.Buffer, c [3]int, op string) {
	for _, v := range c {
		b.WriteString(strconv.FormatFloat(math.Round(float64(v)/255*1000)/1000, 'f', -1, 64))
		b.WriteByte(' ')
	}
	b.WriteString(op)
	b.WriteByte(' ')
}

// hexText writes s as a PDF text string: UTF-16BE with a byte-order mark, in hex.
func hexText(b *bytes.Buffer, s string) {
	b.WriteString("<FEFF")
	hexUTF16(b, s)
	b.WriteString(">")
}

func hexUTF16(b *bytes.Buffer, s string) {
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(b, "%04X", u)
	}
}
