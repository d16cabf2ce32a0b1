package pdf

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/font/opentype/tables"
)

// sfnt is the part of a TrueType font that a PDF needs to draw its glyphs (PDF 32000 §9.9):
// the outlines and metrics, without cmap or layout tables, which the shaper has already used.
type sfnt struct {
	tables   []ot.Table // sorted by tag; glyf and loca are rebuilt for each subset
	glyf     []byte
	loca     []uint32 // numGlyphs+1 offsets into glyf
	longLoca bool
	head     tables.Head
}

// outlineTables are the tables a CIDFontType2 program keeps.
var outlineTables = []string{"cvt ", "fpgm", "head", "hhea", "hmtx", "maxp", "prep"}

func parseSfnt(data []byte) (*sfnt, error) {
	ld, err := ot.NewLoader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	s := &sfnt{}
	for _, tag := range outlineTables {
		t := ot.MustNewTag(tag)
		if !ld.HasTable(t) {
			continue
		}
		b, err := ld.RawTable(t)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", tag, err)
		}
		s.tables = append(s.tables, ot.Table{Tag: t, Content: b})
	}
	headRaw, err := ld.RawTable(ot.MustNewTag("head"))
	if err != nil {
		return nil, fmt.Errorf("table head: %w", err)
	}
	if s.head, _, err = tables.ParseHead(headRaw); err != nil {
		return nil, fmt.Errorf("table head: %w", err)
	}
	if s.glyf, err = ld.RawTable(ot.MustNewTag("glyf")); err != nil {
		return nil, fmt.Errorf("table glyf (only TrueType outlines are supported): %w", err)
	}
	loca, err := ld.RawTable(ot.MustNewTag("loca"))
	if err != nil {
		return nil, fmt.Errorf("table loca: %w", err)
	}
	s.longLoca = s.head.IndexToLocFormat == 1
	if s.longLoca {
		for i := 0; i+4 <= len(loca); i += 4 {
			s.loca = append(s.loca, binary.BigEndian.Uint32(loca[i:]))
		}
	} else {
		for i := 0; i+2 <= len(loca); i += 2 {
			s.loca = append(s.loca, 2*uint32(binary.BigEndian.Uint16(loca[i:])))
		}
	}
	if len(s.loca) < 2 || s.loca[len(s.loca)-1] > uint32(len(s.glyf)) {
		return nil, fmt.Errorf("table loca does not fit glyf")
	}
	return s, nil
}

func (s *sfnt) glyph(g font.GID) []byte {
	if int(g)+1 >= len(s.loca) || s.loca[g] > s.loca[g+1] {
		return nil
	}
	return s.glyf[s.loca[g]:s.loca[g+1]]
}

// Flags of a composite glyph's component (OpenType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components returns the glyphs a composite glyph is built from.
func components(g []byte) []font.GID {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []font.GID
	for p := 10; p+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, font.GID(binary.BigEndian.Uint16(g[p+2:])))
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}

// subset returns a font program with the outlines of the used glyphs only. Glyph ids stay as
// they are (the others become empty), so the PDF can map CIDs to glyphs by /Identity.
func (s *sfnt) subset(used []font.GID) []byte {
	keep := map[font.GID]bool{0: true} // .notdef
	todo := append([]font.GID(nil), used...)
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if keep[g] {
			continue
		}
		keep[g] = true
		todo = append(todo, components(s.glyph(g))...)
	}
	n := len(s.loca) - 1
	var glyf []byte
	loca := make([]byte, 0, (n+1)*4)
	for g := range n + 1 {
		off := uint32(len(glyf))
		if s.longLoca {
			loca = binary.BigEndian.AppendUint32(loca, off)
		} else {
			loca = binary.BigEndian.AppendUint16(loca, uint16(off/2))
		}
		if g < n && keep[font.GID(g)] {
			glyf = append(glyf, s.glyph(font.GID(g))...)
			if len(glyf)%2 != 0 { // the short loca format counts in words
				glyf = append(glyf, 0)
			}
		}
	}
	out := append(slices.Clip(s.tables),
		ot.Table{Tag: ot.MustNewTag("glyf"), Content: glyf},
		ot.Table{Tag: ot.MustNewTag("loca"), Content: loca})
	slices.SortFunc(out, func(a, b ot.Table) int { return cmp.Compare(a.Tag, b.Tag) })
	return ot.WriteTTF(out)
}
