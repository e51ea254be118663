package sheets

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"allot/adapters/sheets/sheetstest"
)

// exchange is one request as it crossed the wire.
type exchange struct {
	method, uri, auth, body string
}

// wireClient is a Client on the fake behind a recorder of every request.
func wireClient(t testing.TB) (*Client, *sheetstest.Server, func() []exchange) {
	t.Helper()
	fake := sheetstest.New(sheetstest.WithoutQuotas())
	t.Cleanup(fake.Close)
	var mu sync.Mutex
	var seen []exchange
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		mu.Lock()
		seen = append(seen, exchange{r.Method, r.RequestURI, r.Header.Get("Authorization"), string(b)})
		mu.Unlock()
		fake.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	c, err := NewClient(tctx, Config{Enabled: true, Endpoint: api.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, fake, func() []exchange {
		mu.Lock()
		defer mu.Unlock()
		return append([]exchange(nil), seen...)
	}
}

// TestClient_ReadRows_path: the range goes as one path segment with
// everything but unreserved characters escaped, quotes, "!" and ":"
// included, as Google's own clients send it; a fake endpoint gets no
// Authorization header.
func TestClient_ReadRows_path(t *testing.T) {
	c, fake, seen := wireClient(t)
	fake.SetRows("issued", "Выданные", [][]string{{"id"}})
	if _, err := c.ReadRows(tctx, "issued", "Выданные"); err != nil {
		t.Fatalf("ReadRows: %v", err)
	}
	got := seen()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	wpath := "/v4/spreadsheets/issued/values/%27%D0%92%D1%8B%D0%B4%D0%B0%D0%BD%D0%BD%D1%8B%D0%B5%27%21A%3AZZ?"
	if r := got[0]; r.method != http.MethodGet || !strings.HasPrefix(r.uri, wpath) {
		t.Errorf("%s %s, want GET %s…", r.method, r.uri, wpath)
	}
	for _, q := range []string{"valueRenderOption=FORMATTED_VALUE", "majorDimension=ROWS"} {
		if !strings.Contains(got[0].uri, q) {
			t.Errorf("%s has no %s", got[0].uri, q)
		}
	}
	if got[0].auth != "" {
		t.Errorf("Authorization %q sent to a fake", got[0].auth)
	}
}

// TestClient_TakeRows_wire: the paste's destination is one cell with
// all its zeros sent, its source every column (no column bounds), and a
// new tab's sheetId is left for Google to choose.
func TestClient_TakeRows_wire(t *testing.T) {
	c, fake, seen := wireClient(t)
	fake.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}, {"b"}})
	if err := c.EnsureTab(tctx, "stock", "Корзина"); err != nil {
		t.Fatalf("EnsureTab: %v", err)
	}
	if err := c.TakeRows(tctx, "stock", "Склад", []int{1}, "Корзина", 0); err != nil {
		t.Fatalf("TakeRows: %v", err)
	}
	var bodies []map[string]map[string]any
	for _, r := range seen() {
		if r.method != http.MethodPost {
			continue
		}
		var b struct {
			Requests []map[string]map[string]any `json:"requests"`
		}
		if err := json.Unmarshal([]byte(r.body), &b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b.Requests...)
	}
	if len(bodies) != 4 {
		t.Fatalf("requests %v, want addSheet, appendDimension, copyPaste, deleteDimension", bodies)
	}
	if props := bodies[0]["addSheet"]["properties"]; !reflect.DeepEqual(props, map[string]any{"title": "Корзина"}) {
		t.Errorf("addSheet properties %v, want the title alone", props)
	}
	paste := bodies[2]["copyPaste"]
	wsrc := map[string]any{"sheetId": 0.0, "startRowIndex": 1.0, "endRowIndex": 2.0}
	if !reflect.DeepEqual(paste["source"], wsrc) {
		t.Errorf("source %v, want %v", paste["source"], wsrc)
	}
	id, _ := fake.SheetID("stock", "Корзина")
	wdst := map[string]any{"sheetId": float64(id), "startRowIndex": 0.0, "endRowIndex": 1.0, "startColumnIndex": 0.0, "endColumnIndex": 1.0}
	if !reflect.DeepEqual(paste["destination"], wdst) {
		t.Errorf("destination %v, want %v", paste["destination"], wdst)
	}
}

// TestReadAPIError: Google's JSON error gives the message and reason,
// anything else the status alone; the classification follows the status.
func TestReadAPIError(t *testing.T) {
	quota := `{"error":{"code":429,"message":"Quota exceeded for quota metric 'Write requests'","status":"RESOURCE_EXHAUSTED",` +
		`"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com"}]}}`
	tests := []struct {
		name    string
		code    int
		body    string
		werr    apiError
		wfail   failure
		wnoTab  bool
		wstring string
	}{
		{"quota", 429, quota,
			apiError{429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Write requests'", "RATE_LIMIT_EXCEEDED"},
			failQuota, false, "google: 429 RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Write requests' (RATE_LIMIT_EXCEEDED)"},
		{"bad gateway page", 502, "<!DOCTYPE html>\n<title>Error 502 (Server Error)!!1</title>", apiError{Code: 502},
			failTransient, false, "google: 502 Bad Gateway"},
		{"no tab", 400, `{"error":{"code":400,"message":"Unable to parse range: 'Нет'!A:ZZ","status":"INVALID_ARGUMENT"}}`,
			apiError{400, "INVALID_ARGUMENT", "Unable to parse range: 'Нет'!A:ZZ", ""}, failPermanent, true, ""},
		{"no spreadsheet", 404, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}`,
			apiError{404, "NOT_FOUND", "Requested entity was not found.", ""}, failPermanent, true, ""},
		{"forbidden, older errors list", 403, `{"error":{"code":403,"message":"denied","errors":[{"reason":"forbidden"}]}}`,
			apiError{403, "", "denied", "forbidden"}, failPermanent, false, "google: 403 Forbidden: denied (forbidden)"},
		{"unavailable", 503, `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`,
			apiError{503, "UNAVAILABLE", "The service is currently unavailable.", ""}, failTransient, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.WriteHeader(tt.code)
			_, _ = rec.WriteString(tt.body)
			err := readAPIError(rec.Result())
			if *err != tt.werr {
				t.Errorf("error %+v, want %+v", *err, tt.werr)
			}
			if f := classify(tctx, err); f != tt.wfail {
				t.Errorf("classify = %d, want %d", f, tt.wfail)
			}
			if got := isNoTab(err); got != tt.wnoTab {
				t.Errorf("isNoTab = %v, want %v", got, tt.wnoTab)
			}
			if tt.wstring != "" && err.Error() != tt.wstring {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wstring)
			}
		})
	}
}

func TestEscapeSegment(t *testing.T) {
	for in, want := range map[string]string{
		"abc-_.~XYZ09":     "abc-_.~XYZ09",
		"'O''Brien'!A1:B2": "%27O%27%27Brien%27%21A1%3AB2",
		"a b/c?d#e%f+g":    "a%20b%2Fc%3Fd%23e%25f%2Bg",
		"Я":                "%D0%AF",
	} {
		if got := escapeSegment(in); got != want {
			t.Errorf("escapeSegment(%q) = %q, want %q", in, got, want)
		}
	}
}
