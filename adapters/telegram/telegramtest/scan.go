package telegramtest

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// The request bodies telego sends are read here without reflection: a
// scanner that walks one JSON object and hands each argument's bytes to its
// field, as encoding/json would. It takes only what it is sure of (valid
// JSON, keys spelled exactly, no escapes in keys) and gives up on anything
// else, and the caller then decodes with encoding/json from scratch, so
// every odd body is judged by encoding/json as before. The fuzz tests in
// scan_test.go hold both to the same results.

// maxScanDepth is how deep the scanner follows nested values before it
// leaves the body to encoding/json.
const maxScanDepth = 64

// decodeParams decodes a JSON request body into p as json.Unmarshal does.
func decodeParams(body []byte, p *params) error {
	if scanParams(body, p) {
		return nil
	}
	*p = params{}
	return json.Unmarshal(body, p)
}

// scanParams decodes body into p and reports whether it could.
func scanParams(body []byte, p *params) bool {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipSpace(body, i+1) == len(body)
	}
	for {
		end, ok := scanString(body, i)
		if !ok {
			return false
		}
		key := body[i+1 : end-1]
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipSpace(body, i+1)
		end, ok = skipValue(body, i, 0)
		if !ok || !p.set(key, body[i:end]) {
			return false
		}
		i = skipSpace(body, end)
		if i >= len(body) {
			return false
		}
		if body[i] == '}' {
			return skipSpace(body, i+1) == len(body)
		}
		if body[i] != ',' {
			return false
		}
		i = skipSpace(body, i+1)
	}
}

// set gives one argument's JSON to its field and reports whether the
// scanner may go on: false for a field's error (encoding/json then finds it
// again) and for a key encoding/json might match to a field though it is
// not spelled exactly so (it ignores case, and decodes escapes in keys).
func (p *params) set(key, raw []byte) bool {
	var u json.Unmarshaler
	switch string(key) {
	case "chat_id":
		u = &p.ChatID
	case "message_id":
		u = &p.MessageID
	case "text":
		u = &p.Text
	case "parse_mode":
		u = &p.ParseMode
	case "reply_markup":
		u = &p.ReplyMarkup
	case "callback_query_id":
		u = &p.CallbackQueryID
	case "offset":
		u = &p.Offset
	case "timeout":
		u = &p.Timeout
	case "limit":
		u = &p.Limit
	case "allowed_updates":
		u = &p.AllowedUpdates
	case "show_alert":
		u = &p.ShowAlert
	default:
		return false // rarer arguments, and unknown keys, go to encoding/json
	}
	return u.UnmarshalJSON(raw) == nil
}

// isSpace is JSON's whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// scanString checks the JSON string at data[i] and returns the index just
// past its closing quote. Bytes that are not UTF-8 are allowed, as
// encoding/json allows them (and decodes them as U+FFFD).
func scanString(data []byte, i int) (int, bool) {
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

// skipValue checks the JSON value at data[i] and returns the index just
// past it.
func skipValue(data []byte, i, depth int) (int, bool) {
	if i >= len(data) || depth > maxScanDepth {
		return 0, false
	}
	switch c := data[i]; {
	case c == '"':
		return scanString(data, i)
	case c == '{' || c == '[':
		return skipComposite(data, i, depth)
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(data, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(data[i:], []byte(lit)) {
			return i + len(lit), true
		}
	}
	return 0, false
}

// skipComposite checks an object or array: members separated by commas,
// an object's each a string, a colon and a value.
func skipComposite(data []byte, i, depth int) (int, bool) {
	closing := byte(']')
	if data[i] == '{' {
		closing = '}'
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == closing {
		return i + 1, true
	}
	for {
		var ok bool
		if closing == '}' {
			if i, ok = scanString(data, i); !ok {
				return 0, false
			}
			if i = skipSpace(data, i); i >= len(data) || data[i] != ':' {
				return 0, false
			}
			i = skipSpace(data, i+1)
		}
		if i, ok = skipValue(data, i, depth+1); !ok {
			return 0, false
		}
		if i = skipSpace(data, i); i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case closing:
			return i + 1, true
		case ',':
			i = skipSpace(data, i+1)
		default:
			return 0, false
		}
	}
}

// scanNumber checks a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
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
		j := skipDigits(data, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

// unquote decodes a valid JSON string literal as encoding/json does. It
// gives up (false) on what it need not handle: UTF-16 surrogates in \u
// escapes and bytes that are not UTF-8, which encoding/json replaces.
func unquote(lit []byte) (string, bool) {
	if len(lit) < 2 || bytes.IndexByte(lit, '\\') < 0 {
		if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' || !utf8.Valid(lit) {
			return "", false
		}
		return string(lit[1 : len(lit)-1]), true
	}
	out, ok := appendUnquoted(make([]byte, 0, len(lit)), lit)
	return string(out), ok
}

// appendUnquoted appends what unquote returns.
func appendUnquoted(dst, lit []byte) ([]byte, bool) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' || !utf8.Valid(lit) {
		return dst, false
	}
	s := lit[1 : len(lit)-1]
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			return append(dst, s...), true
		}
		dst = append(dst, s[:i]...)
		if i+1 >= len(s) {
			return dst, false
		}
		c, n := s[i+1], 2
		switch c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hexRune(s[i+2:])
			if !ok {
				return dst, false
			}
			dst, n = utf8.AppendRune(dst, r), 6
		default:
			return dst, false
		}
		s = s[i+n:]
	}
}

// hexRune reads the four hex digits of a \u escape; a surrogate is left to
// encoding/json, which pairs them.
func hexRune(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	if 0xd800 <= r && r < 0xe000 {
		return 0, false
	}
	return r, true
}
