// Package qrsvg draws text as a QR code in SVG, for a page to show without a script of its
// own (the authenticator app's otpauth:// link, scanned from the screen).
package qrsvg

import (
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// quiet is the white border, in modules, that scanners need around the code.
const quiet = 4

// Encode answers text as a black-on-white SVG QR code (error correction M), scaled by its
// viewBox to whatever size the page gives it.
func Encode(text string) (string, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	b := code.Bounds()
	size := b.Dx() + 2*quiet
	var path strings.Builder
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x-b.Min.X+quiet, y-b.Min.Y+quiet)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="%s"/></svg>`, size, size, path.String()), nil
}
