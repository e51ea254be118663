package csvstore_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"allot/adapters/sheets/csvstore"
	"allot/adapters/sheets/stocker"
	"allot/adapters/sheets/stocktest"
)

const book = "book"

// open returns a store on a fresh directory and that directory.
func open(t testing.TB) (*csvstore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := csvstore.Open(dir)
	must(t, err)
	return s, dir
}

// putFile writes a tab file in place, as a person's program does (not
// atomically, with encoding/csv's own writer).
func putFile(t testing.TB, dir, name string, rows [][]string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(dir, book), 0o755))
	f, err := os.Create(filepath.Join(dir, book, name+".csv"))
	must(t, err)
	w := csv.NewWriter(f)
	must(t, w.WriteAll(rows))
	must(t, f.Close())
}

func TestStore_Contract(t *testing.T) {
	stocktest.RunStoreContract(t, func(t *testing.T) stocktest.Fixture {
		s, dir := open(t)
		return stocktest.Fixture{
			Store:       s,
			Spreadsheet: book,
			Put:         func(t testing.TB, tab string, rows [][]string) { putFile(t, dir, tab, rows) },
			Colors:      func(_ testing.TB, tab string) []string { return s.Colors(book, tab) },
		}
	})
}

func TestStore_FileNames(t *testing.T) {
	s, dir := open(t)
	tabs := map[string]string{"Мамба Муж": "Мамба Муж.csv", "a/b": "a%2Fb.csv", "100%": "100%25.csv", "CON": "%43ON.csv"}
	for tab := range tabs {
		must(t, csvstore.WriteSample(dir, book, map[string][][]string{tab: {{tab}}}))
	}
	for tab, file := range tabs {
		if _, err := os.Stat(filepath.Join(dir, book, file)); err != nil {
			t.Errorf("tab %q: %v", tab, err)
		}
		if rows, err := s.ReadRows(t.Context(), book, tab); err != nil || !slices.Equal(rows[0], []string{tab}) {
			t.Errorf("ReadRows(%q) = %q, %v", tab, rows, err)
		}
	}
	for _, bad := range [][2]string{{"", "tab"}, {book, ""}} {
		if _, err := s.ReadRows(t.Context(), bad[0], bad[1]); err == nil {
			t.Errorf("ReadRows(%q, %q) worked", bad[0], bad[1])
		}
	}
}

// TestStore_HandEdit: a person saves the tab from a spreadsheet program
// (byte order mark, CRLF, a blank line, a bare quote, a line break in a
// cell) between the store's read and its write; the write keeps all of it.
func TestStore_HandEdit(t *testing.T) {
	s, dir := open(t)
	path := filepath.Join(dir, book, stockTab+".csv")
	putFile(t, dir, stockTab, [][]string{{"login", "password"}, {"a", "1"}})
	if _, err := s.ReadRows(t.Context(), book, stockTab); err != nil {
		t.Fatal(err)
	}
	edited := "\uFEFFlogin,password\r\nnew,\"two\r\nlines\"\r\n\r\nan \"inch\",2\r\na,1\r\n"
	must(t, os.WriteFile(path, []byte(edited), 0o600))
	must(t, os.Chmod(path, 0o600))

	must(t, s.SetCells(t.Context(), book, stockTab, []stocker.Cell{{Row: 4, Col: 2, Value: "claimed"}}))

	want := "\uFEFFlogin,password\r\nnew,\"two\r\nlines\"\r\n\r\n\"an \"\"inch\"\"\",2\r\na,1,claimed\r\n"
	got, err := os.ReadFile(path)
	must(t, err)
	if string(got) != want {
		t.Errorf("file =\n%q\nwant\n%q", got, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode after a rewrite = %v, %v; want 0600 kept", info.Mode(), err)
	}
	stocktest.Fixture{Store: s, Spreadsheet: book}.WantRows(t, stockTab,
		[][]string{{"login", "password"}, {"new", "two\nlines"}, {}, {`an "inch"`, "2"}, {"a", "1", "claimed"}})
}

func TestStore_NoTempFilesLeft(t *testing.T) {
	s, dir := open(t)
	putFile(t, dir, stockTab, [][]string{{"h"}})
	must(t, s.AppendRows(t.Context(), book, stockTab, []stocker.Row{{Cells: []string{"a"}, Color: "#FFFFFF"}}))
	entries, err := os.ReadDir(filepath.Join(dir, book))
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{stockTab + ".colors", stockTab + ".csv"}; !slices.Equal(names, want) {
		t.Errorf("files = %q, want %q", names, want)
	}
}

func TestStore_Colors(t *testing.T) {
	s, dir := open(t)
	putFile(t, dir, stockTab, [][]string{{"h"}, {"a"}})
	if got := s.Colors(book, stockTab); !slices.Equal(got, []string{"", ""}) {
		t.Errorf("colours of an uncoloured tab = %q", got)
	}
	must(t, s.AppendRows(t.Context(), book, stockTab, []stocker.Row{
		{Cells: []string{"b"}, Color: "#F4C7C3"}, {Cells: []string{"c"}, Color: "#b7e1cd"},
	}))
	must(t, s.InsertRows(t.Context(), book, stockTab, 1, [][]string{{"new"}}))
	must(t, s.DeleteRows(t.Context(), book, stockTab, []int{2}))
	want := []string{"", "", "#F4C7C3", "#b7e1cd"} // h, new, b, c
	if got := s.Colors(book, stockTab); !slices.Equal(got, want) {
		t.Errorf("colours = %q, want %q", got, want)
	}
	if got := s.Colors(book, "Нет такой"); got != nil {
		t.Errorf("colours of a missing tab = %q", got)
	}

	putFile(t, dir, "plain", [][]string{{"h"}})
	must(t, s.AppendRows(t.Context(), book, "plain", []stocker.Row{{Cells: []string{"a"}}}))
	if _, err := os.Stat(filepath.Join(dir, book, "plain.colors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a tab without colours got a colour file: %v", err)
	}
	for _, bad := range []string{"red", "#FFF", "#GGGGGG", "#FFFFFF\n"} {
		err := s.AppendRows(t.Context(), book, "plain", []stocker.Row{{Cells: []string{"x"}, Color: bad}})
		if err == nil {
			t.Errorf("colour %q accepted", bad)
		}
	}
	stocktest.Fixture{Store: s, Spreadsheet: book}.WantRows(t, "plain", [][]string{{"h"}, {"a"}})
}

func TestStore_Indices(t *testing.T) {
	s, dir := open(t)
	f := stocktest.Fixture{Store: s, Spreadsheet: book}
	rows := [][]string{{"h"}, {"a"}, {"b"}}
	putFile(t, dir, stockTab, rows)
	for name, err := range map[string]error{
		"SetCells row":   s.SetCells(t.Context(), book, stockTab, []stocker.Cell{{Row: 0, Col: 0, Value: "ok"}, {Row: -1}}),
		"SetCells col":   s.SetCells(t.Context(), book, stockTab, []stocker.Cell{{Col: -1}}),
		"DeleteRows":     s.DeleteRows(t.Context(), book, stockTab, []int{1, -1}),
		"InsertRows":     s.InsertRows(t.Context(), book, stockTab, -1, [][]string{{"x"}}),
		"empty tab name": s.AppendRows(t.Context(), book, "", nil),
	} {
		if err == nil {
			t.Errorf("%s: a negative index worked", name)
		}
	}
	f.WantRows(t, stockTab, rows)

	t.Run("a repeated or past-the-end delete", func(t *testing.T) {
		must(t, s.DeleteRows(t.Context(), book, stockTab, []int{1, 1, 99}))
		f.WantRows(t, stockTab, [][]string{{"h"}, {"b"}})
	})
	t.Run("an insert past the end leaves empty rows", func(t *testing.T) {
		must(t, s.InsertRows(t.Context(), book, stockTab, 4, [][]string{{"far"}}))
		f.WantRows(t, stockTab, [][]string{{"h"}, {"b"}, {}, {}, {"far"}})
	})
	t.Run("clearing a cell that does not exist adds nothing", func(t *testing.T) {
		must(t, s.SetCells(t.Context(), book, stockTab, []stocker.Cell{{Row: 0, Col: 5}, {Row: 9, Col: 0}}))
		f.WantRows(t, stockTab, [][]string{{"h"}, {"b"}, {}, {}, {"far"}})
	})
	t.Run("clearing the last row drops it", func(t *testing.T) {
		must(t, s.SetCells(t.Context(), book, stockTab, []stocker.Cell{{Row: 4, Col: 0}}))
		f.WantRows(t, stockTab, [][]string{{"h"}, {"b"}})
	})
}

// TestWriteSample lays out the stock tabs named in testdata/kinds.json, as
// the playground does.
func TestWriteSample(t *testing.T) {
	tabs := map[string][][]string{}
	for _, title := range stockTabs(t) {
		tabs[title] = [][]string{{"login", "password", "region"}, {title + "-1", "secret", "495"}}
	}
	s, dir := open(t)
	must(t, csvstore.WriteSample(dir, book, tabs))
	f := stocktest.Fixture{Store: s, Spreadsheet: book}
	for title, rows := range tabs {
		f.WantRows(t, title, rows)
	}

	title := stockTabs(t)[0]
	must(t, s.DeleteRows(t.Context(), book, title, []int{1})) // issued
	must(t, csvstore.WriteSample(dir, book, tabs))            // a restart
	f.WantRows(t, title, tabs[title][:1])
}

// stockTabs reads the titles of the stock tabs from testdata/kinds.json.
func stockTabs(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile("../../../testdata/kinds.json")
	must(t, err)
	var catalogue struct {
		Kinds []struct {
			StockTab   string            `json:"stock_tab"`
			VariantTab map[string]string `json:"variant_tabs"`
		} `json:"kinds"`
	}
	must(t, json.Unmarshal(data, &catalogue))
	var titles []string
	for _, k := range catalogue.Kinds {
		if k.StockTab != "" {
			titles = append(titles, k.StockTab)
		}
		for _, v := range k.VariantTab {
			titles = append(titles, v)
		}
	}
	if !slices.ContainsFunc(titles, func(s string) bool { return strings.Contains(s, " ") }) {
		t.Fatalf("no stock tab with a space in kinds.json: %q", titles)
	}
	return titles
}

func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "sheets")
	s, err := csvstore.Open(dir)
	must(t, err)
	if _, err := s.ReadRows(t.Context(), book, stockTab); !errors.Is(err, stocker.ErrNoTab) {
		t.Errorf("ReadRows in a new directory: %v, want ErrNoTab", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(file, nil, 0o644))
	if _, err := csvstore.Open(file); err == nil {
		t.Error("Open on a file worked")
	}
}
