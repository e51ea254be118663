package sheetstest_test

import (
	"reflect"
	"strings"
	"testing"

	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

// rowsRange is rows [start, end) of a tab, every column; zeros are sent.
func rowsRange(id, start, end int64) *sheets.GridRange {
	return &sheets.GridRange{SheetId: id, StartRowIndex: start, EndRowIndex: end,
		ForceSendFields: []string{"SheetId", "StartRowIndex", "EndRowIndex"}}
}

// cellAt is one cell given as a GridRange, the way to name a paste's
// top-left corner.
func cellAt(id, row, col int64) *sheets.GridRange {
	return &sheets.GridRange{SheetId: id, StartRowIndex: row, EndRowIndex: row + 1, StartColumnIndex: col, EndColumnIndex: col + 1,
		ForceSendFields: []string{"SheetId", "StartRowIndex", "EndRowIndex", "StartColumnIndex", "EndColumnIndex"}}
}

func copyPaste(src, dst *sheets.GridRange, pasteType string) *sheets.Request {
	return &sheets.Request{CopyPaste: &sheets.CopyPasteRequest{
		Source: src, Destination: dst, PasteType: pasteType, PasteOrientation: "NORMAL",
	}}
}

func batch(t testing.TB, svc *sheets.Service, reqs ...*sheets.Request) error {
	t.Helper()
	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Do()
	return err
}

// copyFixture is a stock tab (sheetId 0) whose row 2 is coloured and holds
// a number, and an empty trash tab.
func copyFixture(t testing.TB) (*sheetstest.Server, *sheets.Service, int64) {
	t.Helper()
	srv, svc := start(t)
	srv.SetRows("book", "Stock", [][]string{{"login", "password"}, {"a", "1"}, {"b", "79991234567", "note"}, {"c", "3"}})
	srv.AddSpreadsheet("book", "Trash")
	trash, _ := srv.SheetID("book", "Trash")
	must(t, batch(t, svc, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
		Range:  rowsRange(0, 2, 3),
		Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{BackgroundColor: green}},
		Fields: "userEnteredFormat.backgroundColor",
	}}))
	return srv, svc, trash
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestServer_CopyPaste(t *testing.T) {
	t.Run("whole rows onto a corner, values as stored and backgrounds", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		must(t, batch(t, svc, copyPaste(rowsRange(0, 1, 3), cellAt(trash, 4, 0), "PASTE_NORMAL")))
		want := [][]string{{}, {}, {}, {}, {"a", "1"}, {"b", "79991234567", "note"}}
		if got := srv.Rows("book", "Trash"); !reflect.DeepEqual(got, want) {
			t.Errorf("trash = %q, want %q", got, want)
		}
		if c := srv.Cell("book", "Trash", 5, 1); c.Raw != 79991234567.0 || !reflect.DeepEqual(c.Background, &sheetstest.Color{Red: 0.8, Green: 1, Blue: 0.8}) {
			t.Errorf("B6 = %+v, want the number with the green background", c)
		}
		if c := srv.Cell("book", "Trash", 4, 0); c.Background != nil {
			t.Errorf("A5 background = %+v, want none", c.Background)
		}
		if got := srv.Rows("book", "Stock"); len(got) != 4 {
			t.Errorf("the source changed: %q", got)
		}
	})
	t.Run("into sheetId 0, same size", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		src := &sheets.GridRange{SheetId: trash, EndRowIndex: 1, EndColumnIndex: 2, ForceSendFields: []string{"SheetId"}}
		srv.SetRows("book", "Trash", [][]string{{"x", "y"}})
		must(t, batch(t, svc, copyPaste(src, &sheets.GridRange{StartRowIndex: 3, EndRowIndex: 4, EndColumnIndex: 2}, "")))
		if got := srv.Rows("book", "Stock")[3]; !reflect.DeepEqual(got, []string{"x", "y"}) {
			t.Errorf("row 4 of the first tab = %q, want the copy (the third cell kept)", got)
		}
	})
	t.Run("an empty source cell clears its destination", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		srv.SetRows("book", "Trash", [][]string{{"old", "old", "old"}})
		must(t, batch(t, svc, copyPaste(rowsRange(0, 1, 2), cellAt(trash, 0, 0), "PASTE_NORMAL")))
		if got := srv.Rows("book", "Trash"); !reflect.DeepEqual(got, [][]string{{"a", "1"}}) {
			t.Errorf("trash = %q", got)
		}
	})
	t.Run("values only keep the destination's backgrounds", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		must(t, batch(t, svc,
			copyPaste(rowsRange(0, 2, 3), cellAt(trash, 0, 0), "PASTE_NORMAL"),
			copyPaste(rowsRange(0, 1, 2), cellAt(trash, 0, 0), "PASTE_VALUES")))
		if c := srv.Cell("book", "Trash", 0, 0); c.Value != "a" || c.Background == nil {
			t.Errorf("A1 = %+v, want a on green", c)
		}
	})
	t.Run("overlapping, within one tab", func(t *testing.T) {
		srv, svc, _ := copyFixture(t)
		must(t, batch(t, svc, copyPaste(rowsRange(0, 1, 3), cellAt(0, 2, 0), "PASTE_NORMAL")))
		want := [][]string{{"login", "password"}, {"a", "1"}, {"a", "1"}, {"b", "79991234567", "note"}}
		if got := srv.Rows("book", "Stock"); !reflect.DeepEqual(got, want) {
			t.Errorf("stock = %q, want %q", got, want)
		}
	})
	t.Run("applied in order with the batch's other requests", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		must(t, batch(t, svc,
			copyPaste(rowsRange(0, 3, 4), cellAt(trash, 0, 0), "PASTE_NORMAL"),
			&sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{
				Dimension: "ROWS", StartIndex: 3, EndIndex: 4}}},
			copyPaste(rowsRange(0, 1, 2), cellAt(trash, 1, 0), "PASTE_NORMAL"),
			&sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{
				Dimension: "ROWS", StartIndex: 1, EndIndex: 2}}}))
		if got, want := srv.Rows("book", "Trash"), [][]string{{"c", "3"}, {"a", "1"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("trash = %q, want %q", got, want)
		}
		if got, want := srv.Rows("book", "Stock"), [][]string{{"login", "password"}, {"b", "79991234567", "note"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("stock = %q, want %q", got, want)
		}
	})
}

func TestServer_CopyPasteGrid(t *testing.T) {
	t.Run("past the last row the batch fails whole", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		err := batch(t, svc,
			&sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{
				Dimension: "ROWS", StartIndex: 1, EndIndex: 2}}},
			copyPaste(rowsRange(0, 1, 3), cellAt(trash, 999, 0), "PASTE_NORMAL"))
		e := apiError(t, err)
		if e.Code != 400 || !strings.Contains(e.Message, "requests[1].copyPaste") || !strings.Contains(e.Message, "exceeds grid limits") {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
		if got := srv.Rows("book", "Stock"); len(got) != 4 {
			t.Errorf("the delete before the failed paste was kept: %q", got)
		}
	})
	t.Run("appendDimension first makes room", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		must(t, batch(t, svc,
			&sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: trash, Dimension: "ROWS", Length: 2}},
			copyPaste(rowsRange(0, 1, 3), cellAt(trash, 1000, 0), "PASTE_NORMAL")))
		if got := srv.Rows("book", "Trash"); len(got) != 1002 || got[1001][2] != "note" {
			t.Errorf("trash has %d rows, want 1002 ending with the copies", len(got))
		}
	})
	t.Run("every column of a wide source must fit", func(t *testing.T) {
		srv, svc, trash := copyFixture(t)
		srv.SetRows("book", "Stock", [][]string{{"h"}, append(make([]string, 29), "far")})
		e := apiError(t, batch(t, svc, copyPaste(rowsRange(0, 1, 2), cellAt(trash, 0, 0), "PASTE_NORMAL")))
		if e.Code != 400 || !strings.Contains(e.Message, "max columns: 26") {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
	})
	t.Run("a source starting past the grid", func(t *testing.T) {
		_, svc, trash := copyFixture(t)
		src := &sheets.GridRange{StartRowIndex: 1000}
		e := apiError(t, batch(t, svc, copyPaste(src, cellAt(trash, 0, 0), "PASTE_NORMAL")))
		if e.Code != 400 || !strings.Contains(e.Message, "exceeds grid limits") {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
	})
}

func TestServer_CopyPasteRefusals(t *testing.T) {
	tests := []struct {
		name, wMessage string
		req            *sheets.Request
	}{
		{"a destination larger than the source", "does not implement a destination larger",
			copyPaste(rowsRange(0, 1, 2), rowsRange(0, 4, 6), "PASTE_NORMAL")},
		{"an unbounded destination", "does not implement a destination larger",
			copyPaste(rowsRange(0, 1, 2), &sheets.GridRange{StartRowIndex: 997}, "PASTE_NORMAL")},
		{"transposed", "TRANSPOSE", &sheets.Request{CopyPaste: &sheets.CopyPasteRequest{
			Source: rowsRange(0, 1, 2), Destination: cellAt(0, 5, 0), PasteOrientation: "TRANSPOSE"}}},
		{"conditional formatting", `pasteType "PASTE_CONDITIONAL_FORMATTING"`,
			copyPaste(rowsRange(0, 1, 2), cellAt(0, 5, 0), "PASTE_CONDITIONAL_FORMATTING")},
		{"no destination", "source and destination must be set", &sheets.Request{CopyPaste: &sheets.CopyPasteRequest{
			Source: rowsRange(0, 1, 2)}}},
		{"an unknown tab", "No grid with id: 7", copyPaste(rowsRange(0, 1, 2), cellAt(7, 0, 0), "")},
		{"an empty source", "source must not be empty", copyPaste(rowsRange(0, 1, 1), cellAt(0, 5, 0), "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, svc, _ := copyFixture(t)
			e := apiError(t, batch(t, svc, tt.req))
			if e.Code != 400 || !strings.Contains(e.Message, tt.wMessage) {
				t.Errorf("got %d %q, want 400 with %q", e.Code, e.Message, tt.wMessage)
			}
			if got := srv.Rows("book", "Stock"); len(got) != 4 {
				t.Errorf("stock changed: %q", got)
			}
		})
	}
}
