package outbox

import (
	"strings"
	"testing"
)

// fitsHTML must agree with htmlLen, whose bytes-only shortcut it takes.
func FuzzFitsHTML(f *testing.F) {
	for _, s := range []string{"", "plain", "<b>bold</b> &amp; é 💰", strings.Repeat("<i>x</i>", 30), "&lt;&gt;&#128176;"} {
		f.Add(s, 5)
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if got, want := fitsHTML(s, limit), htmlLen(s) <= limit; got != want {
			t.Errorf("fitsHTML(%q, %d) = %v, htmlLen is %d", s, limit, got, htmlLen(s))
		}
	})
}
