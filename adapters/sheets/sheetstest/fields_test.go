package sheetstest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"allot/adapters/sheets/sheetstest"
)

// googleError is the body of an error answer, details and all.
type googleError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// send makes one raw call to the fake: what a hand-written client sends.
func send(t testing.TB, srv *sheetstest.Server, method, path, body string) (int, googleError) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ge googleError
	if resp.StatusCode != http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&ge); err != nil {
			t.Fatalf("%d answer is not Google's error JSON: %v", resp.StatusCode, err)
		}
	}
	return resp.StatusCode, ge
}

func TestServer_RefusesUnknownNames(t *testing.T) {
	const (
		book  = "/v4/spreadsheets/book"
		cells = `"rows":[{"values":[{"userEnteredValue":{"stringValue":"x"},"userEnteredFormat":{%s}}]}],"fields":"*"`
	)
	appendCells := func(format string) string {
		return `{"requests":[{"appendCells":{"sheetId":0,` + strings.Replace(cells, "%s", format, 1) + `}}]}`
	}
	for _, tc := range []struct {
		name, method, path, body string
		wLines                   []string // the message, one unknown name a line; none: accepted
		wFields                  []string // the field violations' fields
	}{
		{name: "top level", method: http.MethodPost, path: book + "/values:batchUpdate",
			body:    `{"valueInputOptio":"RAW","data":[{"range":"Sheet1!A1","values":[["x"]]}]}`,
			wLines:  []string{`Invalid JSON payload received. Unknown name "valueInputOptio": Cannot find field.`},
			wFields: []string{""}},
		{name: "deep in a request", method: http.MethodPost, path: book + ":batchUpdate",
			body: appendCells(`"backgroundColour":{"red":1}`),
			wLines: []string{`Invalid JSON payload received. Unknown name "backgroundColour" at ` +
				`'requests[0].append_cells.rows[0].values[0].user_entered_format': Cannot find field.`},
			wFields: []string{"requests[0].append_cells.rows[0].values[0].user_entered_format"}},
		{name: "every one told", method: http.MethodPost, path: book + "/values:batchUpdate",
			body: `{"valueInputOption":"RAW","data":[{"range":"A1","values":[["x"]]},{"rnage":"A2","valeus":[["y"]]}]}`,
			wLines: []string{`Invalid JSON payload received. Unknown name "rnage" at 'data[1]': Cannot find field.`,
				`Invalid JSON payload received. Unknown name "valeus" at 'data[1]': Cannot find field.`},
			wFields: []string{"data[1]", "data[1]"}},
		{name: "values.update", method: http.MethodPut, path: book + "/values/A1?valueInputOption=RAW",
			body:    `{"values":[["x"]],"majorDimensions":"ROWS"}`,
			wLines:  []string{`Invalid JSON payload received. Unknown name "majorDimensions": Cannot find field.`},
			wFields: []string{""}},
		{name: "values.batchClear", method: http.MethodPost, path: book + "/values:batchClear",
			body:    `{"range":["A1"]}`,
			wLines:  []string{`Invalid JSON payload received. Unknown name "range": Cannot find field.`},
			wFields: []string{""}},
		{name: "a field Google has and the fake ignores", method: http.MethodPost, path: book + ":batchUpdate",
			body: appendCells(`"backgroundColor":{"red":1},"textFormat":{"bold":true}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sheetstest.New(sheetstest.WithoutQuotas())
			t.Cleanup(srv.Close)
			srv.SetRows("book", "Sheet1", [][]string{{"head"}})
			code, ge := send(t, srv, tc.method, tc.path, tc.body)
			if len(tc.wLines) == 0 {
				if code != http.StatusOK {
					t.Fatalf("%d %q, want it accepted", code, ge.Error.Message)
				}
				return
			}
			if code != 400 || ge.Error.Code != 400 || ge.Error.Status != "INVALID_ARGUMENT" {
				t.Fatalf("answer %d %+v, want 400 INVALID_ARGUMENT", code, ge.Error)
			}
			if got := strings.Split(ge.Error.Message, "\n"); !reflect.DeepEqual(got, tc.wLines) {
				t.Errorf("message\n%q\nwant\n%q", got, tc.wLines)
			}
			if len(ge.Error.Details) != 1 || ge.Error.Details[0].Type != "type.googleapis.com/google.rpc.BadRequest" {
				t.Fatalf("details %+v, want one google.rpc.BadRequest", ge.Error.Details)
			}
			var fields []string
			for i, fv := range ge.Error.Details[0].FieldViolations {
				fields = append(fields, fv.Field)
				if fv.Description != tc.wLines[i] {
					t.Errorf("violation %d says %q, want %q", i, fv.Description, tc.wLines[i])
				}
			}
			if !reflect.DeepEqual(fields, tc.wFields) {
				t.Errorf("violations at %q, want %q", fields, tc.wFields)
			}
			if got := srv.Rows("book", "Sheet1"); !reflect.DeepEqual(got, [][]string{{"head"}}) {
				t.Errorf("a refused call changed the sheet: %q", got)
			}
		})
	}
}
