// Package jsonscan walks JSON text without decoding it, for the readers
// written by hand on both sides of the Bot API: the bot's (botapi cuts a
// poll's answer into updates) and the fake Bot API's (it reads request
// bodies). It checks what it walks as encoding/json would: a value it
// accepts, encoding/json accepts too (fuzz tests hold it to that).
package jsonscan

import "bytes"

// MaxDepth is how deep Value follows nested objects and arrays; deeper is
// refused, as no caller needs it.
const MaxDepth = 64

// Space returns the index of the first byte at or after i that is not
// JSON whitespace.
func Space(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// Value checks the JSON value starting at data[i] and returns the index
// just past it.
func Value(data []byte, i int) (int, bool) { return value(data, i, 0) }

func value(data []byte, i, depth int) (int, bool) {
	if i >= len(data) || depth > MaxDepth {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		return String(data, i)
	case c == '{' || c == '[':
		return composite(data, i, depth)
	case c == '-' || '0' <= c && c <= '9':
		return number(data, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(data[i:], []byte(lit)) {
			return i + len(lit), true
		}
	}
	return 0, false
}

// String checks the JSON string at data[i] and returns the index just past
// its closing quote. Bytes that are not UTF-8 are allowed, as
// encoding/json allows them (and decodes them as U+FFFD).
func String(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, false
	}
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			i++
			if i >= len(data) {
				return 0, false
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) || !isHex4(data[i+1:i+5]) {
					return 0, false
				}
				i += 4
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Array walks the JSON array at data[i], whose elements elem reads (from
// an element's first byte to the index just past it), and returns the
// index just past the array.
func Array(data []byte, i int, elem func(int) (int, bool)) (int, bool) {
	if i >= len(data) || data[i] != '[' {
		return 0, false
	}
	i = Space(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = elem(i); !ok {
			return 0, false
		}
		i = Space(data, i)
		switch {
		case i >= len(data):
			return 0, false
		case data[i] == ']':
			return i + 1, true
		case data[i] != ',':
			return 0, false
		}
		i = Space(data, i+1)
	}
}

// composite checks an object or array: members separated by commas, an
// object's each a string, a colon and a value.
func composite(data []byte, i, depth int) (int, bool) {
	closing := byte(']')
	if data[i] == '{' {
		closing = '}'
	}
	i = Space(data, i+1)
	if i < len(data) && data[i] == closing {
		return i + 1, true
	}
	for {
		var ok bool
		if closing == '}' {
			if i, ok = String(data, i); !ok {
				return 0, false
			}
			if i = Space(data, i); i >= len(data) || data[i] != ':' {
				return 0, false
			}
			i = Space(data, i+1)
		}
		if i, ok = value(data, i, depth+1); !ok {
			return 0, false
		}
		if i = Space(data, i); i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case closing:
			return i + 1, true
		case ',':
			i = Space(data, i+1)
		default:
			return 0, false
		}
	}
}

// number checks a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func number(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = digits(data, i)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := digits(data, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(data, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}
