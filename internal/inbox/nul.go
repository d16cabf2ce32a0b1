package inbox

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// NUL characters (U+0000) never enter the domain: PostgreSQL's text and jsonb refuse them,
// so a webhook whose message held one answered 500 to every retry of the provider (Telegram
// holds back a chat's later updates meanwhile), and so did a reply, a note or a search.
// Each use case drops them from its input first, with dropNUL.

// dropNUL removes NUL characters, in place, from every string that v (a pointer) reaches
// through fields, pointers, slices and map values, and the \u0000 escapes from every JSON
// value (json.RawMessage) it reaches.
func dropNUL(v any) { dropNULValue(reflect.ValueOf(v)) }

var rawJSONType = reflect.TypeFor[json.RawMessage]()

func dropNULValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropNULValue(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				dropNULValue(f)
			}
		}
	case reflect.Slice:
		if v.Type() == rawJSONType {
			if v.CanSet() {
				v.SetBytes(dropNULEscapes(v.Bytes()))
			}
			return
		}
		for i := range v.Len() {
			dropNULValue(v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			val := reflect.New(v.Type().Elem()).Elem() // a map's values are not addressable
			val.Set(it.Value())
			dropNULValue(val)
			v.SetMapIndex(it.Key(), val)
		}
	case reflect.String:
		if s := v.String(); v.CanSet() && strings.IndexByte(s, 0) >= 0 {
			v.SetString(strings.ReplaceAll(s, "\x00", ""))
		}
	}
}

// dropNULEscapes returns the JSON text raw without its \u0000 escapes (and raw NUL bytes,
// which no valid JSON holds). An escaped backslash before "u0000" is kept: that is text.
func dropNULEscapes(raw []byte) []byte {
	if !bytes.Contains(raw, []byte(`\u0000`)) && bytes.IndexByte(raw, 0) < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == 0:
		case bytes.HasPrefix(raw[i:], []byte(`\u0000`)):
			i += len(`\u0000`) - 1
		case raw[i] == '\\' && i+1 < len(raw):
			out = append(out, raw[i], raw[i+1]) // an escape: its second byte starts none
			i++
		default:
			out = append(out, raw[i])
		}
	}
	return out
}
