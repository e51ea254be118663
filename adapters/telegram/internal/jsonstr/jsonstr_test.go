package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Append must write encoding/json's bytes exactly, with HTML escaped and
// without.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "<b>&amp;</b>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"emoji 📱 — «ru»", "\u2028\u2029", "bad \xff\xfe utf8 \xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(html)
			if err := enc.Encode(s); err != nil {
				t.Fatal(err)
			}
			if got := Append(nil, s, html); string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
				t.Fatalf("Append(%q, %v) = %s, want %s", s, html, got, want.Bytes())
			}
		}
	})
}
