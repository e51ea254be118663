package fragment

import (
	"strings"
	"testing"
	"time"
)

func TestParseMarkup_Tolerance(t *testing.T) {
	tests := []struct {
		name, html string
		wRows      []string // each row's text
	}{
		{"omitted end tags", `<table><tr><td>a<td>b<tr><td>c</table>`, []string{"a b", "c"}},
		{"tfoot closed by tbody", `<table><tfoot><tr><td>a</td></tr><tr><td>b</td></tr></tbody></table>`, []string{"a", "b"}},
		{"rows without a table", `<tr><td>a</td></tr><tr><td>b`, []string{"a", "b"}},
		{"stray end tags", `</div></td><tr><td>a</span></td></tr>`, []string{"a"}},
		{"nested table keeps the outer row", `<table><tr><td><table><tr><td>in</td></tr></table>out</td></tr></table>`, []string{"in out", "in"}},
		{"entities", `<tr><td>&nbsp;~&nbsp;&#036;41,640 &amp; more</td></tr>`, []string{"~ $41,640 & more"}},
		{"script is text", `<tr><td><script>if (a<b && c>d) {}</script>x</td></tr>`, []string{"if (a<b && c>d) {} x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range parseMarkup(tt.html).findAll(byTag("tr")) {
				got = append(got, r.innerText())
			}
			if strings.Join(got, "|") != strings.Join(tt.wRows, "|") {
				t.Errorf("rows %q, want %q", got, tt.wRows)
			}
		})
	}
}

// Past maxDepth elements are kept flat, so that hostile nesting costs
// neither stack nor quadratic time; the text stays.
func TestParseMarkup_DeepNesting(t *testing.T) {
	deep := strings.Repeat("<div>", 100000) + `<span class="x">y</span>` + strings.Repeat("</p>", 100000)
	root := parseMarkup(deep)
	if root.find(byClass("x")) == nil || root.innerText() != "y" {
		t.Fatal("the element under deep nesting is lost")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              -1,
		"7":                             7 * time.Second,
		"0":                             0,
		"-3":                            -1,
		"soon":                          -1,
		"Sat, 21 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Sat, 21 Nov 2026 11:00:00 GMT": 0,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBreaker(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	b := &breaker{limit: 2, coolDown: time.Minute}
	step := func(now time.Time, v verdict) (ok, opened bool) {
		ok, probe := b.allow(now)
		if ok {
			opened = b.record(now, v, probe)
		}
		return ok, opened
	}
	if ok, opened := step(t0, failed); !ok || opened {
		t.Fatal("the first failure opened the breaker")
	}
	if _, opened := step(t0, failed); !opened || !b.isOpen(t0) {
		t.Fatal("the second failure did not open it")
	}
	if ok, _ := step(t0.Add(59*time.Second), answered); ok {
		t.Fatal("a request went through before the cool-down")
	}
	ok, probe := b.allow(t0.Add(time.Minute))
	if !ok || !probe {
		t.Fatal("no probe after the cool-down")
	}
	if again, _ := b.allow(t0.Add(time.Minute)); again {
		t.Fatal("a second request while the probe is out")
	}
	if !b.record(t0.Add(time.Minute), failed, true) {
		t.Fatal("a failed probe did not open it again")
	}
	if ok, _ := step(t0.Add(2*time.Minute), answered); !ok || b.isOpen(t0.Add(2*time.Minute)) {
		t.Fatal("a good probe did not close it")
	}
	if _, opened := step(t0.Add(2*time.Minute), failed); opened {
		t.Fatal("the count of failures was not reset")
	}
}

func TestBreaker_AbandonedProbe(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	b := &breaker{limit: 1, coolDown: time.Minute}
	b.allow(t0)
	b.record(t0, failed, false)
	_, probe := b.allow(t0.Add(time.Minute))
	b.record(t0.Add(time.Minute), ignored, probe)
	if ok, probe := b.allow(t0.Add(time.Minute)); !ok || !probe {
		t.Fatal("a probe the caller gave up on blocked the next one")
	}
}
