package sheets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"allot/adapters/sheets/sheetstest"
)

// TestClient_DeleteRows_wire looks at the JSON itself: the fake reads a
// missing number as 0, as Google does, so only the body shows that
// sheetId 0 and startIndex 0 are sent and that deletes go bottom-up.
func TestClient_DeleteRows_wire(t *testing.T) {
	fake := sheetstest.New(sheetstest.WithoutQuotas())
	defer fake.Close()
	fake.SetRows("stock", "Первый", [][]string{{"h"}, {"a"}, {"b"}, {"c"}, {"d"}})
	var mu sync.Mutex
	var bodies []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if r.Method == http.MethodPost {
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
		}
		fake.Handler().ServeHTTP(w, r)
	}))
	defer api.Close()
	cfg, err := ConfigFromEnv(getenv(map[string]string{EnvEndpoint: api.URL}))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(tctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if err := c.DeleteRows(tctx, "stock", "Первый", []int{0, 3, 2}); err != nil {
		t.Fatalf("DeleteRows: %v", err)
	}
	if len(bodies) != 1 {
		t.Fatalf("%d POSTs, want 1", len(bodies))
	}
	var body struct {
		Requests []struct {
			DeleteDimension struct {
				Range map[string]any `json:"range"`
			} `json:"deleteDimension"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(bodies[0]), &body); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, r := range body.Requests {
		got = append(got, r.DeleteDimension.Range)
	}
	want := []map[string]any{
		{"sheetId": 0.0, "dimension": "ROWS", "startIndex": 2.0, "endIndex": 4.0},
		{"sheetId": 0.0, "dimension": "ROWS", "startIndex": 0.0, "endIndex": 1.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranges sent %v, want %v", got, want)
	}
	if rows := fake.Rows("stock", "Первый"); !reflect.DeepEqual(rows, [][]string{{"a"}, {"d"}}) {
		t.Errorf("rows left %q", rows)
	}
}

// TestClient_concurrent: the Client is shared by every pool.
func TestClient_concurrent(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			if err := appendOne(e, "Выданные", fmt.Sprint(i)); err != nil {
				errs <- err
			}
			if _, err := e.c.ReadRows(tctx, "issued", "Выданные"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 20 {
		if n := countRows(e, "Выданные", fmt.Sprint(i)); n != 1 {
			t.Errorf("row %d is there %d times", i, n)
		}
	}
	if st := e.srv.Stats(); st.RateLimited != 0 {
		t.Errorf("%d 429s", st.RateLimited)
	}
}

// TestClient_notConnected: a write that could not even connect was not
// sent, so it is retried and never ambiguous.
func TestClient_notConnected(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Attempts = 3 }})
	e.srv.Close()
	e.c.tabs.replace("issued", map[string]int64{"Выданные": 7}) // no lookup needed
	err := appendOne(e, "Выданные", "r1")
	if err == nil || errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("error %v, want giving up after 3 attempts, not ambiguous", err)
	}
	if st := e.c.Stats(); st.Retries != 2 || st.Ambiguous != 0 {
		t.Errorf("stats %+v", st)
	}
}
