package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"allot/domain"
)

// redacted replaces a secret in what the endpoint shows.
const redacted = "***"

// redactedJSON renders v as indented JSON with its secrets replaced:
//   - the value of any object key (a struct field or a map key) named like a
//     secret: password, passwd, pass, pw, pwd, token, secret, credentials,
//     api key, private key, authorization, cookie — in any case and in
//     camelCase, snake_case or kebab-case; an empty or null value stays, so
//     an operator still sees that none is set;
//   - the password in a URL with user info (socks5://user:pw@host:port);
//   - the password in a proxy string as staff paste it (host:port:user:pass).
//
// It walks the JSON rather than the Go value, so it applies to any state
// type, present or future, and keeps the fields in their order.
func redactedJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // nanotons and lts do not survive a float64
	var b bytes.Buffer
	if err := copyValue(dec, &b); err != nil {
		return nil, fmt.Errorf("httpapi: redact: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("httpapi: redact: %w", err)
	}
	return out.Bytes(), nil
}

// copyValue copies the next JSON value from dec to b, redacting inside it.
func copyValue(dec *json.Decoder, b *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return copyObject(dec, b)
		}
		return copyArray(dec, b)
	case string:
		return writeJSON(b, redactString(t))
	default: // json.Number, bool, nil
		return writeJSON(b, t)
	}
}

func copyObject(dec *json.Decoder, b *bytes.Buffer) error {
	b.WriteByte('{')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := writeJSON(b, key); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := copyField(dec, b, secretKey(key)); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	_, err := dec.Token() // '}'
	return err
}

// copyField copies an object's value, or writes redacted in its place.
func copyField(dec *json.Decoder, b *bytes.Buffer, secret bool) error {
	if !secret {
		return copyValue(dec, b)
	}
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if s := string(v); s == "null" || s == `""` {
		b.Write(v)
		return nil
	}
	return writeJSON(b, redacted)
}

func copyArray(dec *json.Decoder, b *bytes.Buffer) error {
	b.WriteByte('[')
	for i := 0; dec.More(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := copyValue(dec, b); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	_, err := dec.Token() // ']'
	return err
}

func writeJSON(b *bytes.Buffer, v any) error {
	out, err := json.Marshal(v)
	b.Write(out)
	return err
}

// secretWords are secrets wherever they appear in a key; secretWholeWords
// only as a word of their own ("pass" but not "passenger" or "bypass").
var (
	secretWords      = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey", "authorization", "cookie"}
	secretWholeWords = []string{"pass", "pw", "pwd"}
)

// secretKey reports whether an object key names a secret.
func secretKey(key string) bool {
	ws := keyWords(key)
	joined := strings.Join(ws, "")
	for _, s := range secretWords {
		if strings.Contains(joined, s) {
			return true
		}
	}
	for _, w := range ws {
		for _, s := range secretWholeWords {
			if w == s {
				return true
			}
		}
	}
	return false
}

// keyWords splits a key into lower-case words at separators and case
// changes: "ProxyPass" → proxy pass, "api_token" → api token, "APIKey" →
// api key.
func keyWords(key string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && i > 0 && (!unicode.IsUpper(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			flush()
		}
		cur = append(cur, unicode.ToLower(r))
	}
	flush()
	return out
}

// redactString hides the password of a URL or of a proxy string.
func redactString(s string) string {
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				// Redacted writes "xxxxx"; ours is "***", which String would escape.
				return strings.Replace(u.Redacted(), ":xxxxx@", ":"+redacted+"@", 1)
			}
		}
		return s
	}
	if strings.Count(s, ":") >= 3 {
		if a, err := domain.ParseProxy(s); err == nil && a.Pass != "" {
			return a.Redacted()
		}
	}
	return s
}
