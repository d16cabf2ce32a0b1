// Package pdf renders a conversation thread as a PDF transcript: a header with the contact
// and the conversation's state, then every message in order, with page numbers.
package pdf

import (
	"fmt"
	"io"
	"time"
)

// ContactInfo is who the thread is with.
type ContactInfo struct{ Name, Phone, Email string }

// Message is one entry of the transcript.
type Message struct {
	At          time.Time
	Direction   string // "in" (from the contact), "out" (agent, business, bot), "note" (internal), "system"
	Author      string
	Text        string
	Status      string // delivery status of "out" messages
	Internal    bool
	Attachments []string
}

// Thread is the document.
type Thread struct {
	Title                                string
	Contact                              ContactInfo
	Channel, Status, Assignee, Team      string
	CreatedAt, LastMessageAt, ExportedAt time.Time // zero means unknown
	Messages                             []Message
}

const (
	margin     = 15.0
	bodySize   = 10.0
	metaSize   = 8.0
	lineHeight = 5.0
	padding    = 2.0
)

// style of a message block by direction: fill colour, text colour, label.
type blockStyle struct {
	fill  [3]int
	text  [3]int
	label string
}

var styles = map[string]blockStyle{
	"in":     {fill: [3]int{238, 241, 245}, text: [3]int{20, 20, 20}},
	"out":    {fill: [3]int{220, 236, 255}, text: [3]int{20, 20, 20}},
	"note":   {fill: [3]int{255, 244, 196}, text: [3]int{60, 50, 0}, label: "Internal note"},
	"system": {fill: [3]int{255, 255, 255}, text: [3]int{110, 110, 110}},
}

// Render writes t as a PDF to w.
func Render(w io.Writer, t Thread) (err error) {
	if err := loadFonts(); err != nil {
		return err
	}
	defer func() { // the shaper is a large port; a bad message must not take the server down
		if r := recover(); r != nil {
			err = fmt.Errorf("render pdf: %v", r)
		}
	}()
	eng := newEngine()
	r := &renderer{doc: newDocument(t.Title, eng.faces), eng: eng}
	r.addPage()
	r.header(t)
	if len(t.Messages) == 0 {
		r.paragraph("No messages", bodySize, false, [3]int{110, 110, 110}, margin)
	}
	for _, m := range t.Messages {
		r.message(m)
	}
	r.footers()
	if err := r.doc.write(w); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return nil
}

type renderer struct {
	doc *document
	eng *engine
	y   float64 // where the next thing goes, from the top of the page (mm)
}

const pageBottom = pageHeight - margin - 6 // above the footer

func (r *renderer) pageWidth() float64 { return pageWidth - 2*margin }

func (r *renderer) addPage() {
	r.doc.addPage()
	r.y = margin
}

// room starts a new page unless h more millimetres fit on this one.
func (r *renderer) room(h float64) {
	if r.y+h > pageBottom {
		r.addPage()
	}
}

// footers numbers the pages, now that their count is known.
func (r *renderer) footers() {
	ts := &typesetter{eng: r.eng, size: metaSize}
	for i := range r.doc.pages {
		r.doc.page = r.doc.pages[i]
		for _, l := range ts.wrap(fmt.Sprintf("Page %d of %d", i+1, len(r.doc.pages)), r.pageWidth()) {
			ts.draw(r.doc, l, margin+(r.pageWidth()-l.width)/2, pageHeight-margin+3, 4, [3]int{120, 120, 120})
		}
	}
}

func (r *renderer) header(t Thread) {
	r.paragraph(t.Title, 15, true, [3]int{0, 0, 0}, margin)
	r.y++
	rows := [][2]string{
		{"Contact", t.Contact.Name}, {"Phone", t.Contact.Phone}, {"Email", t.Contact.Email},
		{"Channel", t.Channel}, {"Status", t.Status}, {"Assignee", t.Assignee}, {"Team", t.Team},
		{"Created", stamp(t.CreatedAt)}, {"Last message", stamp(t.LastMessageAt)}, {"Exported", stamp(t.ExportedAt)},
	}
	for _, row := range rows {
		if row[1] == "" {
			continue
		}
		r.paragraph(row[0]+": "+row[1], 9, false, [3]int{60, 60, 60}, margin)
	}
	r.y += 2
	r.doc.line(margin, r.y, margin+r.pageWidth(), r.y, [3]int{200, 200, 200})
	r.y += 4
}

// paragraph writes text wrapped to the page from x.
func (r *renderer) paragraph(text string, size float64, bold bool, color [3]int, x float64) {
	ts := &typesetter{eng: r.eng, size: size, bold: bold}
	h := size * 0.5
	width := r.pageWidth() - (x - margin)
	for _, l := range ts.wrap(text, width) {
		r.room(h)
		lx := x
		if l.rtl {
			lx = x + width - l.width
		}
		ts.draw(r.doc, l, lx, r.y, h, color)
		r.y += h
	}
}

// message draws one message as a tinted block: inbound on the left, outbound on the right,
// notes across the page, system lines centred.
func (r *renderer) message(m Message) {
	st, ok := styles[m.Direction]
	if !ok {
		st = styles["in"]
	}
	full := r.pageWidth()
	width, x := full*0.78, margin
	switch m.Direction {
	case "out":
		x = margin + full - width
	case "note", "system":
		width = full
	}
	meta := isolate(m.Author) + "  ·  " + stamp(m.At)
	if st.label != "" {
		meta = st.label + "  ·  " + meta
	}
	if m.Status != "" {
		meta += "  ·  " + m.Status
	}
	body := &typesetter{eng: r.eng, size: bodySize}
	head := &typesetter{eng: r.eng, size: metaSize, bold: true}
	inner := width - 2*padding
	text := m.Text
	for _, a := range m.Attachments {
		text += "\n[attachment] " + a
	}
	var lines []placed
	if m.Direction != "system" {
		for _, l := range head.wrap(meta, inner) {
			lines = append(lines, placed{head, l, 4})
		}
	} else {
		text = m.Text + "  (" + stamp(m.At) + ")"
	}
	for _, l := range body.wrap(text, inner) {
		lines = append(lines, placed{body, l, lineHeight})
	}
	// Keep the start of a block with its first lines; long blocks continue on the next page.
	r.room(padding + 4 + 2*lineHeight)
	y := r.y
	r.doc.rect(x, y, width, padding, st.fill)
	y += padding
	for _, ln := range lines {
		if y+ln.h > pageBottom {
			r.addPage()
			y = r.y
		}
		r.doc.rect(x, y, width, ln.h, st.fill)
		lx := x + padding
		switch {
		case m.Direction == "system":
			lx = x + (width-ln.l.width)/2
		case ln.l.rtl:
			lx = x + width - padding - ln.l.width
		}
		ln.ts.draw(r.doc, ln.l, lx, y, ln.h, st.text)
		y += ln.h
	}
	r.doc.rect(x, y, width, padding, st.fill)
	r.y = y + padding + 3
}

// placed is a laid-out line with its font and height.
type placed struct {
	ts *typesetter
	l  line
	h  float64
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
