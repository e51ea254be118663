package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanName is a name a person chose (a Telegram first and last name, a
// username, a work nickname) made safe to show to others: without the
// Unicode bidi controls that would let "‮1234" reverse the id an admin
// sees beside it, without line and paragraph separators and zero-width
// spaces (a nickname must show something), and without NUL
// and the other C0 and C1 control characters. Bytes that are not UTF-8
// become U+FFFD. Everything else, letters of any script and emoji
// included, stays as it was; cleaning a clean name changes nothing.
func CleanName(s string) string {
	if strings.IndexFunc(s, unsafeInName) < 0 && utf8.ValidString(s) {
		return s // the common case allocates nothing
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte arrives as utf8.RuneError
		if !unsafeInName(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeInName reports whether r is kept out of names shown to others.
func unsafeInName(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL and C1: NUL, newlines, escapes
		return true
	case r >= '\u202A' && r <= '\u202E', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069',              // LRI, RLI, FSI, PDI
		r == '\u200E', r == '\u200F', r == '\u061C', // LRM, RLM, ALM
		r == '\u2028', r == '\u2029', // line and paragraph separators
		r == '\u200B', r == '\uFEFF': // zero-width space and BOM: a name of nothing visible
		return true
	}
	return false
}
