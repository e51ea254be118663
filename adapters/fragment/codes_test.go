package fragment

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// codeRow is a row in the fake's style: the code, then its time.
func codeRow(code, datetime string) string {
	t := ""
	if datetime != "" {
		t = `<time datetime="` + datetime + `">whenever</time>`
	}
	return `<tr><td><div class="table-cell"><div class="table-cell-value tm-value">` + code +
		`</div><div class="table-cell-desc">Telegram</div></div></td><td><div class="table-cell-value">` + t + `</div></td></tr>`
}

func codesTable(rows ...string) string {
	return `<section class="tm-section js-codes-main"><table class="table tm-table"><thead><tr><th>Code</th><th>Received</th></tr></thead><tbody>` +
		strings.Join(rows, "\n") + `</tbody></table></section>`
}

func TestParseCodes(t *testing.T) {
	const early, late = "2026-11-21T10:00:00+00:00", "2026-11-21T10:05:00+00:00"
	tests := []struct {
		name, html string
		wCodes     []string // newest first
		wBad       bool
	}{
		{name: "newest first", html: codesTable(codeRow("52817", late), codeRow("60493", early)), wCodes: []string{"52817", "60493"}},
		{name: "sorted by time", html: codesTable(codeRow("60493", early), codeRow("52817", late)), wCodes: []string{"52817", "60493"}},
		{name: "no times: page order", html: codesTable(codeRow("111111", ""), codeRow("22222", "")), wCodes: []string{"111111", "22222"}},
		{name: "spaced and unclosed", html: `<table><tr><td><div class="table-cell-value">12 345</div><tr><td><div class="table-cell-value">67-890</div></table>`, wCodes: []string{"12345", "67890"}},
		{name: "a filler row", html: codesTable(`<tr><td class="table-empty">No codes yet</td></tr>`, codeRow("52817", late)), wCodes: []string{"52817"}},
		{name: "empty html", html: " \n "},
		{name: "header only", html: codesTable()},
		{name: "empty marker", html: `<div class="js-codes-main"><div class="tm-table-empty">No login codes yet.</div></div>`},
		{name: "codes off", html: `<section class="tm-section js-codes-main codes-disabled"><label class="js-toggle-receive"></label></section>`},
		{name: "cards, no table", html: `<div class="tm-login-cards"><div class="tm-login-card">52817</div></div>`, wBad: true},
		{name: "text only", html: `Something went wrong`, wBad: true},
		{name: "codes page, code outside a table", html: `<div class="js-codes-main"><b>Code: 52817</b></div>`, wBad: true},
		{name: "row of a new shape", html: codesTable(`<tr><td><span class="tm-code">52817</span></td></tr>`), wBad: true},
		{name: "value not a code", html: codesTable(codeRow("Web login 52817", "")), wBad: true},
		{name: "value too long", html: codesTable(codeRow("123456789", "")), wBad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, err := parseCodes(tt.html)
			if tt.wBad {
				if !errors.Is(err, ErrBadReply) {
					t.Fatalf("err = %v, want ErrBadReply", err)
				}
				if regexp.MustCompile(`\d{4,}`).MatchString(err.Error()) {
					t.Errorf("the error quotes digits: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range codes {
				got = append(got, c.Code)
			}
			if strings.Join(got, ",") != strings.Join(tt.wCodes, ",") {
				t.Errorf("codes %v, want %v", got, tt.wCodes)
			}
		})
	}
}

func TestParseCodes_Time(t *testing.T) {
	codes, err := parseCodes(codesTable(codeRow("52817", "2026-11-21T10:05:00+03:00"), codeRow("60493", "yesterday")))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 21, 7, 5, 0, 0, time.UTC); !codes[0].At.Equal(want) {
		t.Errorf("At = %v, want %v", codes[0].At, want)
	}
	if !codes[1].At.IsZero() {
		t.Errorf("an unreadable datetime gave %v, want zero", codes[1].At)
	}
}

// FuzzParseCodes: no panic, only codes of digits, and errors that are
// ErrBadReply and quote no digits.
func FuzzParseCodes(f *testing.F) {
	f.Add(codesTable(codeRow("52817", "2026-11-21T10:05:00+00:00")))
	f.Add(`<table><tr><td><div class="table-cell-value">12 345</div><tr><td>`)
	f.Add(`<div class="js-codes-main"><div class="tm-table-empty"></div></div>`)
	f.Add(`<table><tfoot><tr class="more"><td></tbody></table><script>if (a<b) {}</script>`)
	f.Add(strings.Repeat("<div>", 2000) + `<table><tr><td class="table-cell-value">1234`)
	digits := regexp.MustCompile(`\d{4,}`)
	f.Fuzz(func(t *testing.T, html string) {
		codes, err := parseCodes(html)
		if err != nil {
			if !errors.Is(err, ErrBadReply) || digits.MatchString(err.Error()) {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		for _, c := range codes {
			if len(c.Code) < 4 || len(c.Code) > 8 || strings.Trim(c.Code, "0123456789") != "" {
				t.Fatalf("a code of %d characters that are not all digits", len(c.Code))
			}
		}
	})
}
