package stocktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"allot/adapters/sheets/stocker"
)

// The contract's cases, written against the port and a Fixture only.

// cases are the contract, one behaviour each.
var cases = []struct {
	name string
	run  func(t *testing.T, f Fixture)
}{
	{"ReadRows returns ragged rows as they are", func(t *testing.T, f Fixture) {
		rows := [][]string{{"login", "password", "region"}, {"a", "1"}, {"b", "2", "495", "extra"}}
		f.Put(t, StockTab, rows)
		f.WantRows(t, StockTab, rows)
	}},
	{"ReadRows keeps inner empty rows and drops trailing ones", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"a"}, {}, {"b"}, {}, {}})
		f.WantRows(t, StockTab, [][]string{{"h"}, {"a"}, {}, {"b"}})
	}},
	{"ReadRows of an empty tab", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, nil)
		f.WantRows(t, StockTab, nil)
	}},
	{"a missing tab is ErrNoTab for every method", testMissingTab},
	{"SetCells grows short rows and the tab", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h", "x"}, {"a"}})
		Must(t, f.Store.SetCells(ctx(t), f.Spreadsheet, StockTab, []stocker.Cell{
			{Row: 1, Col: 2, Value: "claimed"}, {Row: 0, Col: 0, Value: "H"}, {Row: 3, Col: 1, Value: "far"},
		}))
		f.WantRows(t, StockTab, [][]string{{"H", "x"}, {"a", "", "claimed"}, {}, {"", "far"}})
	}},
	{"SetCells applies cells in order", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"a", "b"}})
		Must(t, f.Store.SetCells(ctx(t), f.Spreadsheet, StockTab, []stocker.Cell{
			{Row: 1, Col: 1, Value: "first"}, {Row: 1, Col: 1, Value: "second"},
		}))
		f.WantRows(t, StockTab, [][]string{{"h"}, {"a", "second"}})
	}},
	{"DeleteRows removes several rows, the header too, by their indices as read", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"r1"}, {"r2"}, {"r3"}, {"r4"}, {"r5"}})
		Must(t, f.Store.DeleteRows(ctx(t), f.Spreadsheet, StockTab, []int{4, 0, 2}))
		f.WantRows(t, StockTab, [][]string{{"r1"}, {"r3"}, {"r5"}})
	}},
	{"DeleteRows of every row leaves an empty tab", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"r1"}})
		Must(t, f.Store.DeleteRows(ctx(t), f.Spreadsheet, StockTab, []int{0, 1}))
		f.WantRows(t, StockTab, nil)
	}},
	{"InsertRows at the top, in the middle and at the end", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"a"}, {"b"}})
		Must(t, f.Store.InsertRows(ctx(t), f.Spreadsheet, StockTab, 0, [][]string{{"top"}}))
		Must(t, f.Store.InsertRows(ctx(t), f.Spreadsheet, StockTab, 2, [][]string{{"m1", "x"}, {"m2"}}))
		Must(t, f.Store.InsertRows(ctx(t), f.Spreadsheet, StockTab, 6, [][]string{{"end"}}))
		f.WantRows(t, StockTab, [][]string{{"top"}, {"h"}, {"m1", "x"}, {"m2"}, {"a"}, {"b"}, {"end"}})
	}},
	{"cells keep commas, quotes, line breaks, spaces and a leading plus", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}})
		odd := []string{"a,b", `say "hi"`, "two\nlines", " padded ", "+79991234567", "Ёжик", "007"}
		Must(t, f.Store.InsertRows(ctx(t), f.Spreadsheet, StockTab, 1, [][]string{odd}))
		f.WantRows(t, StockTab, [][]string{{"h"}, odd})
	}},
	{"AppendRows writes after the last row with a value, with colours", func(t *testing.T, f Fixture) {
		f.Put(t, "Мамба_Выдано", [][]string{{"h"}, {"a"}, {}, {"b"}})
		Must(t, f.Store.AppendRows(ctx(t), f.Spreadsheet, "Мамба_Выдано", []stocker.Row{
			{Cells: []string{"c", "1"}, Color: "#B7E1CD"}, {Cells: []string{"d"}},
		}))
		f.WantRows(t, "Мамба_Выдано", [][]string{{"h"}, {"a"}, {}, {"b"}, {"c", "1"}, {"d"}})
		f.WantColors(t, "Мамба_Выдано", []string{"", "", "", "", "#B7E1CD", ""})
	}},
	{"calls with nothing to do change nothing", func(t *testing.T, f Fixture) {
		rows := [][]string{{"h"}, {"a"}}
		f.Put(t, StockTab, rows)
		Must(t, f.Store.SetCells(ctx(t), f.Spreadsheet, StockTab, nil))
		Must(t, f.Store.DeleteRows(ctx(t), f.Spreadsheet, StockTab, nil))
		Must(t, f.Store.InsertRows(ctx(t), f.Spreadsheet, StockTab, 0, nil))
		Must(t, f.Store.AppendRows(ctx(t), f.Spreadsheet, StockTab, nil))
		Must(t, f.Store.TakeRows(ctx(t), f.Spreadsheet, StockTab, nil, TrashTab, 0))
		f.WantRows(t, StockTab, rows)
	}},
	{"a write applies to the tab as it is now, not as it was read", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"a"}, {"b"}})
		f.Read(t, StockTab) // "a" is row 1 as read
		f.Put(t, StockTab, [][]string{{"h"}, {"person's"}, {"a"}, {"b"}})
		Must(t, f.Store.DeleteRows(ctx(t), f.Spreadsheet, StockTab, []int{1}))
		// The stale index hit the person's row: that is why callers check
		// by reading again. Nothing else was touched.
		f.WantRows(t, StockTab, [][]string{{"h"}, {"a"}, {"b"}})
	}},
	{"concurrent appends lose no row", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}})
		const n = 16
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				row := stocker.Row{Cells: []string{fmt.Sprint("r", i)}}
				if err := f.Store.AppendRows(ctx(t), f.Spreadsheet, StockTab, []stocker.Row{row}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got := f.Read(t, StockTab)
		if len(got) != n+1 {
			t.Fatalf("%d rows after %d appends: %q", len(got), n, got)
		}
		for i := range n {
			if !slices.ContainsFunc(got, func(r []string) bool { return slices.Equal(r, []string{fmt.Sprint("r", i)}) }) {
				t.Errorf("row r%d is lost: %q", i, got)
			}
		}
	}},
	{"TakeRows copies the rows into trash in ascending order, then deletes them", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"r1", "a"}, {"r2"}, {"r3"}, {"r4", "", "b"}, {"r5"}})
		f.Put(t, TrashTab, [][]string{{"earlier"}})
		Must(t, f.Store.TakeRows(ctx(t), f.Spreadsheet, StockTab, []int{4, 1, 2, 2}, TrashTab, 1))
		f.WantRows(t, StockTab, [][]string{{"h"}, {"r3"}, {"r5"}})
		f.WantRows(t, TrashTab, [][]string{{"earlier"}, {"r1", "a"}, {"r2"}, {"r4", "", "b"}})
	}},
	{"TakeRows leaves empty rows in trash up to at", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"r1"}})
		f.Put(t, TrashTab, nil)
		Must(t, f.Store.TakeRows(ctx(t), f.Spreadsheet, StockTab, []int{1}, TrashTab, 2))
		f.WantRows(t, StockTab, [][]string{{"h"}})
		f.WantRows(t, TrashTab, [][]string{{}, {}, {"r1"}})
	}},
	{"TakeRows with a stale index: the receipt shows the person's row it took", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}, {"a"}, {"b"}})
		f.Put(t, TrashTab, nil)
		f.Read(t, StockTab) // "a" is row 1 as read
		f.Put(t, StockTab, [][]string{{"h"}, {"person's"}, {"a"}, {"b"}})
		Must(t, f.Store.TakeRows(ctx(t), f.Spreadsheet, StockTab, []int{1}, TrashTab, 0))
		f.WantRows(t, TrashTab, [][]string{{"person's"}})
		f.WantRows(t, StockTab, [][]string{{"h"}, {"a"}, {"b"}})
	}},
	{"TakeRows copies the rows' colours", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}})
		f.Put(t, TrashTab, [][]string{{"earlier"}})
		Must(t, f.Store.AppendRows(ctx(t), f.Spreadsheet, StockTab, []stocker.Row{
			{Cells: []string{"a"}, Color: "#B7E1CD"}, {Cells: []string{"b"}}, {Cells: []string{"c"}, Color: "#F4C7C3"},
		}))
		Must(t, f.Store.TakeRows(ctx(t), f.Spreadsheet, StockTab, []int{3, 1}, TrashTab, 1))
		f.WantRows(t, TrashTab, [][]string{{"earlier"}, {"a"}, {"c"}})
		f.WantColors(t, TrashTab, []string{"", "#B7E1CD", "#F4C7C3"})
		f.WantColors(t, StockTab, []string{"", ""})
	}},
	{"EnsureTab creates an empty tab and leaves an existing one alone", func(t *testing.T, f Fixture) {
		f.Put(t, StockTab, [][]string{{"h"}})
		Must(t, f.Store.EnsureTab(ctx(t), f.Spreadsheet, TrashTab))
		Must(t, f.Store.EnsureTab(ctx(t), f.Spreadsheet, TrashTab))
		f.WantRows(t, TrashTab, nil)
		Must(t, f.Store.EnsureTab(ctx(t), f.Spreadsheet, StockTab))
		f.WantRows(t, StockTab, [][]string{{"h"}})
	}},
	{"a cancelled context writes nothing", func(t *testing.T, f Fixture) {
		rows := [][]string{{"h"}, {"a"}}
		f.Put(t, StockTab, rows)
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if err := f.Store.AppendRows(cancelled, f.Spreadsheet, StockTab, []stocker.Row{{Cells: []string{"x"}}}); err == nil {
			t.Error("AppendRows with a cancelled context worked")
		}
		f.WantRows(t, StockTab, rows)
	}},
}

func testMissingTab(t *testing.T, f Fixture) {
	f.Put(t, StockTab, [][]string{{"h"}})
	s, id, tab := f.Store, f.Spreadsheet, "Нет такой"
	calls := map[string]error{
		"ReadRows":                           second(s.ReadRows(ctx(t), id, tab)),
		"SetCells":                           s.SetCells(ctx(t), id, tab, []stocker.Cell{{Value: "x"}}),
		"DeleteRows":                         s.DeleteRows(ctx(t), id, tab, []int{0}),
		"InsertRows":                         s.InsertRows(ctx(t), id, tab, 0, [][]string{{"x"}}),
		"AppendRows":                         s.AppendRows(ctx(t), id, tab, []stocker.Row{{Cells: []string{"x"}}}),
		"TakeRows":                           s.TakeRows(ctx(t), id, tab, []int{0}, StockTab, 1),
		"TakeRows into a missing trash":      s.TakeRows(ctx(t), id, StockTab, []int{0}, tab, 0),
		"ReadRows of a missing spreadsheet":  second(s.ReadRows(ctx(t), id+"-missing", StockTab)),
		"EnsureTab in a missing spreadsheet": s.EnsureTab(ctx(t), id+"-missing", StockTab),
	}
	for name, err := range calls {
		if !errors.Is(err, stocker.ErrNoTab) {
			t.Errorf("%s: err = %v, want ErrNoTab", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }
