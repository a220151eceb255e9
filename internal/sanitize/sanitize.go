// Package sanitize cleans text that comes from devices and logs before a model reads it: such
// text is data, and invisible or control characters could hide instructions in it.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// String drops control characters (keeping tab and newline), zero-width and bidirectional
// formatting characters, and Unicode tag characters, and replaces invalid UTF-8 with U+FFFD.
// Clean strings are returned unchanged without allocating.
func String(s string) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean {
			break
		}
		clean = !drop(r)
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !drop(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func drop(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r == unicode.ReplacementChar:
		return false
	case r >= 0x200b && r <= 0x200f, // zero-width space/joiners, LRM, RLM
		r >= 0x202a && r <= 0x202e,   // bidi embeddings and overrides
		r >= 0x2060 && r <= 0x2064,   // word joiner, invisible operators
		r >= 0x2066 && r <= 0x2069,   // bidi isolates
		r == 0xfeff,                  // BOM / zero-width no-break space
		r >= 0xe0000 && r <= 0xe007f: // tag characters
		return true
	}
	return false
}
