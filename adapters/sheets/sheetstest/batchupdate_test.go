package sheetstest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

var green = &sheets.Color{Red: 0.8, Green: 1, Blue: 0.8}

func issuedRow(id, status string, color *sheets.Color) *sheets.RowData {
	return &sheets.RowData{Values: []*sheets.CellData{
		{UserEnteredValue: &sheets.ExtendedValue{StringValue: ptr(id)}, UserEnteredFormat: &sheets.CellFormat{BackgroundColor: color}},
		{UserEnteredValue: &sheets.ExtendedValue{StringValue: ptr(status)}, UserEnteredFormat: &sheets.CellFormat{BackgroundColor: color}},
		{UserEnteredValue: &sheets.ExtendedValue{NumberValue: ptr(79991234567.0)}},
	}}
}

func TestServer_AppendCellsWithColors(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "Выданные", [][]string{{"id", "status", "phone"}})
	srv.AddSpreadsheet("book", "Other")
	other, _ := srv.SheetID("book", "Other")

	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{AppendCells: &sheets.AppendCellsRequest{ // sheetId 0: the client omits it
			Rows:   []*sheets.RowData{issuedRow("r1", "good", green), issuedRow("r2", "blocked", &sheets.Color{Red: 1})},
			Fields: "userEnteredValue,userEnteredFormat.backgroundColor",
		}},
		{AppendCells: &sheets.AppendCellsRequest{SheetId: other, Rows: []*sheets.RowData{issuedRow("o1", "x", nil)}, Fields: "*"}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "status", "phone"}, {"r1", "good", "79991234567"}, {"r2", "blocked", "79991234567"}}
	if got := srv.Rows("book", "Выданные"); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q", got)
	}
	if c := srv.Cell("book", "Выданные", 1, 1); c.Value != "good" || !reflect.DeepEqual(c.Background, &sheetstest.Color{Red: 0.8, Green: 1, Blue: 0.8}) {
		t.Errorf("B2 = %+v", c)
	}
	if c := srv.Cell("book", "Выданные", 2, 0); !reflect.DeepEqual(c.Background, &sheetstest.Color{Red: 1}) {
		t.Errorf("A3 background = %+v, want red (zero green and blue omitted by the client)", c.Background)
	}
	if c := srv.Cell("book", "Выданные", 2, 2); c.Background != nil || c.Raw != 79991234567.0 {
		t.Errorf("C3 = %+v, want a number without background", c)
	}
	if got := srv.Rows("book", "Other"); !reflect.DeepEqual(got, [][]string{{"o1", "x", "79991234567"}}) {
		t.Errorf("other tab = %q", got)
	}
	if st := srv.Stats(); st.Writes != 1 || st.Methods[sheetstest.MethodBatchUpdate] != 1 {
		t.Errorf("a batch of two requests counted %d writes", st.Writes)
	}
	if r := srv.Requests(); !reflect.DeepEqual(r[len(r)-1].Kinds, []string{"appendCells", "appendCells"}) {
		t.Errorf("logged kinds %q", r[len(r)-1].Kinds)
	}
}

func TestServer_BatchUpdateIsAtomic(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"keep"}})

	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{AppendCells: &sheets.AppendCellsRequest{Rows: []*sheets.RowData{issuedRow("r1", "good", nil)}, Fields: "*"}},
		{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{SheetId: 999, Dimension: "ROWS", EndIndex: 1}}},
	}}).Do()
	e := apiError(t, err)
	if e.Code != 400 || e.Message != "Invalid requests[1].deleteDimension: No grid with id: 999" {
		t.Errorf("got %d %q", e.Code, e.Message)
	}
	if got := srv.Rows("book", "S"); !reflect.DeepEqual(got, [][]string{{"keep"}}) {
		t.Errorf("a failed batch changed the sheet: %q", got)
	}

	_, err = svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{AppendCells: &sheets.AppendCellsRequest{Rows: []*sheets.RowData{issuedRow("r1", "good", nil)}}},
	}}).Do()
	if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "none specified") {
		t.Errorf("appendCells without fields: %d %q", e.Code, e.Message)
	}
}

// recorder keeps the bodies the client sends, to see what it leaves out.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	next   http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(b))
	r.next.ServeHTTP(w, req)
}

func TestServer_DeleteDimensionBottomUp(t *testing.T) {
	srv := sheetstest.New(sheetstest.WithoutQuotas())
	defer srv.Close()
	rec := &recorder{next: srv.Handler()}
	front := httptest.NewServer(rec) // also shows Handler mounted elsewhere
	defer front.Close()
	svc := client(t, front.URL+"/")

	srv.SetRows("book", "S", [][]string{{"r0"}, {"r1"}, {"r2"}, {"r3"}, {"r4"}, {"r5"}, {"r6"}})
	del := func(start, end int64) *sheets.Request {
		return &sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{
			Range: &sheets.DimensionRange{SheetId: 0, Dimension: "ROWS", StartIndex: start, EndIndex: end},
		}}
	}
	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{
		Requests: []*sheets.Request{del(5, 7), del(2, 4), del(0, 1)}, // bottom-up
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"r1"}, {"r4"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
	body := rec.bodies[len(rec.bodies)-1]
	if strings.Contains(body, "sheetId") || strings.Count(body, "startIndex") != 2 {
		t.Errorf("the client sent %s; expected sheetId and startIndex 0 left out", body)
	}
	if g := gridRows(t, svc, "book", 0); g != 1000-5 {
		t.Errorf("grid has %d rows, want 995", g)
	}

	_, err = svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{
		Requests: []*sheets.Request{del(0, 995)},
	}).Do()
	if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "delete all the rows") {
		t.Errorf("deleting every row: %d %q", e.Code, e.Message)
	}
}

func gridRows(t *testing.T, svc *sheets.Service, id string, index int) int64 {
	t.Helper()
	sp, err := svc.Spreadsheets.Get(id).Do()
	if err != nil {
		t.Fatal(err)
	}
	return sp.Sheets[index].Properties.GridProperties.RowCount
}

func TestServer_InsertDimensionAndRepeatCell(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a"}, {"b"}})

	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{InsertDimension: &sheets.InsertDimensionRequest{Range: &sheets.DimensionRange{Dimension: "ROWS", StartIndex: 1, EndIndex: 2}}},
		{RepeatCell: &sheets.RepeatCellRequest{
			Range:  &sheets.GridRange{StartRowIndex: 2, EndRowIndex: 3, EndColumnIndex: 2},
			Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{BackgroundColor: green}},
			Fields: "userEnteredFormat.backgroundColor",
		}},
		{UpdateCells: &sheets.UpdateCellsRequest{
			Start:  &sheets.GridCoordinate{RowIndex: 1},
			Rows:   []*sheets.RowData{{Values: []*sheets.CellData{{UserEnteredValue: &sheets.ExtendedValue{StringValue: ptr("new")}}}}},
			Fields: "userEnteredValue",
		}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"a"}, {"new"}, {"b"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if c := srv.Cell("book", "S", 2, 1); c.Background == nil || c.Value != "" {
		t.Errorf("B3 = %+v, want green and empty", c)
	}
	if c := srv.Cell("book", "S", 2, 0); c.Background == nil || c.Value != "b" {
		t.Errorf("A3 = %+v, want green b", c)
	}
}

func TestServer_AddAndDeleteSheet(t *testing.T) {
	srv, svc := start(t)
	srv.AddSpreadsheet("book")

	res, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{Title: "Выданные"}}},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	id := res.Replies[0].AddSheet.Properties.SheetId
	if got := srv.Tabs("book"); !reflect.DeepEqual(got, []string{"Sheet1", "Выданные"}) || id == 0 {
		t.Fatalf("tabs %q, new id %d", got, id)
	}
	_, err = svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{DeleteSheet: &sheets.DeleteSheetRequest{SheetId: id}},
		{DeleteSheet: &sheets.DeleteSheetRequest{}},
	}}).Do()
	if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "remove all the visible sheets") {
		t.Errorf("deleting every tab: %d %q", e.Code, e.Message)
	}
}

func TestServer_UnsupportedRequest(t *testing.T) {
	srv, svc := start(t)
	srv.AddSpreadsheet("book")
	_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{MergeCells: &sheets.MergeCellsRequest{Range: &sheets.GridRange{EndRowIndex: 1, EndColumnIndex: 2}, MergeType: "MERGE_ALL"}},
	}}).Do()
	if e := apiError(t, err); e.Code != 400 || !strings.Contains(e.Message, "mergeCells") {
		t.Errorf("got %d %q", e.Code, e.Message)
	}
}
