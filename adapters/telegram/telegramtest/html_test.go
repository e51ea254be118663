package telegramtest

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mymmrac/telego"
)

func TestParseHTML(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		wText     string
		wEnts     []telego.MessageEntity
		wErr      string
	}{
		{name: "plain", src: "hello", wText: "hello"},
		{name: "bold and italic", src: "<b>a</b><i>bc</i>", wText: "abc",
			wEnts: []telego.MessageEntity{{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 1, Length: 2}}},
		{name: "nested: the outer entity comes first", src: "<b>x<i>y</i></b>", wText: "xy",
			wEnts: []telego.MessageEntity{{Type: "bold", Offset: 0, Length: 2}, {Type: "italic", Offset: 1, Length: 1}}},
		{name: "offsets count UTF-16 units", src: "😀<b>x</b>", wText: "😀x",
			wEnts: []telego.MessageEntity{{Type: "bold", Offset: 2, Length: 1}}},
		{name: "references", src: "&lt;&gt;&amp;&quot;&#65;&#x42;&nbsp;", wText: `<>&"AB&nbsp;`},
		{name: "a bare ampersand", src: "Tom & Jerry", wText: "Tom & Jerry"},
		{name: "link", src: `<a href='https://t.me/a?x=1&amp;y=2'>go</a>`, wText: "go",
			wEnts: []telego.MessageEntity{{Type: "text_link", Offset: 0, Length: 2, URL: "https://t.me/a?x=1&y=2"}}},
		{name: "pre with a language", src: `<pre><code class="language-go">x := 1</code></pre>`, wText: "x := 1",
			wEnts: []telego.MessageEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{name: "spoiler span", src: `<span class="tg-spoiler">s</span>`, wText: "s",
			wEnts: []telego.MessageEntity{{Type: "spoiler", Offset: 0, Length: 1}}},
		{name: "expandable quote", src: `<blockquote expandable>q</blockquote>`, wText: "q",
			wEnts: []telego.MessageEntity{{Type: "expandable_blockquote", Offset: 0, Length: 1}}},
		{name: "empty tags make no entity", src: "<b></b>x", wText: "x"},
		{name: "upper-case tags", src: "<B>x</B>", wText: "x", wEnts: []telego.MessageEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{name: "unescaped less-than", src: "1 < 2", wErr: "Unsupported start tag at byte offset 2"},
		{name: "unknown tag", src: "<div>x</div>", wErr: `Unsupported start tag "div"`},
		{name: "span without the spoiler class", src: "<span>x</span>", wErr: `Unsupported start tag "span"`},
		{name: "unclosed", src: "<b>x", wErr: `Can't find end tag corresponding to start tag "b"`},
		{name: "crossed", src: "<b><i>x</b></i>", wErr: "Unmatched end tag"},
		{name: "stray end tag", src: "x</b>", wErr: "Unexpected end tag"},
		{name: "tag without end", src: "<b", wErr: "Unclosed start tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, ents, err := parseHTML(tc.src)
			if tc.wErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wErr) {
					t.Fatalf("parseHTML(%q) error %v, want %q", tc.src, err, tc.wErr)
				}
				return
			}
			if err != nil || text != tc.wText || !equalish(ents, tc.wEnts) {
				t.Fatalf("parseHTML(%q) = %q %+v %v, want %q %+v", tc.src, text, ents, err, tc.wText, tc.wEnts)
			}
		})
	}
}

// FuzzParseHTML checks that no input panics and that every entity lies
// within the text, in UTF-16 units.
func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "&#128512;<i>é</i>", `<a href="u">l</a>`, "<pre><code class=x>c</code></pre>", "<", "&#x;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		text, ents, err := parseHTML(src)
		if err != nil {
			return
		}
		units := len(utf16.Encode([]rune(text)))
		for _, e := range ents {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > units {
				t.Fatalf("parseHTML(%q) = %q with entity %+v outside %d units", src, text, e, units)
			}
		}
	})
}
