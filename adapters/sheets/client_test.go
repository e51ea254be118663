package sheets

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
)

// tctx is the tests' context; named so that no function of the package
// can pick it up by mistake for a ctx it forgot to take.
var tctx = context.Background()

func TestClient_ReadRows(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("stock", "Аккаунты", [][]string{
		{"логин", "пароль", "телефон", "цена"},
		{"иван", "секрет", "+79991234567", "1.50"},
		{"a"},
		{},
		{"b", "", "007"},
	})
	e.srv.SetRows("stock", "O'Brien", [][]string{{"x"}})
	e.srv.AddSpreadsheet("stock", "Пусто")

	tests := []struct {
		tab   string
		wrows [][]string
	}{
		{"Аккаунты", [][]string{
			{"логин", "пароль", "телефон", "цена"},
			{"иван", "секрет", "79991234567", "1.5"}, // typed in: numbers, formatted in full
			{"a"},
			{},
			{"b", "", "7"},
		}},
		{"O'Brien", [][]string{{"x"}}},
		{"Пусто", nil},
	}
	for _, tt := range tests {
		t.Run(tt.tab, func(t *testing.T) {
			before := e.methodCalls(sheetstest.MethodValuesGet)
			got, err := e.c.ReadRows(tctx, "stock", tt.tab)
			if err != nil {
				t.Fatalf("ReadRows: %v", err)
			}
			if !reflect.DeepEqual(got, tt.wrows) {
				t.Errorf("ReadRows = %q, want %q", got, tt.wrows)
			}
			if n := e.methodCalls(sheetstest.MethodValuesGet) - before; n != 1 {
				t.Errorf("%d values.get calls, want 1", n)
			}
			if r := e.lastRequest(t); r.Ranges[0] != quoteTitle(tt.tab)+"!A:ZZ" {
				t.Errorf("range %q", r.Ranges[0])
			}
		})
	}
}

func TestClient_SetCells(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("stock", "Склад", [][]string{{"логин", "статус"}, {"a", "old"}, {"b"}})
	cells := []stocker.Cell{
		{Row: 1, Col: 1, Value: ""}, // clears
		{Row: 2, Col: 1, Value: "+79991234567"},
		{Row: 0, Col: 26, Value: "AA1"},
		{Row: 2, Col: 27, Value: "007"},
	}
	if err := e.c.SetCells(tctx, "stock", "Склад", cells); err != nil {
		t.Fatalf("SetCells: %v", err)
	}
	for _, cv := range cells {
		if got := e.srv.Cell("stock", "Склад", cv.Row, cv.Col).Value; got != cv.Value {
			t.Errorf("cell (%d, %d) = %q, want %q", cv.Row, cv.Col, got, cv.Value)
		}
	}
	if n := e.methodCalls(sheetstest.MethodValuesBatchUpd); n != 1 {
		t.Errorf("%d values.batchUpdate calls, want 1", n)
	}
	// B2 and B3 are a run of one column: one range for both.
	wranges := []string{"'Склад'!B2:B3", "'Склад'!AA1", "'Склад'!AB3"}
	if r := e.lastRequest(t); !reflect.DeepEqual(r.Ranges, wranges) {
		t.Errorf("ranges %q, want %q", r.Ranges, wranges)
	}
}

func TestClient_DeleteRows(t *testing.T) {
	rows := func(n int) [][]string {
		out := make([][]string, n)
		for i := range out {
			out[i] = []string{string(rune('a' + i))}
		}
		return out
	}
	tests := []struct {
		name  string
		tab   string // "Первый" has sheetId 0
		del   []int
		wrows [][]string
		wreqs int // deleteDimension requests in the one batch
	}{
		{"several, with row 0, first tab", "Первый", []int{5, 0, 2, 3, 3}, [][]string{{"b"}, {"e"}, {"g"}}, 3},
		{"second tab", "Второй", []int{6, 1}, [][]string{{"a"}, {"c"}, {"d"}, {"e"}, {"f"}}, 2},
		{"one", "Первый", []int{6}, [][]string{{"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.AddSpreadsheet("stock", "Первый", "Второй")
			e.srv.SetRows("stock", "Первый", rows(7))
			e.srv.SetRows("stock", "Второй", rows(7))
			if id, _ := e.srv.SheetID("stock", "Первый"); id != 0 {
				t.Fatalf("the first tab has sheetId %d; the test wants 0", id)
			}
			if err := e.c.DeleteRows(tctx, "stock", tt.tab, tt.del); err != nil {
				t.Fatalf("DeleteRows: %v", err)
			}
			if got := e.srv.Rows("stock", tt.tab); !reflect.DeepEqual(got, tt.wrows) {
				t.Errorf("rows left %q, want %q", got, tt.wrows)
			}
			if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 1 {
				t.Errorf("%d batchUpdate calls, want 1", n)
			}
			r := e.lastRequest(t)
			if len(r.Kinds) != tt.wreqs {
				t.Errorf("kinds %q, want %d deleteDimension", r.Kinds, tt.wreqs)
			}
		})
	}
}

func TestClient_DeleteRows_sheetIDCache(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.AddSpreadsheet("stock", "Первый", "Склад")
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}, {"b"}, {"c"}})
	for range 2 {
		if err := e.c.DeleteRows(tctx, "stock", "Склад", []int{1}); err != nil {
			t.Fatalf("DeleteRows: %v", err)
		}
	}
	if n := e.methodCalls(sheetstest.MethodGet); n != 1 {
		t.Errorf("%d spreadsheets.get calls for two deletes, want 1 (cached)", n)
	}

	// A person deletes the tab and makes a new one with the same title
	// (and a new sheetId): the cached id is stale, and the client looks it
	// up again.
	if err := e.srv.DeleteTab("stock", "Склад"); err != nil {
		t.Fatal(err)
	}
	e.srv.SetRows("stock", "Лист2", [][]string{{"h"}, {"x"}, {"y"}})
	if err := e.srv.RenameTab("stock", "Лист2", "Склад"); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteRows(tctx, "stock", "Склад", []int{1}); err != nil {
		t.Fatalf("DeleteRows after the tab was remade: %v", err)
	}
	if got, want := e.srv.Rows("stock", "Склад"), [][]string{{"h"}, {"y"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	if n := e.methodCalls(sheetstest.MethodGet); n != 2 {
		t.Errorf("%d spreadsheets.get calls, want 2", n)
	}
}

func TestClient_InsertRows(t *testing.T) {
	tests := []struct {
		name  string
		at    int
		wrows [][]string
	}{
		{"below the header", 1, [][]string{{"h"}, {"+7999", "007"}, {"", "x"}, {"a"}, {"b"}}},
		{"at the end", 3, [][]string{{"h"}, {"a"}, {"b"}, {"+7999", "007"}, {"", "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}, {"b"}})
			if err := e.c.InsertRows(tctx, "stock", "Склад", tt.at, [][]string{{"+7999", "007"}, {"", "x"}}); err != nil {
				t.Fatalf("InsertRows: %v", err)
			}
			if got := e.srv.Rows("stock", "Склад"); !reflect.DeepEqual(got, tt.wrows) {
				t.Errorf("rows %q, want %q", got, tt.wrows)
			}
			if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 1 {
				t.Errorf("%d batchUpdate calls, want 1", n)
			}
			if k := e.lastRequest(t).Kinds; !reflect.DeepEqual(k, []string{"insertDimension", "updateCells"}) {
				t.Errorf("kinds %q", k)
			}
		})
	}
}

func TestClient_AppendRows(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id", "логин"}, {"1", "a"}})
	writes := e.srv.Stats().Writes
	err := e.c.AppendRows(tctx, "issued", "Выданные", []stocker.Row{
		{Cells: []string{"2", "+79991234567"}, Color: "#FF8000"},
		{Cells: []string{"3", "b"}},
		{Cells: []string{"4", "c"}, Color: "#000000"},
	})
	if err != nil {
		t.Fatalf("AppendRows: %v", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 1 {
		t.Errorf("%d write requests, want 1", n)
	}
	if k := e.lastRequest(t).Kinds; !reflect.DeepEqual(k, []string{"appendCells"}) {
		t.Errorf("kinds %q, want one appendCells", k)
	}
	want := [][]string{{"id", "логин"}, {"1", "a"}, {"2", "+79991234567"}, {"3", "b"}, {"4", "c"}}
	if got := e.srv.Rows("issued", "Выданные"); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	colors := []*sheetstest.Color{{Red: 1, Green: 128.0 / 255, Blue: 0}, nil, {}}
	for i, wc := range colors {
		for col := range 2 {
			bg := e.srv.Cell("issued", "Выданные", 2+i, col).Background
			if !reflect.DeepEqual(bg, wc) {
				t.Errorf("row %d col %d background %+v, want %+v", 2+i, col, bg, wc)
			}
		}
	}
}

func TestClient_AppendTabs_oneWriteForEveryTab(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	e.srv.AddSpreadsheet("issued", "Почты")
	writes := e.srv.Stats().Writes
	err := e.c.AppendTabs(tctx, "issued", map[string][]stocker.Row{
		"Выданные": {{Cells: []string{"a1"}, Color: "#B7E1CD"}},
		"Почты":    {{Cells: []string{"m1"}}, {Cells: []string{"m2"}, Color: "#F4C7C3"}},
		"empty":    nil, // nothing to write: not even looked up
	})
	if err != nil {
		t.Fatalf("AppendTabs: %v", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 1 {
		t.Errorf("%d write requests, want 1", n)
	}
	if k := e.lastRequest(t).Kinds; !reflect.DeepEqual(k, []string{"appendCells", "appendCells"}) {
		t.Errorf("kinds %q, want two appendCells", k)
	}
	if got := e.srv.Rows("issued", "Почты"); !reflect.DeepEqual(got, [][]string{{"m1"}, {"m2"}}) {
		t.Errorf("Почты: %q", got)
	}
	if got := e.srv.Rows("issued", "Выданные"); !reflect.DeepEqual(got, [][]string{{"id"}, {"a1"}}) {
		t.Errorf("Выданные: %q", got)
	}
}

func TestClient_AppendRows_badColor(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	before := e.srv.Stats().Requests
	for _, color := range []string{"red", "#12345", "#GGGGGG", "FF0000"} {
		err := e.c.AppendRows(tctx, "issued", "Выданные", []stocker.Row{{Cells: []string{"1"}, Color: color}})
		if err == nil || !strings.Contains(err.Error(), color) {
			t.Errorf("colour %q: error %v, want one naming it", color, err)
		}
	}
	if n := e.srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests for invalid rows, want 0", n)
	}
}

func TestClient_noTab(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.AddSpreadsheet("stock", "Первый", "Склад")
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}})
	// Warm the sheetId cache, then a person renames the tab.
	if err := e.c.AppendRows(tctx, "stock", "Склад", []stocker.Row{{Cells: []string{"b"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.RenameTab("stock", "Склад", "Склад (старый)"); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"ReadRows", func() error { _, err := e.c.ReadRows(tctx, "stock", "Склад"); return err }},
		{"SetCells", func() error { return e.c.SetCells(tctx, "stock", "Склад", []stocker.Cell{{Row: 1, Value: "x"}}) }},
		// The read above dropped the cached id: the rename is noticed.
		{"AppendRows", func() error {
			return e.c.AppendRows(tctx, "stock", "Склад", []stocker.Row{{Cells: []string{"c"}}})
		}},
		{"DeleteRows", func() error { return e.c.DeleteRows(tctx, "stock", "Склад", []int{1}) }},
		{"InsertRows", func() error { return e.c.InsertRows(tctx, "stock", "Склад", 1, [][]string{{"d"}}) }},
		// Google answers 404 for a spreadsheet it does not have.
		{"ReadRows, no spreadsheet", func() error { _, err := e.c.ReadRows(tctx, "nope", "Склад"); return err }},
		{"DeleteRows, no spreadsheet", func() error { return e.c.DeleteRows(tctx, "nope", "Склад", []int{1}) }},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, ErrNoTab) || !strings.Contains(err.Error(), `"Склад"`) {
				t.Errorf("error %v, want ErrNoTab naming the tab", err)
			}
		})
	}
	want := [][]string{{"h"}, {"a"}, {"b"}}
	if got := e.srv.Rows("stock", "Склад (старый)"); !reflect.DeepEqual(got, want) {
		t.Errorf("the renamed tab holds %q, want it untouched: %q", got, want)
	}
	if !e.c.Healthy() {
		t.Error("missing tabs opened the breaker")
	}
}

func TestClient_emptyCallsSendNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}})
	for _, err := range []error{
		e.c.SetCells(tctx, "stock", "Склад", nil),
		e.c.DeleteRows(tctx, "stock", "Склад", nil),
		e.c.InsertRows(tctx, "stock", "Склад", 1, nil),
		e.c.AppendRows(tctx, "stock", "Склад", nil),
	} {
		if err != nil {
			t.Errorf("empty call: %v", err)
		}
	}
	if n := e.srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

func TestColumnName(t *testing.T) {
	for col, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := columnName(col); got != want {
			t.Errorf("columnName(%d) = %q, want %q", col, got, want)
		}
	}
}

func TestQuoteTitle(t *testing.T) {
	for title, want := range map[string]string{"Склад": "'Склад'", "O'Brien": "'O''Brien'", "A1": "'A1'", "it's 'x'": "'it''s ''x'''"} {
		if got := quoteTitle(title); got != want {
			t.Errorf("quoteTitle(%q) = %q, want %q", title, got, want)
		}
	}
}

func TestCellText(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{{"x", "x"}, {79991234567.0, "79991234567"}, {1.5, "1.5"}, {true, "TRUE"}, {false, "FALSE"}, {nil, ""}} {
		if got := cellText(tt.in); got != tt.want {
			t.Errorf("cellText(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
