package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// extract renders th and returns the PDF's text (pdftotext) and page count (pdfinfo).
func extract(t *testing.T, th Thread) (string, int) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian poppler-utils; .ci/run installs it)", tool)
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, th); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "thread.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", info)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	return string(text), pages
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
		{At: t0, Direction: "in", Author: "Raj", Text: "नमस्ते क्षत्रिय 😀👍 done"},
		{At: t0, Direction: "in", Author: "Omar", Text: "مرحبا shalom שלום"},
	}
	text, _ := extract(t, th)
	for _, want := range []string{"Здравствуйте, где мой заказ?", "Καλημέρα", "₹500", "€20", "done", "shalom"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
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
