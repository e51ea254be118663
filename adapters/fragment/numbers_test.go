package fragment

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"allot/adapters/fragment/fragmenttest"
)

func readSample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseNumbers_RealSamples(t *testing.T) {
	tests := []struct {
		file  string
		want  []OwnedNumber
		wNext string
	}{
		{"numbers_one_per_status.real.html", []OwnedNumber{
			{Number: "+88807303695", Status: "For sale"},
			{Number: "+8888666", Status: "Sold"},
			{Number: "+88800001312", Status: "Resale"},
		}, ""},
		{"numbers_search_result.real.html", []OwnedNumber{
			{Number: "+88809888888", Status: "For sale"},
			{Number: "+88808888880", Status: "For sale"},
		}, "/my/numbers?offset=500"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := parseNumbers(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.numbers, tt.want) || p.next != tt.wNext || p.total != -1 {
				t.Errorf("got %+v next %q total %d; want %+v next %q total -1", p.numbers, p.next, p.total, tt.want, tt.wNext)
			}
		})
	}
}

// fakeNumbersPage is the h of the fake's /my/numbers in AJAX mode.
func fakeNumbersPage(t *testing.T, srv *fragmenttest.Server, query string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/my/numbers"+query, nil)
	req.Header.Set("Cookie", srv.Cookies())
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	req.Header.Set("X-Aj-Referer", srv.URL()+"/my/numbers")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ H string }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.H
}

func TestParseNumbers_FakeMarkup(t *testing.T) {
	srv := fragmenttest.New(fragmenttest.WithPageSize(2))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	for _, n := range []string{"+88801234567", "+88800000001", "+88899999999"} {
		srv.AddNumber(n)
	}
	srv.Restrict("+88801234567", true)

	p, err := parseNumbers(fakeNumbersPage(t, srv, ""))
	if err != nil {
		t.Fatal(err)
	}
	want := []OwnedNumber{
		{Number: "+88800000001", Status: "Not for sale"},
		{Number: "+88801234567", Restricted: true, Status: "Restricted"},
	}
	if !reflect.DeepEqual(p.numbers, want) || p.next != "/my/numbers?offset=2" || p.total != 3 {
		t.Fatalf("page 1: %+v next %q total %d", p.numbers, p.next, p.total)
	}
	p, err = parseNumbers(fakeNumbersPage(t, srv, "?offset=2"))
	if err != nil || len(p.numbers) != 1 || p.numbers[0].Number != "+88899999999" || p.next != "" {
		t.Fatalf("page 2: %+v next %q, %v", p.numbers, p.next, err)
	}
}

func TestParseNumbers_Shapes(t *testing.T) {
	row := func(inner string) string { return `<tr class="tm-row-selectable"><td>` + inner + `</td></tr>` }
	link := `<a href="/number/88801234567" class="table-cell"><div class="table-cell-value tm-value">+888 0123 4567</div></a>`
	table := func(rows ...string) string {
		return `<table class="table tm-table"><tbody>` + strings.Join(rows, "") + `</tbody></table>`
	}
	tests := []struct {
		name, html  string
		wNumbers    int
		wRestricted bool
		wNext       string
		wBad        bool
	}{
		{name: "warning blockquote", html: table(row(link + `<blockquote class="tm-section-blockquote tm-warning">Restricted</blockquote>`)), wNumbers: 1, wRestricted: true},
		{name: "the word", html: table(row(link + `<div class="table-cell-status-thin">restricted</div>`)), wNumbers: 1, wRestricted: true},
		{name: "more with href", html: table(row(link), row(`<a class="js-load-more" href="/my/numbers?offset=50&amp;x=1">Show more</a>`)), wNumbers: 1, wNext: "/my/numbers?offset=50&x=1"},
		{name: "more elsewhere is not followed", html: table(row(link), row(`<a class="js-load-more" href="https://evil.example/my/numbers">more</a>`)), wNumbers: 1},
		{name: "no numbers, a table", html: table()},
		{name: "no numbers, the tab says 0", html: `<a href="/my/numbers">Numbers <span>0</span></a><p>Nothing here</p>`},
		{name: "a link that is not +888", html: table(row(`<a href="/number/79991234567">x</a>`)), wBad: true},
		{name: "rows without links", html: table(row(`<div class="table-cell-value">+888 0123 4567</div>`)), wBad: true},
		{name: "tab says 3, no rows", html: `<a href="/my/numbers">Numbers <span>3</span></a><div class="tm-grid">` + link + `</div>`, wBad: true},
		{name: "neither table nor tab", html: `<div class="tm-grid">` + link + `</div>`, wBad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseNumbers(tt.html)
			if tt.wBad {
				if !errors.Is(err, ErrBadReply) {
					t.Fatalf("err = %v, want ErrBadReply", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.numbers) != tt.wNumbers || p.next != tt.wNext ||
				tt.wNumbers > 0 && p.numbers[0].Restricted != tt.wRestricted {
				t.Errorf("got %+v next %q", p.numbers, p.next)
			}
		})
	}
}

// FuzzParseNumbers: no panic, and every number is a canonical +888 one.
func FuzzParseNumbers(f *testing.F) {
	f.Add(readSample(f, "numbers_one_per_status.real.html"))
	f.Add(readSample(f, "numbers_search_result.real.html"))
	f.Add(`<tr class="tm-row-selectable"><a href="/number/8881234567/"><tr class="tm-row-selectable"><a data-next-offset="9">`)
	f.Fuzz(func(t *testing.T, html string) {
		p, err := parseNumbers(html)
		if err != nil {
			if !errors.Is(err, ErrBadReply) {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		for _, n := range p.numbers {
			if !strings.HasPrefix(n.Number, "+888") || strings.Trim(n.Number[1:], "0123456789") != "" {
				t.Fatalf("not a canonical number: %q", n.Number)
			}
		}
		if p.next != "" && !strings.HasPrefix(p.next, "/my/numbers") {
			t.Fatalf("a next page off the list: %q", p.next)
		}
	})
}
