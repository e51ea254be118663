package telegramtest

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"allot/adapters/telegram/internal/jsonscan"
)

// The request bodies telego sends are read here without reflection: a
// scanner that walks one JSON object and hands each argument's bytes to its
// field, as encoding/json would. It takes only what it is sure of (valid
// JSON, keys spelled exactly, no escapes in keys) and gives up on anything
// else, and the caller then decodes with encoding/json from scratch, so
// every odd body is judged by encoding/json as before. The fuzz tests in
// scan_test.go hold both to the same results.

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
	i := jsonscan.Space(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = jsonscan.Space(body, i+1)
	if i < len(body) && body[i] == '}' {
		return jsonscan.Space(body, i+1) == len(body)
	}
	for {
		end, ok := jsonscan.String(body, i)
		if !ok {
			return false
		}
		key := body[i+1 : end-1]
		i = jsonscan.Space(body, end)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = jsonscan.Space(body, i+1)
		end, ok = jsonscan.Value(body, i)
		if !ok || !p.set(key, body[i:end]) {
			return false
		}
		i = jsonscan.Space(body, end)
		if i >= len(body) {
			return false
		}
		if body[i] == '}' {
			return jsonscan.Space(body, i+1) == len(body)
		}
		if body[i] != ',' {
			return false
		}
		i = jsonscan.Space(body, i+1)
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
