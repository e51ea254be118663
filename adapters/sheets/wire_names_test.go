package sheets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	gsheets "google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

// The client writes the API's JSON by hand (wire.go). Google refuses a
// field its API does not have, and ignores nothing, so a misspelt tag is a
// 400 in production; a field misspelt in an answer is silently zero. These
// tests hold every JSON name of wire.go to the Go client's types, which are
// generated from the API's discovery document.

// wireNameMismatches walks ours, a type of wire.go, beside theirs, the
// sheets/v4 type of the same JSON, and lists every field of ours that
// theirs lacks or holds as another kind of value, by its JSON path.
func wireNameMismatches(ours, theirs reflect.Type, at string) []string {
	ours, theirs = deref(ours), deref(theirs)
	if ours.Kind() == reflect.Interface || theirs.Kind() == reflect.Interface {
		return nil // any JSON value: nothing to compare
	}
	if jsonKind(ours) != jsonKind(theirs) {
		return []string{fmt.Sprintf("%s: %s here, %s in sheets/v4", cmpOrRoot(at), ours, theirs)}
	}
	switch ours.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return wireNameMismatches(ours.Elem(), theirs.Elem(), at+"[]")
	case reflect.Struct:
		var out []string
		have := tagged(theirs)
		for i := range ours.NumField() {
			f := ours.Field(i)
			name := jsonName(f)
			if name == "" {
				continue
			}
			path := strings.TrimPrefix(at+"."+name, ".")
			t, ok := have[name]
			if !ok {
				out = append(out, fmt.Sprintf("%s: sheets/v4's %s has no such field", path, theirs.Name()))
				continue
			}
			out = append(out, wireNameMismatches(f.Type, t, path)...)
		}
		return out
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonKind is the kind of JSON value a Go type encodes as.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.Kind().String()
}

// jsonName is the name a field goes by in JSON, "" for one left out.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// tagged maps a struct's JSON names to their fields' types.
func tagged(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			m[name] = t.Field(i).Type
		}
	}
	return m
}

func cmpOrRoot(at string) string {
	if at == "" {
		return "(body)"
	}
	return at
}

// wirePairs are wire.go's types beside the sheets/v4 types of the same
// JSON: the bodies the client sends, then the answers it reads.
var wirePairs = []struct {
	ours, theirs any
}{
	{batchUpdateValuesRequest{}, gsheets.BatchUpdateValuesRequest{}},
	{batchUpdateRequest{}, gsheets.BatchUpdateSpreadsheetRequest{}},
	{valueRange{}, gsheets.ValueRange{}},
	{spreadsheetResponse{}, gsheets.Spreadsheet{}},
	{batchUpdateResponse{}, gsheets.BatchUpdateSpreadsheetResponse{}},
}

func TestWire_NamesAreTheAPIs(t *testing.T) {
	for _, p := range wirePairs {
		ours, theirs := reflect.TypeOf(p.ours), reflect.TypeOf(p.theirs)
		t.Run(ours.Name(), func(t *testing.T) {
			for _, m := range wireNameMismatches(ours, theirs, "") {
				t.Error(m)
			}
		})
	}
}

// TestWire_NamesAreTheAPIs_catchesATypo makes sure the comparison fails
// where it must: a misspelt tag, deep or not, and a value of the wrong kind.
func TestWire_NamesAreTheAPIs_catchesATypo(t *testing.T) {
	type badCell struct {
		UserEnteredValue *extendedValue `json:"userEnteredValue,omitempty"`
		Format           *cellFormat    `json:"userEnteredFromat,omitempty"`
	}
	type badRequest struct {
		AppendCells *struct {
			SheetID int64     `json:"sheetID"`
			Rows    []rowData `json:"rows"`
			Fields  []string  `json:"fields"`
		} `json:"appendCells,omitempty"`
		UpdateCells *struct {
			Rows []struct {
				Values []badCell `json:"values"`
			} `json:"rows"`
		} `json:"updateCells,omitempty"`
	}
	type badBody struct {
		Requests []badRequest `json:"requests"`
	}
	got := wireNameMismatches(reflect.TypeFor[badBody](), reflect.TypeFor[gsheets.BatchUpdateSpreadsheetRequest](), "")
	want := []string{
		"requests[].appendCells.sheetID: sheets/v4's AppendCellsRequest has no such field",
		"requests[].appendCells.fields: []string here, string in sheets/v4",
		"requests[].updateCells.rows[].values[].userEnteredFromat: sheets/v4's CellData has no such field",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("mismatches\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAPI_AMisspeltFieldIsRefused is the same mistake as the fake meets
// it: Google's 400, which the client reports as an *apiError and does not
// retry, where a well-spelt body goes through.
func TestAPI_AMisspeltFieldIsRefused(t *testing.T) {
	srv := sheetstest.New(sheetstest.WithoutQuotas())
	t.Cleanup(srv.Close)
	srv.SetRows("book", "Sheet1", [][]string{{"head"}})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	a := &api{http: &http.Client{Transport: tr}, base: srv.URL() + "/"}
	ctx := context.Background()
	data := []valueRange{{Range: "Sheet1!A2", Values: [][]any{{"x"}}}}

	misspelt := struct {
		ValueInputOption string       `json:"valueInputOptions"`
		Data             []valueRange `json:"data"`
	}{"RAW", data}
	err := a.send(ctx, http.MethodPost, spreadsheetPath("book")+"/values:batchUpdate", nil, misspelt, nil)
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != 400 || ae.Status != "INVALID_ARGUMENT" ||
		ae.Message != `Invalid JSON payload received. Unknown name "valueInputOptions": Cannot find field.` {
		t.Fatalf("error %v, want Google's 400 for an unknown name", err)
	}
	if got := srv.Rows("book", "Sheet1"); !slices.Equal(got[len(got)-1], []string{"head"}) {
		t.Fatalf("the refused body was applied: %q", got)
	}
	if err := a.batchUpdateValues(ctx, "book", &batchUpdateValuesRequest{ValueInputOption: "RAW", Data: data}); err != nil {
		t.Fatalf("the client's own body: %v", err)
	}
}
