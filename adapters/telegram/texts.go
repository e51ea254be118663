package telegram

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"strconv"
	"strings"
)

//go:embed texts/*.json
var textFiles embed.FS

// Langs are the languages the bot speaks; the first is the fallback.
var Langs = []string{"en", "ru"}

// catalog maps language → key → text. Texts are in files, not in code, so
// a translator edits JSON and a test checks that every language has every
// key with the same placeholders.
type catalog map[string]map[string]string

func loadCatalog() (catalog, error) {
	c := catalog{}
	for _, l := range Langs {
		// texts/en.json, then texts/en.<part>.json: each feature keeps its
		// texts in its own file; a key defined twice is an error.
		files, err := fs.Glob(textFiles, "texts/"+l+".*json")
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("telegram: no texts for %q: %v", l, err)
		}
		m := map[string]string{}
		for _, name := range files {
			b, err := textFiles.ReadFile(name)
			if err != nil {
				return nil, err
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("telegram: %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("telegram: %s: key %q is defined in another file too", name, k)
				}
				m[k] = v
			}
		}
		c[l] = m
	}
	return c, nil
}

// langOf picks the bot's language for Telegram's language_code ("ru",
// "ru-RU", "be", ...): Russian for Russian and its neighbours, else English.
func langOf(code string) string {
	code = strings.ToLower(code)
	for _, p := range []string{"ru", "be", "kk"} {
		if code == p || strings.HasPrefix(code, p+"-") {
			return "ru"
		}
	}
	return "en"
}

// T returns text key in lang with {name} placeholders filled from kv
// (name, value, name, value...). Values are HTML-escaped unless wrapped in
// raw(): texts are sent in HTML parse mode and names come from users.
func (c catalog) T(lang, key string, kv ...any) string {
	s, ok := c[lang][key]
	if !ok {
		s, ok = c[Langs[0]][key]
	}
	if !ok {
		return key
	}
	if len(kv) == 0 {
		return s
	}
	pairs := make([]string, 0, len(kv))
	plain := true // no name holds a brace: fill can find the placeholders
	for i := 0; i+1 < len(kv); i += 2 {
		name := fmt.Sprint(kv[i])
		plain = plain && !strings.ContainsAny(name, "{}")
		pairs = append(pairs, "{"+name+"}", textValue(kv[i+1]))
	}
	if !plain {
		return strings.NewReplacer(pairs...).Replace(s)
	}
	return fill(s, pairs)
}

// textValue is a placeholder's value as it goes into HTML, without fmt for
// the common kinds: every screen fills several.
func textValue(x any) string {
	switch v := x.(type) {
	case raw:
		return string(v)
	case string:
		return html.EscapeString(v)
	case int:
		return strconv.Itoa(v)
	}
	return html.EscapeString(fmt.Sprint(x))
}

// fill replaces the placeholders ({name}, none holding a brace) in one
// pass, as strings.NewReplacer(pairs...).Replace would — the first pair
// wins, replaced text is not scanned again — without building a replacer
// for each text.
func fill(s string, pairs []string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		n := len(s)
		if j := strings.IndexByte(s, '}'); j >= 0 {
			n = j + 1
		}
		v, ok := lookup(pairs, s[:n])
		if !ok {
			b.WriteByte('{') // another '{' may start a placeholder before the '}'
			s = s[1:]
			continue
		}
		b.WriteString(v)
		s = s[n:]
	}
}

func lookup(pairs []string, placeholder string) (string, bool) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] == placeholder {
			return pairs[i+1], true
		}
	}
	return "", false
}

// raw marks a value that is already HTML (a list built from other texts).
type raw string
