// Package pdf renders a conversation thread as a PDF transcript: a header with the contact
// and the conversation's state, then every message in order, with page numbers.
package pdf

import (
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
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
	defer func() { // the engine panics on some inputs; a bad message must not take the server down
		if r := recover(); r != nil {
			err = fmt.Errorf("render pdf: %v", r)
		}
	}()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, margin)
	p.AddUTF8FontFromBytes("sans-bold", "", fontData[boldFile])
	for _, f := range fallback {
		p.AddUTF8FontFromBytes(f.family, "", fontData[f.file])
	}
	p.SetTitle(t.Title, true)
	p.SetCreator("teaminbox", true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-margin + 3)
		p.SetFont("sans", "", metaSize)
		p.SetTextColor(120, 120, 120)
		p.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	r := &renderer{pdf: p}
	r.header(t)
	if len(t.Messages) == 0 {
		r.paragraph("No messages", bodySize, "", [3]int{110, 110, 110}, margin)
	}
	for _, m := range t.Messages {
		r.message(m)
	}
	if err := p.Error(); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	return p.Output(w)
}

type renderer struct {
	pdf *fpdf.Fpdf
}

func (r *renderer) pageWidth() float64 { w, _ := r.pdf.GetPageSize(); return w - 2*margin }

// room starts a new page unless h more millimetres fit on this one.
func (r *renderer) room(h float64) {
	_, ph := r.pdf.GetPageSize()
	if r.pdf.GetY()+h > ph-margin-6 {
		r.pdf.AddPage()
	}
}

func (r *renderer) header(t Thread) {
	r.paragraph(t.Title, 15, "B", [3]int{0, 0, 0}, margin)
	r.pdf.Ln(1)
	rows := [][2]string{
		{"Contact", t.Contact.Name}, {"Phone", t.Contact.Phone}, {"Email", t.Contact.Email},
		{"Channel", t.Channel}, {"Status", t.Status}, {"Assignee", t.Assignee}, {"Team", t.Team},
		{"Created", stamp(t.CreatedAt)}, {"Last message", stamp(t.LastMessageAt)}, {"Exported", stamp(t.ExportedAt)},
	}
	for _, row := range rows {
		if row[1] == "" {
			continue
		}
		r.paragraph(row[0]+": "+row[1], 9, "", [3]int{60, 60, 60}, margin)
	}
	r.pdf.Ln(2)
	y := r.pdf.GetY()
	r.pdf.SetDrawColor(200, 200, 200)
	r.pdf.Line(margin, y, margin+r.pageWidth(), y)
	r.pdf.Ln(4)
}

// paragraph writes text wrapped to the page from x.
func (r *renderer) paragraph(text string, size float64, style string, color [3]int, x float64) {
	ts := &typesetter{pdf: r.pdf, size: size, style: style}
	h := size * 0.5
	r.pdf.SetTextColor(color[0], color[1], color[2])
	for _, l := range ts.wrap(text, r.pageWidth()-(x-margin)) {
		r.room(h)
		y := r.pdf.GetY()
		ts.draw(l, x, y, h)
		r.pdf.SetXY(margin, y+h)
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
	meta := m.Author + "  ·  " + stamp(m.At)
	if st.label != "" {
		meta = st.label + "  ·  " + meta
	}
	if m.Status != "" {
		meta += "  ·  " + m.Status
	}
	body := &typesetter{pdf: r.pdf, size: bodySize}
	head := &typesetter{pdf: r.pdf, size: metaSize, style: "B"}
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
	r.pdf.SetFillColor(st.fill[0], st.fill[1], st.fill[2])
	r.pdf.SetTextColor(st.text[0], st.text[1], st.text[2])
	y := r.pdf.GetY()
	r.pdf.Rect(x, y, width, padding, "F")
	y += padding
	for _, ln := range lines {
		_, ph := r.pdf.GetPageSize()
		if y+ln.h > ph-margin-6 {
			r.pdf.AddPage()
			y = r.pdf.GetY()
			r.pdf.SetFillColor(st.fill[0], st.fill[1], st.fill[2])
			r.pdf.SetTextColor(st.text[0], st.text[1], st.text[2])
		}
		r.pdf.Rect(x, y, width, ln.h, "F")
		lx := x + padding
		if m.Direction == "system" {
			lx = x + (width-ln.l.width)/2
		}
		ln.ts.draw(ln.l, lx, y, ln.h)
		y += ln.h
	}
	r.pdf.Rect(x, y, width, padding, "F")
	r.pdf.SetXY(margin, y+padding+3)
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
