package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/go-text/typesetting/font"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// renderFile renders th into a file and returns its bytes and path.
func renderFile(t *testing.T, th Thread) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, th); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "thread.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), path
}

// poppler runs a poppler-utils tool, skipping the test where it is not installed.
func poppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s is not installed (Debian poppler-utils; .ci/run installs it)", tool)
	}
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

// extract renders th and returns the PDF's text (pdftotext) and page count (pdfinfo).
func extract(t *testing.T, th Thread) (string, int) {
	t.Helper()
	_, path := renderFile(t, th)
	text := poppler(t, "pdftotext", "-enc", "UTF-8", path, "-")
	info := poppler(t, "pdfinfo", path)
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", info)
	}
	pages, _ := strconv.Atoi(m[1])
	return text, pages
}

func sample() Thread {
	return Thread{
		Title: "Conversation with Carla Díaz", Contact: ContactInfo{Name: "Carla Díaz", Phone: "+34600111222", Email: "carla@example.com"},
		Channel: "whatsapp", Status: "active", Assignee: "Alex Johnson", Team: "Support",
		CreatedAt: t0, LastMessageAt: t0.Add(time.Hour), ExportedAt: t0.Add(2 * time.Hour),
		Messages: []Message{
			{At: t0, Direction: "in", Author: "Carla Díaz", Text: "Hola, where is my parcel?", Attachments: []string{"receipt.jpg"}},
			{At: t0.Add(time.Minute), Direction: "note", Author: "Alex Johnson", Text: "Check the courier", Internal: true},
			{At: t0.Add(2 * time.Minute), Direction: "out", Author: "Alex Johnson", Text: "It ships today.", Status: "read"},
			{At: t0.Add(3 * time.Minute), Direction: "system", Author: "System", Text: "Alex Johnson closed the conversation"},
		},
	}
}

func TestRenderTranscript(t *testing.T) {
	text, pages := extract(t, sample())
	for _, want := range []string{"Conversation with Carla Díaz", "+34600111222", "carla@example.com", "whatsapp", "Alex Johnson", "Support",
		"2026-11-20 09:30 UTC", "Hola, where is my parcel?", "receipt.jpg", "Internal note", "Check the courier", "It ships today.", "read",
		"closed the conversation", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if pages != 1 {
		t.Errorf("%d pages, want 1", pages)
	}
}

func TestRenderScripts(t *testing.T) {
	th := sample()
	th.Messages = []Message{
		{At: t0, Direction: "in", Author: "Иван", Text: "Здравствуйте, где мой заказ? Καλημέρα ₹500 €20"},
		{At: t0, Direction: "in", Author: "Raj", Text: "नमस्ते क्षत्रिय कि हिंदी done"},
		{At: t0, Direction: "in", Author: "Omar", Text: "مرحبا بكم، لا shalom שלום"},
	}
	text, _ := extract(t, th)
	for _, want := range []string{"Здравствуйте, где мой заказ?", "Καλημέρα", "₹500", "€20", "done", "shalom",
		"नमस्ते", "क्षत्रिय", "कि", "हिंदी", "مرحبا", "بكم", "لا", "שלום"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
}

// TestRenderShapes checks the glyphs drawn, through the PDF's /ToUnicode maps (which list
// each glyph drawn with the text it stands for): Arabic letters in their joined forms, not
// the isolated ones a font maps characters to, and a Devanagari conjunct as one glyph.
func TestRenderShapes(t *testing.T) {
	th := sample()
	th.Messages = []Message{
		{At: t0, Direction: "in", Author: "Omar", Text: "مرحبا"},
		{At: t0, Direction: "in", Author: "Raj", Text: "क्षमा"},
	}
	pdf, _ := renderFile(t, th)
	fonts := toUnicode(t, pdf)
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	drawn := fonts[arabic.name]
	for _, letter := range "مرحبا" {
		nominal, _ := arabic.font.NominalGlyph(letter)
		var joined bool
		for g, text := range drawn {
			joined = joined || (text == string(letter) && g != nominal)
		}
		if !joined {
			t.Errorf("%q is drawn only in its isolated form (glyph %d): %v", letter, nominal, drawn)
		}
	}
	if !slices.Contains(slices.Collect(maps.Values(fonts[devanagari.name])), "क्ष") {
		t.Errorf("क्ष is not drawn as one conjunct glyph: %v", fonts[devanagari.name])
	}
}

// TestRenderRightToLeft reads back where the words are: an Arabic paragraph runs from the
// right edge of its block, its first word rightmost, and the number inside it keeps its digits'
// order; an Arabic author's name leaves the date after it alone.
func TestRenderRightToLeft(t *testing.T) {
	th := sample()
	th.Messages = []Message{{At: t0, Direction: "in", Author: "عمر", Text: "مرحبا بكم 123"}}
	_, path := renderFile(t, th)
	words := map[string]float64{}
	for _, m := range regexp.MustCompile(`<word xMin="([\d.]+)"[^>]*>([^<]*)</word>`).FindAllStringSubmatch(poppler(t, "pdftotext", "-bbox", path, "-"), -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		words[m[2]] = x
		r := []rune(m[2]) // the tool gives a right-to-left word's letters in visual order
		slices.Reverse(r)
		words[string(r)] = x
	}
	first, second, number := words["مرحبا"], words["بكم"], words["123"]
	if first == 0 || second == 0 || number == 0 {
		t.Fatalf("words missing: %v", words)
	}
	if !(first > second && second > number) {
		t.Errorf("not laid out right to left: مرحبا at %v, بكم at %v, 123 at %v", first, second, number)
	}
	if right := (margin + 0.78*(pageWidth-2*margin)) * ptPerMM; first < right*0.8 {
		t.Errorf("the paragraph is not aligned right: its first word at %v of a block ending at %v", first, right)
	}
	if _, ok := words["20-11-2026"]; ok {
		t.Errorf("the date after the author's name reads right to left: %v", words)
	}
}

// TestRenderEmoji checks that emoji come from the emoji font, a sequence (a skin tone, a
// family joined by ZWJ) as one glyph, and read back as the characters they were.
func TestRenderEmoji(t *testing.T) {
	th := sample()
	th.Messages = []Message{{At: t0, Direction: "in", Author: "A", Text: "ok 😀 👍🏽 👨‍👩‍👧 done"}}
	pdf, path := renderFile(t, th)
	drawn := slices.Collect(maps.Values(toUnicode(t, pdf)[emoji.name]))
	for _, e := range []string{"😀", "👍🏽", "👨‍👩‍👧"} {
		if !slices.Contains(drawn, e) {
			t.Errorf("%q is not one glyph of the emoji font: %q", e, drawn)
		}
	}
	if text := poppler(t, "pdftotext", "-enc", "UTF-8", path, "-"); !strings.Contains(text, "ok 😀 👍🏽 👨‍👩‍👧 done") {
		t.Errorf("the emoji do not read back:\n%s", text)
	}
}

// TestRenderSymbols checks that symbols the text font lacks come from the symbol fonts, not as
// empty boxes, and read back.
func TestRenderSymbols(t *testing.T) {
	th := sample()
	th.Messages = []Message{{At: t0, Direction: "in", Author: "A", Text: "done ✓ → ≠ ★ ₹5"}}
	pdf, path := renderFile(t, th)
	fonts := toUnicode(t, pdf)
	for file, want := range map[*fontFile][]string{sans: {"₹"}, symbols: {"✓", "★"}, mathSyms: {"→", "≠"}} {
		drawn := slices.Collect(maps.Values(fonts[file.name]))
		for _, w := range want {
			if !slices.Contains(drawn, w) {
				t.Errorf("%s is not drawn from %s: %q", w, file.name, drawn)
			}
		}
	}
	if text := poppler(t, "pdftotext", "-enc", "UTF-8", path, "-"); !strings.Contains(text, "done ✓ → ≠ ★ ₹5") {
		t.Errorf("the symbols do not read back:\n%s", text)
	}
}

// TestLayoutEmojiSpaces checks that a space between emoji is the text font's, not the emoji
// font's em-wide one.
func TestLayoutEmojiSpaces(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{eng: newEngine(), size: bodySize}
	var files []string
	for _, r := range ts.wrap("😀 😀", 100)[0].runs {
		files = append(files, r.file.name)
	}
	if want := []string{emoji.name, sans.name, emoji.name}; !slices.Equal(files, want) {
		t.Errorf("runs in %v, want %v", files, want)
	}
}

// TestLayoutReordersIMatra checks the shaping of कि: the vowel sign ि, written after its
// consonant, is drawn before it.
func TestLayoutReordersIMatra(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	ts := &typesetter{eng: newEngine(), size: bodySize}
	lines := ts.wrap("कि", 100)
	if len(lines) != 1 || len(lines[0].runs) != 1 || len(lines[0].runs[0].glyphs) != 2 {
		t.Fatalf("want one run of two glyphs: %+v", lines)
	}
	gs := lines[0].runs[0].glyphs
	ka, _ := devanagari.font.NominalGlyph('क')
	if gs[0].GlyphID == ka || gs[1].GlyphID != ka {
		t.Errorf("glyphs %d %d: क (%d) should come second, after the vowel sign", gs[0].GlyphID, gs[1].GlyphID, ka)
	}
}

func TestRenderLongThreadAndMessage(t *testing.T) {
	th := sample()
	th.Messages = nil
	for i := range 300 {
		th.Messages = append(th.Messages, Message{At: t0.Add(time.Duration(i) * time.Minute), Direction: []string{"in", "out"}[i%2], Author: "A", Text: fmt.Sprintf("message number %d", i)})
	}
	long := strings.Repeat("lorem ipsum dolor sit amet ", 740) + "THE-END " + strings.Repeat("x", 300)
	th.Messages = append(th.Messages, Message{At: t0, Direction: "in", Author: "A", Text: long})
	text, pages := extract(t, th)
	if pages < 5 {
		t.Errorf("%d pages for 300 messages", pages)
	}
	if !strings.Contains(text, fmt.Sprintf("Page 1 of %d", pages)) || !strings.Contains(text, fmt.Sprintf("Page %d of %d", pages, pages)) {
		t.Errorf("page footers missing")
	}
	for _, want := range []string{"message number 0", "message number 299", "THE-END"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if n := strings.Count(text, "lorem"); n != 740 {
		t.Errorf("the long message lost words: %d of 740", n)
	}
}

func TestRenderEmpty(t *testing.T) {
	th := sample()
	th.Messages = nil
	if text, _ := extract(t, th); !strings.Contains(text, "No messages") {
		t.Errorf("empty thread: %s", text)
	}
}

// TestRenderConcurrently renders from several goroutines, as the server does (run it with
// -race): each render has its own shaper and font faces, the parsed fonts are shared.
func TestRenderConcurrently(t *testing.T) {
	th := sample()
	th.Messages = append(th.Messages, Message{At: t0, Direction: "in", Author: "Omar", Text: "مرحبا क्षत्रिय 😀"})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := Render(io.Discard, th); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkRender1000 renders a 1,000-message thread written in several scripts, so every
// embedded font is subset, and reports the file's size.
//
//	go test ./internal/report/pdf -run '^$' -bench Render1000
func BenchmarkRender1000(b *testing.B) {
	texts := []string{
		"message %d with some ordinary text in it, and a price of ₹1,499",
		"сообщение %d: где мой заказ?",
		"الرسالة %d: أين طلبي؟",
		"संदेश %d: मेरा ऑर्डर कहाँ है?",
		"message %d 🙂 thanks!",
	}
	th := sample()
	th.Messages = nil
	for i := range 1000 {
		th.Messages = append(th.Messages, Message{At: t0, Direction: "in", Author: "A", Text: fmt.Sprintf(texts[i%len(texts)], i), Status: "read"})
	}
	var size int
	for b.Loop() {
		var out bytes.Buffer
		if err := Render(&out, th); err != nil {
			b.Fatal(err)
		}
		size = out.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}

// toUnicode reads each embedded font's /ToUnicode map: by font name (without the subset tag),
// the text of each glyph id. It reads the PDFs this package writes, not PDFs in general.
func toUnicode(t *testing.T, pdf []byte) map[string]map[font.GID]string {
	t.Helper()
	objects := map[string][]byte{} // a stream's data, else the object's dictionary
	for _, m := range regexp.MustCompile(`(?m)^(\d+) 0 obj\n`).FindAllSubmatchIndex(pdf, -1) {
		body := pdf[m[1]:]
		n := string(pdf[m[2]:m[3]])
		length := regexp.MustCompile(`^<<[^\n]*/Length (\d+)[^\n]*>>\nstream\n`).FindSubmatch(body)
		if length == nil {
			objects[n] = body[:bytes.Index(body, []byte("\nendobj"))]
			continue
		}
		size, _ := strconv.Atoi(string(length[1]))
		zr, err := zlib.NewReader(bytes.NewReader(body[len(length[0]) : len(length[0])+size]))
		if err != nil {
			t.Fatalf("object %s: %v", n, err)
		}
		if objects[n], err = io.ReadAll(zr); err != nil {
			t.Fatalf("object %s: %v", n, err)
		}
	}
	fonts := map[string]map[font.GID]string{}
	for _, obj := range objects {
		m := regexp.MustCompile(`/Subtype/Type0/BaseFont/[A-Z]{6}\+([^/]+)/.*/ToUnicode (\d+) 0 R`).FindSubmatch(obj)
		if m == nil {
			continue
		}
		glyphs := map[font.GID]string{}
		cmap := objects[string(m[2])]
		cmap = cmap[bytes.Index(cmap, []byte("endcodespacerange")):]
		for _, e := range regexp.MustCompile(`<([0-9A-F]{4})><([0-9A-F]+)>`).FindAllSubmatch(cmap, -1) {
			g, _ := strconv.ParseUint(string(e[1]), 16, 16)
			var units []uint16
			for i := 0; i+4 <= len(e[2]); i += 4 {
				u, _ := strconv.ParseUint(string(e[2][i:i+4]), 16, 16)
				units = append(units, uint16(u))
			}
			glyphs[font.GID(g)] = string(utf16.Decode(units))
		}
		fonts[string(m[1])] = glyphs
	}
	return fonts
}
