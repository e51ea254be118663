package sheetstest_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

func TestServer_SpreadsheetsGet(t *testing.T) {
	srv, svc := start(t)
	srv.AddSpreadsheet("book", "Stock", "Выданные")
	srv.SetRows("book", "Stock", [][]string{{"a", "b", "c"}})

	got, err := svc.Spreadsheets.Get("book").Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sheets) != 2 {
		t.Fatalf("got %d sheets, want 2", len(got.Sheets))
	}
	first, second := got.Sheets[0].Properties, got.Sheets[1].Properties
	if first.Title != "Stock" || first.SheetId != 0 || first.Index != 0 {
		t.Errorf("first tab = %q id %d index %d, want Stock id 0 index 0", first.Title, first.SheetId, first.Index)
	}
	if second.Title != "Выданные" || second.SheetId == 0 || second.SheetId == 1 || second.Index != 1 {
		t.Errorf("second tab = %q id %d index %d, want Выданные with a large id", second.Title, second.SheetId, second.Index)
	}
	if g := first.GridProperties; g.RowCount != 1000 || g.ColumnCount != 26 {
		t.Errorf("grid = %dx%d, want 1000x26", g.RowCount, g.ColumnCount)
	}
	if id, ok := srv.SheetID("book", "Выданные"); !ok || id != second.SheetId {
		t.Errorf("SheetID = %d, %v; the API says %d", id, ok, second.SheetId)
	}

	_, err = svc.Spreadsheets.Get("nope").Do()
	if e := apiError(t, err); e.Code != 404 || e.Message != "Requested entity was not found." {
		t.Errorf("unknown spreadsheet: code %d message %q, want 404", e.Code, e.Message)
	}
}

func TestServer_ValuesGet(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "Выданные", [][]string{
		{"id", "phone", "who", "", ""},
		{"r1", "79991234567", "alice"},
		{"r2", "+79991234568"},
		{},
		{"r4", "", "carol", "x"},
	})
	srv.SetRows("book", "It's", [][]string{{"quoted"}})
	srv.SetRows("book", "Empty", nil)

	tests := []struct {
		name, rng, render string
		wRange            string
		want              [][]any
	}{
		{"cyrillic quoted, open rows", "'Выданные'!A1:F", "", "'Выданные'!A1:F1000", [][]any{
			{"id", "phone", "who"}, {"r1", "79991234567", "alice"}, {"r2", "79991234568"}, {}, {"r4", "", "carol", "x"},
		}},
		{"unformatted numbers are floats", "'Выданные'!B2:B3", "UNFORMATTED_VALUE", "'Выданные'!B2:B3", [][]any{
			{79991234567.0}, {79991234568.0},
		}},
		{"columns cut ragged rows", "'Выданные'!A2:B", "", "'Выданные'!A2:B1000", [][]any{
			{"r1", "79991234567"}, {"r2", "79991234568"}, {}, {"r4"},
		}},
		{"doubled quote in a title", "'It''s'!A1", "", "'It''s'!A1", [][]any{{"quoted"}}},
		{"whole tab by title", "Empty", "", "Empty!A1:Z1000", nil},
		{"no title means the first tab", "A2:A3", "", "'Выданные'!A2:A3", [][]any{{"r1"}, {"r2"}}},
		{"empty range has no values", "'Выданные'!H1:J9", "", "'Выданные'!H1:J9", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := svc.Spreadsheets.Values.Get("book", tt.rng)
			if tt.render != "" {
				call = call.ValueRenderOption(tt.render)
			}
			got, err := call.Do()
			if err != nil {
				t.Fatal(err)
			}
			if got.Range != tt.wRange {
				t.Errorf("range = %q, want %q", got.Range, tt.wRange)
			}
			if !reflect.DeepEqual(got.Values, tt.want) {
				t.Errorf("values = %#v\nwant %#v", got.Values, tt.want)
			}
		})
	}

	t.Run("columns first", func(t *testing.T) {
		got, err := svc.Spreadsheets.Values.Get("book", "'Выданные'!A1:B3").MajorDimension("COLUMNS").Do()
		if err != nil {
			t.Fatal(err)
		}
		if want := [][]any{{"id", "r1", "r2"}, {"phone", "79991234567", "79991234568"}}; !reflect.DeepEqual(got.Values, want) {
			t.Errorf("values = %q", got.Values)
		}
	})

	t.Run("outside the grid", func(t *testing.T) {
		_, err := svc.Spreadsheets.Values.Get("book", "'Выданные'!A1001:B").Do()
		if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "exceeds grid limits") {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
	})

	t.Run("unknown tab", func(t *testing.T) {
		_, err := svc.Spreadsheets.Values.Get("book", "'Нет такого'!A1:B").Do()
		e := apiError(t, err)
		if e.Code != 400 || e.Message != "Unable to parse range: 'Нет такого'!A1:B" {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
	})
}

func TestServer_ValuesBatchGet(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "A", [][]string{{"1"}})
	srv.SetRows("book", "B", [][]string{{"2"}, {"3"}})

	got, err := svc.Spreadsheets.Values.BatchGet("book").Ranges("A", "'B'!A2:A").Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ValueRanges) != 2 || got.ValueRanges[0].Values[0][0] != "1" || got.ValueRanges[1].Values[0][0] != "3" {
		t.Errorf("got %+v", got.ValueRanges)
	}
	if r := srv.Requests(); !reflect.DeepEqual(r[len(r)-1].Ranges, []string{"A", "'B'!A2:A"}) {
		t.Errorf("logged ranges %q", r[len(r)-1].Ranges)
	}
}

func TestServer_ValuesAppend(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "Выданные", [][]string{{"id", "login"}, {"r1", "a"}})

	res, err := svc.Spreadsheets.Values.Append("book", "'Выданные'!A1", &sheets.ValueRange{
		Values: [][]any{{"r2", "b"}, {"r3", "c", 79991234567}},
	}).ValueInputOption("RAW").InsertDataOption("INSERT_ROWS").Do()
	if err != nil {
		t.Fatal(err)
	}
	if res.TableRange != "'Выданные'!A1:B2" || res.Updates.UpdatedRange != "'Выданные'!A3:C4" ||
		res.Updates.UpdatedRows != 2 || res.Updates.UpdatedCells != 5 {
		t.Errorf("table %q updates %+v", res.TableRange, res.Updates)
	}
	want := [][]string{{"id", "login"}, {"r1", "a"}, {"r2", "b"}, {"r3", "c", "79991234567"}}
	if got := srv.Rows("book", "Выданные"); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q", got)
	}

	t.Run("a gap row catches the append", func(t *testing.T) {
		srv.SetRows("book", "Gap", [][]string{{"id"}, {"r1"}, {}, {"r9"}})
		res, err := appendRow(svc, "book", "Gap!A1", "r2")
		if err != nil {
			t.Fatal(err)
		}
		if res.Updates.UpdatedRange != "Gap!A3" {
			t.Errorf("updatedRange = %q, want Gap!A3", res.Updates.UpdatedRange)
		}
		want := [][]string{{"id"}, {"r1"}, {"r2"}, {}, {"r9"}} // INSERT_ROWS moved r9 down
		if got := srv.Rows("book", "Gap"); !reflect.DeepEqual(got, want) {
			t.Errorf("rows = %q", got)
		}
	})

	t.Run("valueInputOption is required", func(t *testing.T) {
		_, err := svc.Spreadsheets.Values.Append("book", "Gap!A1", &sheets.ValueRange{Values: [][]any{{"x"}}}).Do()
		if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "valueInputOption") {
			t.Errorf("got %d %q", e.Code, e.Message)
		}
	})

	t.Run("USER_ENTERED eats the plus", func(t *testing.T) {
		_, err := svc.Spreadsheets.Values.Append("book", "Typed!A1", &sheets.ValueRange{
			Values: [][]any{{"+79991234567", "'+79991234567", "007", "TRUE"}},
		}).ValueInputOption("USER_ENTERED").Do()
		if err == nil {
			t.Fatal("appending to a missing tab worked")
		}
		srv.AddSpreadsheet("book", "Typed")
		if _, err := svc.Spreadsheets.Values.Append("book", "Typed!A1", &sheets.ValueRange{
			Values: [][]any{{"+79991234567", "'+79991234567", "007", "TRUE"}},
		}).ValueInputOption("USER_ENTERED").Do(); err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"79991234567", "+79991234567", "7", "TRUE"}}
		if got := srv.Rows("book", "Typed"); !reflect.DeepEqual(got, want) {
			t.Errorf("rows = %q, want %q", got, want)
		}
		if c := srv.Cell("book", "Typed", 0, 0); c.Raw != 79991234567.0 {
			t.Errorf("A1 raw = %#v, want a float", c.Raw)
		}
	})
}

func TestServer_ValuesUpdate(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a", "b"}, {"c", "d"}})

	res, err := svc.Spreadsheets.Values.Update("book", "S!B1:C2", &sheets.ValueRange{
		Values: [][]any{{"B", nil, "C"}, {""}},
	}).ValueInputOption("RAW").Do()
	if err == nil {
		t.Fatalf("writing 3 columns into B:C worked: %+v", res)
	}
	if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "tried writing to column [D]") {
		t.Errorf("got %d %q", e.Code, e.Message)
	}

	res, err = svc.Spreadsheets.Values.Update("book", "S!B1:C2", &sheets.ValueRange{
		Values: [][]any{{nil, "C"}, {""}},
	}).ValueInputOption("RAW").IncludeValuesInResponse(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	if res.UpdatedRange != "S!B1:C2" || res.UpdatedCells != 2 {
		t.Errorf("update = %+v", res)
	}
	if want := [][]any{{"b", "C"}}; res.UpdatedData == nil || !reflect.DeepEqual(res.UpdatedData.Values, want) {
		t.Errorf("updatedData = %+v, want %v", res.UpdatedData, want)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"a", "b", "C"}, {"c"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q (null keeps b, \"\" clears d)", got, want)
	}
}

func TestServer_ValuesBatchUpdateIsAtomic(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a"}})

	_, err := svc.Spreadsheets.Values.BatchUpdate("book", &sheets.BatchUpdateValuesRequest{
		ValueInputOption: "RAW",
		Data: []*sheets.ValueRange{
			{Range: "S!A2", Values: [][]any{{"written"}}},
			{Range: "Missing!A1", Values: [][]any{{"x"}}},
		},
	}).Do()
	if e := apiError(t, err); e.Code != 400 {
		t.Fatalf("got %d %q", e.Code, e.Message)
	}
	if got := srv.Rows("book", "S"); len(got) != 1 {
		t.Errorf("a failed batch left %q", got)
	}

	res, err := svc.Spreadsheets.Values.BatchUpdate("book", &sheets.BatchUpdateValuesRequest{
		ValueInputOption: "RAW",
		Data: []*sheets.ValueRange{
			{Range: "S!A2", Values: [][]any{{"b"}}},
			{Range: "S!B1", Values: [][]any{{"c"}}},
		},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if res.TotalUpdatedCells != 2 || res.TotalUpdatedSheets != 1 || len(res.Responses) != 2 {
		t.Errorf("response = %+v", res)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"a", "c"}, {"b"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q", got)
	}
}

func TestServer_ValuesClear(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a", "b"}, {"c", "d"}})

	res, err := svc.Spreadsheets.Values.Clear("book", "S!B1:B", &sheets.ClearValuesRequest{}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if res.ClearedRange != "S!B1:B1000" {
		t.Errorf("clearedRange = %q", res.ClearedRange)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"a"}, {"c"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q", got)
	}
	if _, err := svc.Spreadsheets.Values.BatchClear("book", &sheets.BatchClearValuesRequest{Ranges: []string{"S"}}).Do(); err != nil {
		t.Fatal(err)
	}
	if got := srv.Rows("book", "S"); got != nil {
		t.Errorf("rows after batchClear = %q", got)
	}
}

// TestServer_EndpointSlash pins down what FACTS.md warns about: the Go
// client resolves its paths against the endpoint as a URL reference, so a
// path prefix without a trailing slash is dropped.
func TestServer_EndpointSlash(t *testing.T) {
	srv := sheetstest.New()
	defer srv.Close()
	srv.AddSpreadsheet("book")
	mux := http.NewServeMux()
	mux.Handle("/sheets/", http.StripPrefix("/sheets", srv.Handler()))
	front := httptest.NewServer(mux)
	defer front.Close()

	for _, tt := range []struct {
		endpoint string
		works    bool
	}{
		{srv.URL(), true}, // no prefix: nothing to drop
		{srv.URL() + "/", true},
		{front.URL + "/sheets/", true},
		{front.URL + "/sheets", false},
	} {
		_, err := client(t, tt.endpoint).Spreadsheets.Get("book").Do()
		if (err == nil) != tt.works {
			t.Errorf("endpoint %q: err = %v", tt.endpoint, err)
		}
	}
}
