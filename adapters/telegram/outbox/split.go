package outbox

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Splitting long texts: Telegram counts characters after parsing HTML, and
// refuses a message whose tags do not close, so a long text is cut between
// characters it shows, with its open tags closed and opened again.

// htmlToken is one unit of an HTML text: a tag, which shows nothing; a
// character reference such as "&amp;", which shows one character; or one
// other character.
type htmlToken struct {
	text    string
	tag     string // lower-case name of a tag; "" for the others
	closing bool   // a tag that starts "</"
}

func (t htmlToken) visible() bool { return t.tag == "" }

// tokenizeHTML cuts s into tokens. A "<" without a ">" and a "&" that does
// not start a reference stand for themselves: Telegram will refuse the
// text anyway, and splitting must not lose it.
func tokenizeHTML(s string) []htmlToken {
	toks := make([]htmlToken, 0, len(s))
	for i := 0; i < len(s); {
		n := 0
		switch s[i] {
		case '<':
			n = strings.IndexByte(s[i:], '>') + 1
		case '&':
			n = referenceLen(s[i:])
		}
		if n <= 0 {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		t := htmlToken{text: s[i : i+n]}
		if s[i] == '<' && n > 1 {
			t.tag, t.closing = tagName(t.text)
		}
		toks = append(toks, t)
		i += n
	}
	return toks
}

// referenceLen is the length of the character reference ("&lt;", "&#60;")
// s starts with, or 0.
func referenceLen(s string) int {
	for i := 1; i < len(s) && i < 32; i++ {
		c := s[i]
		switch {
		case c == ';':
			if i == 1 {
				return 0
			}
			return i + 1
		case c != '#' && (c < '0' || c > '9') && (c|0x20 < 'a' || c|0x20 > 'z'):
			return 0
		}
	}
	return 0
}

// tagName reads the name of tag "<b>", "</a>" or `<a href="...">`.
func tagName(tag string) (name string, closing bool) {
	inner := strings.TrimPrefix(tag[1:len(tag)-1], "/")
	closing = len(inner) < len(tag)-2
	end := strings.IndexFunc(inner, func(r rune) bool { return unicode.IsSpace(r) || r == '/' })
	if end < 0 {
		end = len(inner)
	}
	if end == 0 { // "<>" or "< b>": not a tag Telegram knows; keep it as text
		return "?", closing
	}
	return strings.ToLower(inner[:end]), closing
}

// htmlLen is the length of s as Telegram counts it: in characters after
// parsing (Unicode code points; tags count nothing, a reference one).
func htmlLen(s string) int {
	if !strings.ContainsAny(s, "<&") {
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, t := range tokenizeHTML(s) {
		if t.visible() {
			n++
		}
	}
	return n
}

// fitsHTML reports whether htmlLen(s) <= limit, without parsing s when its
// bytes alone fit: a character takes at least one byte, and tags and
// references count for less than their bytes. Most screens fit, and
// parsing each edit's HTML was 4% of the bot's allocation in the load test.
func fitsHTML(s string, limit int) bool { return len(s) <= limit || htmlLen(s) <= limit }

// splitHTML cuts an HTML text into parts of at most limit characters as
// htmlLen counts them. It cuts at the last line break that fits (the break
// itself is dropped) and, in a line too long for one part, between
// characters, never inside a tag or a character reference (it may split an
// emoji built from several code points). Tags open at a cut are closed at
// the end of one part and opened again, attributes and all, at the start of
// the next, so every part parses on its own. Parts with nothing but spaces
// are left out, as Telegram refuses them.
func splitHTML(s string, limit int) []string {
	if utf8.RuneCountInString(s) <= limit {
		return []string{s}
	}
	toks := tokenizeHTML(s)
	var parts []string
	var open, startOpen, breakOpen []htmlToken // tags open now, at the part's start, at the last break
	start, count, lastBreak := 0, 0, -1
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.visible() && count == limit {
			end, next, endOpen := i, i, open
			if t.text == "\n" {
				next = i + 1
			} else if lastBreak >= 0 {
				end, next, endOpen = lastBreak, lastBreak+1, breakOpen
			}
			parts = appendPart(parts, toks[start:end], startOpen, endOpen)
			startOpen, open = cloneTags(endOpen), cloneTags(endOpen)
			start, count, lastBreak = next, 0, -1
			i = next - 1
			continue
		}
		switch {
		case !t.visible():
			open = applyTag(open, t)
		case t.text == "\n" && count > 0:
			lastBreak, breakOpen = i, cloneTags(open)
		}
		if t.visible() {
			count++
		}
	}
	parts = appendPart(parts, toks[start:], startOpen, open)
	if len(parts) == 0 {
		return []string{s} // all spaces: let Telegram say what it thinks
	}
	return parts
}

func cloneTags(toks []htmlToken) []htmlToken { return append([]htmlToken(nil), toks...) }

// applyTag updates the stack of open tags for tag t. A closing tag closes
// the innermost open tag of its name and those inside it; one that closes
// nothing is ignored.
func applyTag(open []htmlToken, t htmlToken) []htmlToken {
	if t.tag == "?" {
		return open
	}
	if !t.closing {
		return append(open, t)
	}
	for j := len(open) - 1; j >= 0; j-- {
		if open[j].tag == t.tag {
			return open[:j]
		}
	}
	return open
}

// appendPart appends the part made of body, with the tags open at its start
// opened first and those still open at its end closed, unless it shows
// nothing but spaces.
func appendPart(parts []string, body, startOpen, endOpen []htmlToken) []string {
	blank := true
	for _, t := range body {
		if t.visible() && strings.TrimSpace(t.text) != "" {
			blank = false
			break
		}
	}
	if blank {
		return parts
	}
	var b strings.Builder
	for _, t := range startOpen {
		b.WriteString(t.text)
	}
	for _, t := range body {
		b.WriteString(t.text)
	}
	for j := len(endOpen) - 1; j >= 0; j-- {
		b.WriteString("</" + endOpen[j].tag + ">")
	}
	return append(parts, b.String())
}
