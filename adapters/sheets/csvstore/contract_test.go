package csvstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"allot/adapters/sheets"
)

// This file is the contract of sheets.Store, written against the port and
// a fixture only, so that any implementation can run it: csvstore here,
// the Google client against the fake server or a real spreadsheet.

// storeFixture is what the contract needs besides the port.
type storeFixture struct {
	store       sheets.Store
	spreadsheet string
	// put creates or replaces a tab behind the store's back, as a person
	// does; the contract also uses it for hand edits between two calls.
	put func(t testing.TB, tab string, rows [][]string)
	// colors returns the background colour of every row of a tab; nil
	// when the implementation cannot show colours.
	colors func(t testing.TB, tab string) []string
}

// runStoreContract runs every contract case on a fresh fixture.
func runStoreContract(t *testing.T, newFixture func(t *testing.T) storeFixture) {
	for _, c := range contractCases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newFixture(t)) })
	}
}

// stockTab is a Cyrillic title with a space, as real stock tabs have;
// trashTab is named as the stocker names a stock tab's trash.
const (
	stockTab = "Мамба Муж"
	trashTab = "allot trash · Мамба Муж"
)

var contractCases = []struct {
	name string
	run  func(t *testing.T, f storeFixture)
}{
	{"ReadRows returns ragged rows as they are", func(t *testing.T, f storeFixture) {
		rows := [][]string{{"login", "password", "region"}, {"a", "1"}, {"b", "2", "495", "extra"}}
		f.put(t, stockTab, rows)
		wantRows(t, f, stockTab, rows)
	}},
	{"ReadRows keeps inner empty rows and drops trailing ones", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"a"}, {}, {"b"}, {}, {}})
		wantRows(t, f, stockTab, [][]string{{"h"}, {"a"}, {}, {"b"}})
	}},
	{"ReadRows of an empty tab", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, nil)
		wantRows(t, f, stockTab, nil)
	}},
	{"a missing tab is ErrNoTab for every method", testMissingTab},
	{"SetCells grows short rows and the tab", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h", "x"}, {"a"}})
		must(t, f.store.SetCells(ctx(t), f.spreadsheet, stockTab, []sheets.CellValue{
			{Row: 1, Col: 2, Value: "claimed"}, {Row: 0, Col: 0, Value: "H"}, {Row: 3, Col: 1, Value: "far"},
		}))
		wantRows(t, f, stockTab, [][]string{{"H", "x"}, {"a", "", "claimed"}, {}, {"", "far"}})
	}},
	{"SetCells applies cells in order", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"a", "b"}})
		must(t, f.store.SetCells(ctx(t), f.spreadsheet, stockTab, []sheets.CellValue{
			{Row: 1, Col: 1, Value: "first"}, {Row: 1, Col: 1, Value: "second"},
		}))
		wantRows(t, f, stockTab, [][]string{{"h"}, {"a", "second"}})
	}},
	{"DeleteRows removes several rows, the header too, by their indices as read", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"r1"}, {"r2"}, {"r3"}, {"r4"}, {"r5"}})
		must(t, f.store.DeleteRows(ctx(t), f.spreadsheet, stockTab, []int{4, 0, 2}))
		wantRows(t, f, stockTab, [][]string{{"r1"}, {"r3"}, {"r5"}})
	}},
	{"DeleteRows of every row leaves an empty tab", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"r1"}})
		must(t, f.store.DeleteRows(ctx(t), f.spreadsheet, stockTab, []int{0, 1}))
		wantRows(t, f, stockTab, nil)
	}},
	{"InsertRows at the top, in the middle and at the end", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"a"}, {"b"}})
		must(t, f.store.InsertRows(ctx(t), f.spreadsheet, stockTab, 0, [][]string{{"top"}}))
		must(t, f.store.InsertRows(ctx(t), f.spreadsheet, stockTab, 2, [][]string{{"m1", "x"}, {"m2"}}))
		must(t, f.store.InsertRows(ctx(t), f.spreadsheet, stockTab, 6, [][]string{{"end"}}))
		wantRows(t, f, stockTab, [][]string{{"top"}, {"h"}, {"m1", "x"}, {"m2"}, {"a"}, {"b"}, {"end"}})
	}},
	{"cells keep commas, quotes, line breaks, spaces and a leading plus", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}})
		odd := []string{"a,b", `say "hi"`, "two\nlines", " padded ", "+79991234567", "Ёжик", "007"}
		must(t, f.store.InsertRows(ctx(t), f.spreadsheet, stockTab, 1, [][]string{odd}))
		wantRows(t, f, stockTab, [][]string{{"h"}, odd})
	}},
	{"AppendRows writes after the last row with a value, with colours", func(t *testing.T, f storeFixture) {
		f.put(t, "Мамба_Выдано", [][]string{{"h"}, {"a"}, {}, {"b"}})
		must(t, f.store.AppendRows(ctx(t), f.spreadsheet, "Мамба_Выдано", []sheets.ColoredRow{
			{Cells: []string{"c", "1"}, Color: "#B7E1CD"}, {Cells: []string{"d"}},
		}))
		wantRows(t, f, "Мамба_Выдано", [][]string{{"h"}, {"a"}, {}, {"b"}, {"c", "1"}, {"d"}})
		if f.colors == nil {
			return
		}
		if got, want := f.colors(t, "Мамба_Выдано"), []string{"", "", "", "", "#B7E1CD", ""}; !slices.Equal(got, want) {
			t.Errorf("colours = %q, want %q", got, want)
		}
	}},
	{"calls with nothing to do change nothing", func(t *testing.T, f storeFixture) {
		rows := [][]string{{"h"}, {"a"}}
		f.put(t, stockTab, rows)
		must(t, f.store.SetCells(ctx(t), f.spreadsheet, stockTab, nil))
		must(t, f.store.DeleteRows(ctx(t), f.spreadsheet, stockTab, nil))
		must(t, f.store.InsertRows(ctx(t), f.spreadsheet, stockTab, 0, nil))
		must(t, f.store.AppendRows(ctx(t), f.spreadsheet, stockTab, nil))
		must(t, f.store.TakeRows(ctx(t), f.spreadsheet, stockTab, nil, trashTab, 0))
		wantRows(t, f, stockTab, rows)
	}},
	{"a write applies to the tab as it is now, not as it was read", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"a"}, {"b"}})
		read(t, f, stockTab) // "a" is row 1 as read
		f.put(t, stockTab, [][]string{{"h"}, {"person's"}, {"a"}, {"b"}})
		must(t, f.store.DeleteRows(ctx(t), f.spreadsheet, stockTab, []int{1}))
		// The stale index hit the person's row: that is why callers check
		// by reading again. Nothing else was touched.
		wantRows(t, f, stockTab, [][]string{{"h"}, {"a"}, {"b"}})
	}},
	{"concurrent appends lose no row", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}})
		const n = 16
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				row := sheets.ColoredRow{Cells: []string{fmt.Sprint("r", i)}}
				if err := f.store.AppendRows(ctx(t), f.spreadsheet, stockTab, []sheets.ColoredRow{row}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := read(t, f, stockTab)
		if len(got) != n+1 {
			t.Fatalf("%d rows after %d appends: %q", len(got), n, got)
		}
		for i := range n {
			if !slices.ContainsFunc(got, func(r []string) bool { return slices.Equal(r, []string{fmt.Sprint("r", i)}) }) {
				t.Errorf("row r%d is lost: %q", i, got)
			}
		}
	}},
	{"TakeRows copies the rows into trash in ascending order, then deletes them", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"r1", "a"}, {"r2"}, {"r3"}, {"r4", "", "b"}, {"r5"}})
		f.put(t, trashTab, [][]string{{"earlier"}})
		must(t, f.store.TakeRows(ctx(t), f.spreadsheet, stockTab, []int{4, 1, 2, 2}, trashTab, 1))
		wantRows(t, f, stockTab, [][]string{{"h"}, {"r3"}, {"r5"}})
		wantRows(t, f, trashTab, [][]string{{"earlier"}, {"r1", "a"}, {"r2"}, {"r4", "", "b"}})
	}},
	{"TakeRows leaves empty rows in trash up to at", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"r1"}})
		f.put(t, trashTab, nil)
		must(t, f.store.TakeRows(ctx(t), f.spreadsheet, stockTab, []int{1}, trashTab, 2))
		wantRows(t, f, stockTab, [][]string{{"h"}})
		wantRows(t, f, trashTab, [][]string{{}, {}, {"r1"}})
	}},
	{"TakeRows with a stale index: the receipt shows the person's row it took", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}, {"a"}, {"b"}})
		f.put(t, trashTab, nil)
		read(t, f, stockTab) // "a" is row 1 as read
		f.put(t, stockTab, [][]string{{"h"}, {"person's"}, {"a"}, {"b"}})
		must(t, f.store.TakeRows(ctx(t), f.spreadsheet, stockTab, []int{1}, trashTab, 0))
		wantRows(t, f, trashTab, [][]string{{"person's"}})
		wantRows(t, f, stockTab, [][]string{{"h"}, {"a"}, {"b"}})
	}},
	{"TakeRows copies the rows' colours", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}})
		f.put(t, trashTab, [][]string{{"earlier"}})
		must(t, f.store.AppendRows(ctx(t), f.spreadsheet, stockTab, []sheets.ColoredRow{
			{Cells: []string{"a"}, Color: "#B7E1CD"}, {Cells: []string{"b"}}, {Cells: []string{"c"}, Color: "#F4C7C3"},
		}))
		must(t, f.store.TakeRows(ctx(t), f.spreadsheet, stockTab, []int{3, 1}, trashTab, 1))
		wantRows(t, f, trashTab, [][]string{{"earlier"}, {"a"}, {"c"}})
		if f.colors == nil {
			return
		}
		if got, want := f.colors(t, trashTab), []string{"", "#B7E1CD", "#F4C7C3"}; !slices.Equal(got, want) {
			t.Errorf("trash colours = %q, want %q", got, want)
		}
		if got, want := f.colors(t, stockTab), []string{"", ""}; !slices.Equal(got, want) {
			t.Errorf("stock colours = %q, want %q", got, want)
		}
	}},
	{"EnsureTab creates an empty tab and leaves an existing one alone", func(t *testing.T, f storeFixture) {
		f.put(t, stockTab, [][]string{{"h"}})
		must(t, f.store.EnsureTab(ctx(t), f.spreadsheet, trashTab))
		must(t, f.store.EnsureTab(ctx(t), f.spreadsheet, trashTab))
		wantRows(t, f, trashTab, nil)
		must(t, f.store.EnsureTab(ctx(t), f.spreadsheet, stockTab))
		wantRows(t, f, stockTab, [][]string{{"h"}})
	}},
	{"a cancelled context writes nothing", func(t *testing.T, f storeFixture) {
		rows := [][]string{{"h"}, {"a"}}
		f.put(t, stockTab, rows)
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if err := f.store.AppendRows(cancelled, f.spreadsheet, stockTab, []sheets.ColoredRow{{Cells: []string{"x"}}}); err == nil {
			t.Error("AppendRows with a cancelled context worked")
		}
		wantRows(t, f, stockTab, rows)
	}},
}

func testMissingTab(t *testing.T, f storeFixture) {
	f.put(t, stockTab, [][]string{{"h"}})
	s, id, tab := f.store, f.spreadsheet, "Нет такой"
	calls := map[string]error{
		"ReadRows":                           second(s.ReadRows(ctx(t), id, tab)),
		"SetCells":                           s.SetCells(ctx(t), id, tab, []sheets.CellValue{{Value: "x"}}),
		"DeleteRows":                         s.DeleteRows(ctx(t), id, tab, []int{0}),
		"InsertRows":                         s.InsertRows(ctx(t), id, tab, 0, [][]string{{"x"}}),
		"AppendRows":                         s.AppendRows(ctx(t), id, tab, []sheets.ColoredRow{{Cells: []string{"x"}}}),
		"TakeRows":                           s.TakeRows(ctx(t), id, tab, []int{0}, stockTab, 1),
		"TakeRows into a missing trash":      s.TakeRows(ctx(t), id, stockTab, []int{0}, tab, 0),
		"ReadRows of a missing spreadsheet":  second(s.ReadRows(ctx(t), id+"-missing", stockTab)),
		"EnsureTab in a missing spreadsheet": s.EnsureTab(ctx(t), id+"-missing", stockTab),
	}
	for name, err := range calls {
		if !errors.Is(err, sheets.ErrNoTab) {
			t.Errorf("%s: err = %v, want ErrNoTab", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func ctx(t testing.TB) context.Context { return t.Context() }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func read(t testing.TB, f storeFixture, tab string) [][]string {
	t.Helper()
	rows, err := f.store.ReadRows(ctx(t), f.spreadsheet, tab)
	must(t, err)
	return rows
}

// wantRows compares a tab with want, an empty row being nil or empty.
func wantRows(t testing.TB, f storeFixture, tab string, want [][]string) {
	t.Helper()
	got := read(t, f, tab)
	if !slices.EqualFunc(got, want, func(a, b []string) bool { return slices.Equal(a, b) }) {
		t.Errorf("rows of %q =\n%q\nwant\n%q", tab, got, want)
	}
}
