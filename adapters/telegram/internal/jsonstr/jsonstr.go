// Package jsonstr writes JSON strings, for the encoders written by hand on
// both sides of the Bot API: the outbox's (the calls the bot makes most)
// and the fake Bot API's (the answers it gives most). Both write strings
// exactly as encoding/json does, so that tests can hold them to it byte
// for byte.
package jsonstr

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// Append appends s as a JSON string, as encoding/json writes it: quotes
// and backslashes escaped, control characters as \n, \t… or \u00XX, each
// byte of invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped. With
// escapeHTML, <, > and & are escaped too (\u003c…), as encoding/json does
// by default; without, they go as they are, as with its
// Encoder.SetEscapeHTML(false), which keeps texts in HTML parse mode short.
func Append(dst []byte, s string, escapeHTML bool) []byte {
	dst = append(dst, '"')
	done := 0 // s[:done] is in dst
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			dst = appendEscaped(append(dst, s[done:i]...), c)
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(append(dst, s[done:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(append(dst, s[done:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	return append(append(dst, s[done:]...), '"')
}

// appendEscaped writes the escape of an ASCII byte that a JSON string may
// not hold as it is (or, for <, > and &, that encoding/json escapes).
func appendEscaped(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
