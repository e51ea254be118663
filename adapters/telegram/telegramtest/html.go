package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

// htmlTags maps the tags Telegram's HTML style accepts to entity types.
// span and code are special: span needs class="tg-spoiler", and code inside
// pre names the block's language instead of making an entity of its own.
var htmlTags = map[string]string{
	"b": telego.EntityTypeBold, "strong": telego.EntityTypeBold,
	"i": telego.EntityTypeItalic, "em": telego.EntityTypeItalic,
	"u": telego.EntityTypeUnderline, "ins": telego.EntityTypeUnderline,
	"s": telego.EntityTypeStrikethrough, "strike": telego.EntityTypeStrikethrough, "del": telego.EntityTypeStrikethrough,
	"tg-spoiler": telego.EntityTypeSpoiler, "span": telego.EntityTypeSpoiler,
	"a": telego.EntityTypeTextLink, "code": telego.EntityTypeCode, "pre": telego.EntityTypePre,
	"blockquote": telego.EntityTypeBlockquote, "tg-emoji": telego.EntityTypeCustomEmoji,
}

// parseError is why Telegram refused a text's markup, worded as Telegram
// words it (capitalized, after "can't parse entities: ").
type parseError string

func (e parseError) Error() string { return string(e) }

func parseErrorf(format string, args ...any) error { return parseError(fmt.Sprintf(format, args...)) }

// openTag is a start tag waiting for its end tag.
type openTag struct {
	name   string
	entity telego.MessageEntity // Offset is where the tag's text starts
	quiet  bool                 // makes no entity (code naming a pre's language)
}

// htmlParser turns parse_mode HTML into Telegram's plain text and entities.
type htmlParser struct {
	src   string
	pos   int
	out   strings.Builder
	units int // UTF-16 length of out: entity offsets are counted in UTF-16
	open  []openTag
	ents  []telego.MessageEntity
}

// parseHTML parses text sent with parse_mode HTML the way Telegram does: the
// documented tags and the character references &lt; &gt; &amp; &quot; and
// &#N;. Anything else in a tag is an error, which the caller reports as
// "can't parse entities: ...".
func parseHTML(src string) (string, []telego.MessageEntity, error) {
	p := &htmlParser{src: src}
	p.out.Grow(len(src)) // the text loses its tags: it rarely needs more
	for p.pos < len(src) {
		var err error
		switch src[p.pos] {
		case '<':
			err = p.tag()
		case '&':
			p.reference()
		default:
			p.text()
		}
		if err != nil {
			return "", nil, err
		}
	}
	if len(p.open) > 0 {
		return "", nil, parseErrorf("Can't find end tag corresponding to start tag \"%s\"", p.open[len(p.open)-1].name)
	}
	sort.SliceStable(p.ents, func(i, j int) bool {
		a, b := p.ents[i], p.ents[j]
		return a.Offset < b.Offset || a.Offset == b.Offset && a.Length > b.Length
	})
	return p.out.String(), p.ents, nil
}

// text writes the text up to the next tag or reference: a run of ASCII at
// once, one UTF-16 unit a byte; anything else a rune at a time, so that
// bytes that are not UTF-8 become U+FFFD.
func (p *htmlParser) text() {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= utf8.RuneSelf || c == '<' || c == '&' {
			break
		}
		p.pos++
	}
	if p.pos > start {
		p.out.WriteString(p.src[start:p.pos])
		p.units += p.pos - start
		return
	}
	r, n := utf8.DecodeRuneInString(p.src[p.pos:])
	p.write(r)
	p.pos += n
}

func (p *htmlParser) write(r rune) {
	p.out.WriteRune(r)
	p.units += utf16Len(r)
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// reference writes the character reference at pos, or a literal "&" when
// there is none: Telegram leaves unknown references as text.
func (p *htmlParser) reference() {
	if r, n, ok := charRef(p.src[p.pos:]); ok {
		p.write(r)
		p.pos += n
		return
	}
	p.write('&')
	p.pos++
}

// charRef decodes the reference at the start of s.
func charRef(s string) (rune, int, bool) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0, false
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1, true
	case "gt":
		return '>', end + 1, true
	case "amp":
		return '&', end + 1, true
	case "quot":
		return '"', end + 1, true
	}
	if name[0] != '#' {
		return 0, 0, false
	}
	digits, base := name[1:], 10
	if strings.HasPrefix(digits, "x") || strings.HasPrefix(digits, "X") {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
		return 0, 0, false
	}
	return rune(n), end + 1, true
}

// tag reads a start or end tag at pos.
func (p *htmlParser) tag() error {
	start := p.pos
	if strings.HasPrefix(p.src[start:], "</") {
		end := strings.IndexByte(p.src[start:], '>')
		if end < 0 {
			return parseErrorf("Unclosed end tag at byte offset %d", start)
		}
		p.pos = start + end + 1
		return p.closeTag(strings.ToLower(strings.TrimSpace(p.src[start+2:start+end])), start)
	}
	name, attrs, err := p.startTag()
	if err != nil {
		return err
	}
	return p.openTag(name, attrs, start)
}

// startTag reads "<name attr=value ...>" at pos.
func (p *htmlParser) startTag() (string, map[string]string, error) {
	start := p.pos
	p.pos++
	name := strings.ToLower(p.word())
	if name == "" {
		return "", nil, parseErrorf("Unsupported start tag at byte offset %d", start)
	}
	var attrs map[string]string // made for the first attribute: most tags have none
	for {
		p.spaces()
		if p.pos >= len(p.src) {
			return "", nil, parseErrorf("Unclosed start tag at byte offset %d", start)
		}
		if p.src[p.pos] == '>' {
			p.pos++
			return name, attrs, nil
		}
		key := strings.ToLower(p.word())
		if key == "" {
			return "", nil, parseErrorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, start)
		}
		value, err := p.attrValue(start)
		if err != nil {
			return "", nil, err
		}
		if attrs == nil {
			attrs = map[string]string{}
		}
		attrs[key] = value
	}
}

func (p *htmlParser) word() string {
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *htmlParser) spaces() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// attrValue reads "=value", quoted or not; a bare attribute has value "".
func (p *htmlParser) attrValue(tagStart int) (string, error) {
	p.spaces()
	if p.pos >= len(p.src) || p.src[p.pos] != '=' {
		return "", nil
	}
	p.pos++
	p.spaces()
	if p.pos >= len(p.src) {
		return "", parseErrorf("Unclosed start tag at byte offset %d", tagStart)
	}
	var raw string
	if q := p.src[p.pos]; q == '"' || q == '\'' {
		end := strings.IndexByte(p.src[p.pos+1:], q)
		if end < 0 {
			return "", parseErrorf("Unclosed start tag at byte offset %d", tagStart)
		}
		raw = p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
	} else {
		start := p.pos
		for p.pos < len(p.src) && strings.IndexByte(" \t\r\n>", p.src[p.pos]) < 0 {
			p.pos++
		}
		raw = p.src[start:p.pos]
	}
	return unescape(raw), nil
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if r, n, ok := charRef(s[i:]); ok {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func (p *htmlParser) openTag(name string, attrs map[string]string, at int) error {
	kind, ok := htmlTags[name]
	if !ok || name == "span" && attrs["class"] != "tg-spoiler" {
		return parseErrorf("Unsupported start tag \"%s\" at byte offset %d", name, at)
	}
	t := openTag{name: name, entity: telego.MessageEntity{Type: kind, Offset: p.units}}
	switch name {
	case "a":
		t.entity.URL = attrs["href"]
		t.quiet = t.entity.URL == ""
	case "tg-emoji":
		t.entity.CustomEmojiID = attrs["emoji-id"]
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			t.entity.Type = telego.EntityTypeExpandableBlockquote
		}
	case "code":
		if n := len(p.open); n > 0 && p.open[n-1].name == "pre" && p.open[n-1].entity.Offset == p.units {
			p.open[n-1].entity.Language = strings.TrimPrefix(attrs["class"], "language-")
			t.quiet = true
		}
	}
	p.open = append(p.open, t)
	return nil
}

func (p *htmlParser) closeTag(name string, at int) error {
	n := len(p.open)
	if n == 0 {
		return parseErrorf("Unexpected end tag at byte offset %d", at)
	}
	t := p.open[n-1]
	if t.name != name {
		return parseErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", at, t.name, name)
	}
	p.open = p.open[:n-1]
	if length := p.units - t.entity.Offset; length > 0 && !t.quiet {
		t.entity.Length = length
		p.ents = append(p.ents, t.entity)
	}
	return nil
}
