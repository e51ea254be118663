package sheetstest_test

import (
	"errors"
	"reflect"
	"testing"

	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

// TestServer_HumanEditBetweenReadAndDelete is the race the Sheets adapter
// must survive: it reads the stock, a person inserts a row above, and the
// delete by index it computed from its read removes someone else's row.
func TestServer_HumanEditBetweenReadAndDelete(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "Stock", [][]string{{"id"}, {"acc-1"}, {"acc-2"}, {"acc-3"}})

	got, err := svc.Spreadsheets.Values.Get("book", "Stock!A2:A").Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.Values[0][0] != "acc-1" { // acc-1 is grid row 1
		t.Fatalf("read %v", got.Values)
	}
	if err := srv.HumanEdit("book", "Stock", sheetstest.InsertRowAt(1, []string{"new-0"})); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{Dimension: "ROWS", StartIndex: 1, EndIndex: 2}}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id"}, {"acc-1"}, {"acc-2"}, {"acc-3"}} // new-0 is gone, acc-1 stays
	if got := srv.Rows("book", "Stock"); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if st := srv.Stats(); st.HumanEdits != 1 {
		t.Errorf("human edits = %d", st.HumanEdits)
	}
}

func TestServer_HumanEditKeepsCellsOfMovedRows(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"id", "n"}})
	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{AppendCells: &sheets.AppendCellsRequest{
			Rows:   []*sheets.RowData{issuedRow("b", "x", green), issuedRow("a", "y", nil)},
			Fields: "*",
		}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.HumanEdit("book", "S", sheetstest.Below(1, sheetstest.SortBy(0))); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "n"}, {"a", "y", "79991234567"}, {"b", "x", "79991234567"}}
	if got := srv.Rows("book", "S"); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %q", got)
	}
	if c := srv.Cell("book", "S", 2, 0); c.Background == nil {
		t.Errorf("row b lost its color in the sort: %+v", c)
	}
	if c := srv.Cell("book", "S", 1, 2); c.Raw != 79991234567.0 {
		t.Errorf("C2 raw = %#v, want a number", c.Raw)
	}
}

func TestEdits(t *testing.T) {
	rows := func() [][]string { return [][]string{{"h"}, {"10"}, {"b"}, {""}, {"9"}, {"A"}} }
	tests := []struct {
		name string
		edit sheetstest.Edit
		want [][]string
	}{
		{"insert", sheetstest.InsertRowAt(1, []string{"x"}), [][]string{{"h"}, {"x"}, {"10"}, {"b"}, {""}, {"9"}, {"A"}}},
		{"insert past the end", sheetstest.InsertRowAt(7, []string{"x"}), [][]string{{"h"}, {"10"}, {"b"}, {""}, {"9"}, {"A"}, nil, {"x"}}},
		{"delete", sheetstest.DeleteRowAt(0), [][]string{{"10"}, {"b"}, {""}, {"9"}, {"A"}}},
		{"delete past the end", sheetstest.DeleteRowAt(9), rows()},
		{"sort: numbers, text ignoring case, empty", sheetstest.SortBy(0), [][]string{{"9"}, {"10"}, {"A"}, {"b"}, {"h"}, {""}}},
		{"sort below a header", sheetstest.Below(1, sheetstest.SortBy(0)), [][]string{{"h"}, {"9"}, {"10"}, {"A"}, {"b"}, {""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.edit(rows()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("shuffle is fixed by its seed", func(t *testing.T) {
		a, b := sheetstest.ShuffleRows(7)(rows()), sheetstest.ShuffleRows(7)(rows())
		if !reflect.DeepEqual(a, b) || len(a) != 6 {
			t.Errorf("%q and %q", a, b)
		}
	})
}

func TestServer_HumanEditEvery(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"id"}})
	srv.HumanEditEvery(3, "book", "S", sheetstest.InsertRowAt(1, []string{"person"}))

	for range 6 {
		if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err != nil {
			t.Fatal(err)
		}
	}
	srv.HumanEditEvery(0, "", "", nil)
	if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Rows("book", "S"); len(got) != 3 {
		t.Errorf("rows = %q, want the edit before calls 3 and 6 only", got)
	}

	srv, svc = start(t, sheetstest.WithHumanEditEvery(1, "book", "S", sheetstest.DeleteRowAt(0)))
	srv.SetRows("book", "S", [][]string{{"a"}, {"b"}})
	got, err := svc.Spreadsheets.Values.Get("book", "S").Do()
	if err != nil || len(got.Values) != 1 || got.Values[0][0] != "b" {
		t.Errorf("with the option, the first call saw %v, %v", got, err)
	}
}

func TestServer_TabHelpers(t *testing.T) {
	srv, svc := start(t)
	srv.AddSpreadsheet("book", "Old", "Keep")
	if err := srv.RenameTab("book", "Old", "New"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Spreadsheets.Values.Get("book", "Old!A1").Do(); apiError(t, err).Code != 400 {
		t.Errorf("the old title still reads")
	}
	if _, err := svc.Spreadsheets.Values.Get("book", "New!A1").Do(); err != nil {
		t.Errorf("the new title: %v", err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want error
	}{
		{"rename onto a title", srv.RenameTab("book", "New", "Keep"), sheetstest.ErrTabExists},
		{"rename a missing tab", srv.RenameTab("book", "Nope", "X"), sheetstest.ErrNoTab},
		{"edit a missing spreadsheet", srv.HumanEdit("nope", "S", sheetstest.DeleteRowAt(0)), sheetstest.ErrNoSpreadsheet},
		{"delete", srv.DeleteTab("book", "New"), nil},
		{"delete the last tab", srv.DeleteTab("book", "Keep"), sheetstest.ErrLastTab},
	} {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if got := srv.Tabs("book"); !reflect.DeepEqual(got, []string{"Keep"}) {
		t.Errorf("tabs = %q", got)
	}
}
