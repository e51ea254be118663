package sheetstest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/sheets/v4"

	"allot/adapters/sheets/sheetstest"
)

func TestServer_WriteQuota(t *testing.T) {
	clk := newClock()
	srv, svc := start(t, sheetstest.WithClock(clk.Now))
	srv.AddSpreadsheet("book", "S")

	for i := range 60 {
		if _, err := appendRow(svc, "book", "S!A1", fmt.Sprint(i)); err != nil {
			t.Fatalf("write %d: %v", i+1, err)
		}
		clk.Add(time.Second / 2)
	}
	_, err := appendRow(svc, "book", "S!A1", "61st")
	e := apiError(t, err)
	if e.Code != 429 {
		t.Fatalf("61st write in a minute: %d %q", e.Code, e.Message)
	}
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.Reason() != "RATE_LIMIT_EXCEEDED" || ae.Metadata()["quota_limit_value"] != "60" {
		t.Errorf("the client's APIError does not parse the details: %v", ae)
	}
	if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err != nil {
		t.Errorf("reads have their own budget: %v", err)
	}
	if n := len(srv.Rows("book", "S")); n != 60 {
		t.Errorf("%d rows, want 60: a 429 must change nothing", n)
	}

	clk.Add(30 * time.Second) // the first write leaves the window
	if _, err := appendRow(svc, "book", "S!A1", "later"); err != nil {
		t.Fatalf("a minute after the first write: %v", err)
	}
	clk.Add(time.Minute)
	for i := range 3 {
		if _, err := appendRow(svc, "book", "S!A1", "next minute"); err != nil {
			t.Fatalf("write %d of the next minute: %v", i, err)
		}
	}
	st := srv.Stats()
	if st.Writes != 64 || st.RateLimited != 1 || st.MaxWritesPerMinute != 60 || st.Reads != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestServer_ReadQuotaAndWithoutQuotas(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		srv, svc := start(t, sheetstest.WithClock(newClock().Now))
		srv.AddSpreadsheet("book")
		var err error
		for i := 0; i < 61 && err == nil; i++ {
			_, err = svc.Spreadsheets.Get("book").Do()
		}
		if e := apiError(t, err); e.Code != 429 || srv.Stats().Reads != 60 {
			t.Errorf("got %d after %d reads", e.Code, srv.Stats().Reads)
		}
	})
	t.Run("off", func(t *testing.T) {
		srv, svc := start(t, sheetstest.WithoutQuotas())
		srv.AddSpreadsheet("book")
		for i := range 100 {
			if _, err := svc.Spreadsheets.Values.Get("book", "Sheet1").Do(); err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
		}
		if st := srv.Stats(); st.MaxReadsPerMinute != 100 || st.RateLimited != 0 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestServer_FailAfterApply(t *testing.T) {
	t.Run("500", func(t *testing.T) {
		srv, svc := start(t)
		srv.SetRows("book", "S", [][]string{{"id"}})
		srv.FailAfterApply(sheetstest.MethodValuesAppend, 1, 500)

		_, err := appendRow(svc, "book", "S!A1", "row-1")
		if e := apiError(t, err); e.Code != 500 || e.Message != "Internal error encountered." {
			t.Fatalf("got %d %q", e.Code, e.Message)
		}
		if got, want := srv.Rows("book", "S"), [][]string{{"id"}, {"row-1"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("rows = %q: the change must be applied", got)
		}
		if _, err := appendRow(svc, "book", "S!A1", "row-1"); err != nil { // a blind retry
			t.Fatal(err)
		}
		if got := srv.Rows("book", "S"); len(got) != 3 {
			t.Errorf("rows = %q: the blind retry should have duplicated the row", got)
		}
		if st := srv.Stats(); st.Faults != 1 || st.Writes != 2 {
			t.Errorf("stats = %+v", st)
		}
	})
	t.Run("cut connection", func(t *testing.T) {
		srv, svc := start(t)
		srv.AddSpreadsheet("book")
		srv.FailAfterApply(sheetstest.MethodBatchUpdate, 1, sheetstest.CutConnection)

		_, err := svc.Spreadsheets.BatchUpdate("book", &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
			{AppendCells: &sheets.AppendCellsRequest{Rows: []*sheets.RowData{issuedRow("r1", "good", green)}, Fields: "*"}},
		}}).Do()
		var gerr *googleapi.Error
		if err == nil || errors.As(err, &gerr) {
			t.Fatalf("err = %v, want a transport error", err)
		}
		if got := srv.Rows("book", "Sheet1"); len(got) != 1 {
			t.Errorf("rows = %q: the change must be applied", got)
		}
		if r := srv.Requests(); r[len(r)-1].Status != 0 {
			t.Errorf("logged status %d for a cut connection", r[len(r)-1].Status)
		}
	})
}

func TestServer_FailNext(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a"}})
	srv.FailNext(sheetstest.MethodValuesAppend, 2, 503)
	srv.FailNext(sheetstest.AnyMethod, 1, 502)

	for _, want := range []int{503, 503} {
		_, err := appendRow(svc, "book", "S!A1", "x")
		if e := apiError(t, err); e.Code != want {
			t.Errorf("got %d, want %d", e.Code, want)
		}
	}
	_, err := svc.Spreadsheets.Values.Get("book", "S").Do()
	if e := apiError(t, err); e.Code != 502 || e.Message != "" {
		t.Errorf("502: code %d message %q (Google's 502 is an HTML page)", e.Code, e.Message)
	}
	if _, err := appendRow(svc, "book", "S!A1", "y"); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Rows("book", "S"), [][]string{{"a"}, {"y"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %q: failed calls must not apply", got)
	}
	if st := srv.Stats(); st.Writes != 1 || st.Reads != 0 || st.Faults != 3 {
		t.Errorf("stats = %+v: faults before apply charge no quota", st)
	}
}

// TestServer_CutGetIsRetriedByTransport documents a property of Go's
// http.Transport, not of the fake: a GET whose reused connection closes
// before any answer is sent again at once on a new connection, so one cut
// read does not surface; two do.
func TestServer_CutGetIsRetriedByTransport(t *testing.T) {
	srv, svc := start(t)
	srv.SetRows("book", "S", [][]string{{"a"}})
	if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err != nil { // warm a connection
		t.Fatal(err)
	}
	srv.FailNext(sheetstest.MethodValuesGet, 1, sheetstest.CutConnection)
	if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err != nil {
		t.Errorf("one cut GET surfaced: %v", err)
	}
	if n := srv.Stats().Methods[sheetstest.MethodValuesGet]; n != 3 {
		t.Errorf("%d gets seen, want 3 (warm, cut, retried)", n)
	}
	srv.FailNext(sheetstest.MethodValuesGet, 2, sheetstest.CutConnection)
	if _, err := svc.Spreadsheets.Values.Get("book", "S").Do(); err == nil {
		t.Error("two cut GETs in a row did not surface")
	}
}

func TestServer_SetDelayAndClose(t *testing.T) {
	srv := sheetstest.New()
	defer srv.Close()
	srv.AddSpreadsheet("book")
	arrived := make(chan struct{}, 2)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	svc := client(t, front.URL+"/")

	srv.SetDelay(20 * time.Millisecond)
	begin := time.Now()
	if _, err := svc.Spreadsheets.Get("book").Do(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 20*time.Millisecond {
		t.Errorf("answered after %v", d)
	}
	<-arrived

	srv.SetDelay(time.Hour)
	done := make(chan error, 1)
	go func() {
		_, err := svc.Spreadsheets.Get("book").Do()
		done <- err
	}()
	<-arrived
	srv.Close()
	select {
	case err := <-done:
		if e := apiError(t, err); e.Code != 503 {
			t.Errorf("a call cut short by Close: %d", e.Code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close left a delayed call waiting")
	}
}

func TestServer_ConcurrentAppends(t *testing.T) {
	srv, svc := start(t, sheetstest.WithoutQuotas())
	srv.SetRows("book", "S", [][]string{{"id"}})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := appendRow(svc, "book", "S!A1", fmt.Sprintf("w%d-%d", w, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := svc.Spreadsheets.Values.Get("book", "S!A:A").Do(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	rows := srv.Rows("book", "S")
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if seen[r[0]] {
			t.Errorf("%s twice", r[0])
		}
		seen[r[0]] = true
	}
	if len(seen) != 80 {
		t.Errorf("%d distinct rows, want 80", len(seen))
	}
}
