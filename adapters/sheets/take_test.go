package sheets

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
)

// takeEnv is a stock tab of seven rows (a, b, … g) and its trash tab,
// which of them is the first tab (sheetId 0) as asked.
func takeEnv(t testing.TB, firstTab string) *env {
	t.Helper()
	e := newEnv(t, envOptions{})
	tabs := []string{"Склад", "Корзина"}
	if firstTab == "Корзина" {
		tabs[0], tabs[1] = tabs[1], tabs[0]
	}
	e.srv.AddSpreadsheet("stock", tabs...)
	if id, _ := e.srv.SheetID("stock", firstTab); id != 0 {
		t.Fatalf("%q has sheetId %d; the test wants 0", firstTab, id)
	}
	var rows [][]string
	for i := range 7 {
		rows = append(rows, []string{string(rune('a' + i)), "x", "+7999"})
	}
	e.srv.SetRows("stock", "Склад", rows)
	return e
}

func TestClient_TakeRows(t *testing.T) {
	tests := []struct {
		name     string
		first    string // the tab with sheetId 0
		rows     []int
		at       int
		wstock   []string // column A left in the stock tab
		wtrash   []string // column A of the trash from at
		wreqs    []string
		wwrites  uint64
		wlookups int
	}{
		{"spans bottom-up, copies in ascending order", "Склад", []int{5, 0, 2, 3, 3}, 0,
			[]string{"b", "e", "g"}, []string{"a", "c", "d", "f"},
			[]string{"appendDimension", "copyPaste", "deleteDimension", "copyPaste", "deleteDimension", "copyPaste", "deleteDimension"}, 1, 1},
		{"into a trash with sheetId 0, after its rows", "Корзина", []int{6, 1}, 3,
			[]string{"a", "c", "d", "e", "f"}, []string{"b", "g"},
			[]string{"appendDimension", "copyPaste", "deleteDimension", "copyPaste", "deleteDimension"}, 1, 1},
		{"the trash's grid grows when at is past it", "Склад", []int{4}, 1500,
			[]string{"a", "b", "c", "d", "f", "g"}, []string{"e"},
			[]string{"appendDimension", "copyPaste", "deleteDimension"}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := takeEnv(t, tt.first)
			if tt.at > 0 && tt.at < 1000 {
				e.srv.SetRows("stock", "Корзина", make([][]string, tt.at))
			}
			if err := e.c.TakeRows(tctx, "stock", "Склад", tt.rows, "Корзина", tt.at); err != nil {
				t.Fatalf("TakeRows: %v", err)
			}
			if got := columnA(e.srv.Rows("stock", "Склад")); !reflect.DeepEqual(got, tt.wstock) {
				t.Errorf("stock = %q, want %q", got, tt.wstock)
			}
			trash := e.srv.Rows("stock", "Корзина")
			if len(trash) < tt.at || !reflect.DeepEqual(columnA(trash[tt.at:]), tt.wtrash) {
				t.Errorf("trash from row %d = %q, want %q", tt.at, trash[min(tt.at, len(trash)):], tt.wtrash)
			}
			if r := e.lastRequest(t); !reflect.DeepEqual(r.Kinds, tt.wreqs) {
				t.Errorf("requests %q, want %q", r.Kinds, tt.wreqs)
			}
			if st := e.c.Stats(); st.Writes != tt.wwrites || st.Reads != uint64(tt.wlookups) {
				t.Errorf("%d writes and %d reads, want %d and %d", st.Writes, st.Reads, tt.wwrites, tt.wlookups)
			}
		})
	}
}

func columnA(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		if len(r) > 0 {
			out[i] = r[0]
		}
	}
	return out
}

// TestClient_TakeRowsCells: the receipt holds each row whole, every column
// and its background, with values as stored (a number stays a number).
func TestClient_TakeRowsCells(t *testing.T) {
	e := takeEnv(t, "Склад")
	wide := append(make([]string, 29), "far") // 30 columns: wider than the trash's 26
	wide[0] = "wide"
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}, {"a", "79991234567"}, wide})
	if err := e.c.AppendRows(tctx, "stock", "Склад", []stocker.Row{{Cells: []string{"green"}, Color: "#B7E1CD"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.TakeRows(tctx, "stock", "Склад", []int{3, 1, 2}, "Корзина", 0); err != nil {
		t.Fatalf("TakeRows: %v", err)
	}
	want := [][]string{{"a", "79991234567"}, wide, {"green"}}
	if got := e.srv.Rows("stock", "Корзина"); !reflect.DeepEqual(got, want) {
		t.Errorf("trash = %q, want %q", got, want)
	}
	if c := e.srv.Cell("stock", "Корзина", 0, 1); c.Raw != 79991234567.0 {
		t.Errorf("B1 = %#v, want the number as stored", c.Raw)
	}
	if c := e.srv.Cell("stock", "Корзина", 2, 0); c.Background == nil || c.Background.Green < 0.8 {
		t.Errorf("A3 background = %+v, want the row's green", c.Background)
	}
	if got := e.srv.Rows("stock", "Склад"); !reflect.DeepEqual(got, [][]string{{"h"}}) {
		t.Errorf("stock = %q", got)
	}
}

// TestClient_TakeRowsAfterAnInsert is the reason for TakeRows: a person
// inserts a row where our stale index points, the delete takes theirs,
// and the receipt shows it.
func TestClient_TakeRowsAfterAnInsert(t *testing.T) {
	e := takeEnv(t, "Склад")
	read, err := e.c.ReadRows(tctx, "stock", "Склад")
	if err != nil {
		t.Fatal(err)
	}
	ours := read[2][0] // "c"
	if err := e.srv.HumanEdit("stock", "Склад", sheetstest.InsertRowAt(2, []string{"person's"})); err != nil {
		t.Fatal(err)
	}
	if err := e.c.TakeRows(tctx, "stock", "Склад", []int{2}, "Корзина", 0); err != nil {
		t.Fatalf("TakeRows: %v", err)
	}
	if got := e.srv.Rows("stock", "Корзина"); !reflect.DeepEqual(got, [][]string{{"person's"}}) {
		t.Errorf("receipt = %q, want the person's row", got)
	}
	want := []string{"a", "b", ours, "d", "e", "f", "g"}
	if got := columnA(e.srv.Rows("stock", "Склад")); !reflect.DeepEqual(got, want) {
		t.Errorf("stock = %q, want %q: our row still there", got, want)
	}
}

func TestClient_TakeRowsAmbiguous(t *testing.T) {
	for _, code := range []int{500, sheetstest.CutConnection} {
		e := takeEnv(t, "Склад")
		if _, err := e.c.ReadRows(tctx, "stock", "Корзина"); err != nil { // warms the id cache
			t.Fatal(err)
		}
		e.srv.FailAfterApply(sheetstest.MethodBatchUpdate, 1, code)
		err := e.c.TakeRows(tctx, "stock", "Склад", []int{1, 2}, "Корзина", 0)
		if !errors.Is(err, ErrAmbiguous) {
			t.Errorf("code %d: err = %v, want ErrAmbiguous", code, err)
		}
		if got := e.srv.Rows("stock", "Корзина"); !reflect.DeepEqual(columnA(got), []string{"b", "c"}) {
			t.Errorf("code %d: trash = %q: it must show the batch applied", code, got)
		}
		if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 1 {
			t.Errorf("code %d: %d batchUpdates: an ambiguous take was retried", code, n)
		}
	}
}

func TestClient_TakeRowsRefusals(t *testing.T) {
	e := takeEnv(t, "Склад")
	tests := []struct {
		name    string
		tab     string
		rows    []int
		trash   string
		at      int
		wnotab  bool
		wsubstr string
	}{
		{"a negative row", "Склад", []int{1, -1}, "Корзина", 0, false, "no row -1"},
		{"a negative at", "Склад", []int{1}, "Корзина", -1, false, "no row -1"},
		{"the trash is the tab", "Склад", []int{1}, "Склад", 0, false, "another tab"},
		{"no such tab", "Нет", []int{1}, "Корзина", 0, true, ""},
		{"no such trash", "Склад", []int{1}, "Нет", 0, true, ""},
		{"a row past the grid", "Склад", []int{1, 1000}, "Корзина", 0, false, "exceeds grid limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.c.TakeRows(tctx, "stock", tt.tab, tt.rows, tt.trash, tt.at)
			switch {
			case err == nil:
				t.Fatal("TakeRows worked")
			case tt.wnotab && !errors.Is(err, ErrNoTab):
				t.Errorf("err = %v, want ErrNoTab", err)
			case !strings.Contains(err.Error(), tt.wsubstr):
				t.Errorf("err = %v, want it to say %q", err, tt.wsubstr)
			}
		})
	}
	if got := e.srv.Rows("stock", "Склад"); len(got) != 7 {
		t.Errorf("stock = %q: a refused take changed it", got)
	}
	before := e.srv.Stats().Requests
	if err := e.c.TakeRows(tctx, "stock", "Склад", nil, "Корзина", 0); err != nil || e.srv.Stats().Requests != before {
		t.Errorf("nothing to take: err %v, %d requests", err, e.srv.Stats().Requests-before)
	}
}

// TestClient_TakeRowsStaleTrash: a person replaced the trash tab by
// another of that title; the cached id fails and is refreshed once.
func TestClient_TakeRowsStaleTrash(t *testing.T) {
	e := takeEnv(t, "Склад")
	if err := e.c.TakeRows(tctx, "stock", "Склад", []int{0}, "Корзина", 0); err != nil {
		t.Fatal(err)
	}
	old, _ := e.srv.SheetID("stock", "Корзина")
	if err := e.srv.RenameTab("stock", "Корзина", "Старая"); err != nil {
		t.Fatal(err)
	}
	e.srv.AddSpreadsheet("stock", "Корзина")
	if err := e.srv.DeleteTab("stock", "Старая"); err != nil {
		t.Fatal(err)
	}
	if id, _ := e.srv.SheetID("stock", "Корзина"); id == old {
		t.Fatal("the new trash has the old one's id")
	}
	before := e.methodCalls(sheetstest.MethodBatchUpdate)
	if err := e.c.TakeRows(tctx, "stock", "Склад", []int{0}, "Корзина", 0); err != nil {
		t.Fatalf("TakeRows after the trash was remade: %v", err)
	}
	if n := e.methodCalls(sheetstest.MethodBatchUpdate) - before; n != 2 {
		t.Errorf("%d batchUpdates, want 2 (refused for the stale id, then sent again)", n)
	}
	if got := e.srv.Rows("stock", "Корзина"); !reflect.DeepEqual(columnA(got), []string{"b"}) {
		t.Errorf("trash = %q", got)
	}
}

func TestClient_EnsureTab(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}})
	for range 2 {
		if err := e.c.EnsureTab(tctx, "stock", "allot trash · Склад"); err != nil {
			t.Fatalf("EnsureTab: %v", err)
		}
	}
	if got := e.srv.Tabs("stock"); !reflect.DeepEqual(got, []string{"Склад", "allot trash · Склад"}) {
		t.Errorf("tabs = %q", got)
	}
	if st := e.srv.Stats(); st.Writes != 1 {
		t.Errorf("%d writes for two calls, want 1", st.Writes)
	}
	before := e.srv.Stats().Reads
	if err := e.c.TakeRows(tctx, "stock", "Склад", []int{0}, "allot trash · Склад", 0); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Reads - before; n != 0 {
		t.Errorf("TakeRows after EnsureTab looked ids up %d times; the new id was not cached", n)
	}
	if got := e.srv.Rows("stock", "allot trash · Склад"); !reflect.DeepEqual(got, [][]string{{"h"}}) {
		t.Errorf("trash = %q", got)
	}
}

func TestClient_EnsureTabFailures(t *testing.T) {
	t.Run("created, then the answer lost: the retry finds it", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.srv.AddSpreadsheet("stock", "Склад")
		e.srv.FailAfterApply(sheetstest.MethodBatchUpdate, 1, 503)
		if err := e.c.EnsureTab(tctx, "stock", "Корзина"); err != nil {
			t.Fatalf("EnsureTab: %v", err)
		}
		if got := e.srv.Tabs("stock"); !reflect.DeepEqual(got, []string{"Склад", "Корзина"}) {
			t.Errorf("tabs = %q", got)
		}
		if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 2 {
			t.Errorf("%d batchUpdates, want 2 (the retry answered \"already exists\")", n)
		}
	})
	t.Run("no spreadsheet", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		if err := e.c.EnsureTab(tctx, "nope", "Корзина"); !errors.Is(err, ErrNoTab) {
			t.Errorf("err = %v, want ErrNoTab", err)
		}
		if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 0 {
			t.Errorf("%d batchUpdates for a missing spreadsheet", n)
		}
	})
	t.Run("refused", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		e.srv.AddSpreadsheet("stock", "Склад")
		e.srv.FailNext(sheetstest.MethodBatchUpdate, 1, 403)
		if err := e.c.EnsureTab(tctx, "stock", "Корзина"); err == nil || errors.Is(err, ErrNoTab) {
			t.Errorf("err = %v, want the 403", err)
		}
	})
}
