package sheets

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
)

// appendOne appends a row holding a unique id, as the issue log does.
func appendOne(e *env, tab, id string) error {
	return e.c.AppendRows(tctx, "issued", tab, []stocker.Row{{Cells: []string{id}, Color: "#00FF00"}})
}

// countRows counts the rows of a tab whose first cell is id.
func countRows(e *env, tab, id string) int {
	n := 0
	for _, r := range e.srv.Rows("issued", tab) {
		if len(r) > 0 && r[0] == id {
			n++
		}
	}
	return n
}

func TestClient_retries429(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	if err := appendOne(e, "Выданные", "warm"); err != nil { // resolves the sheetId
		t.Fatal(err)
	}
	e.clk.Sleeps()
	e.srv.FailNext(sheetstest.MethodBatchUpdate, 3, 429)
	if err := appendOne(e, "Выданные", "r1"); err != nil {
		t.Fatalf("AppendRows after three 429s: %v", err)
	}
	if n := countRows(e, "Выданные", "r1"); n != 1 {
		t.Errorf("the row is there %d times, want 1", n)
	}
	st := e.c.Stats()
	if st.RateLimited != 3 || st.Retries != 3 || st.Ambiguous != 0 {
		t.Errorf("stats %+v, want 3 rate limited, 3 retries, 0 ambiguous", st)
	}
	// Backoff without jitter (noJitter): 1 s, 2 s, 4 s. The budget's
	// burst covers these few calls, so no other wait comes between.
	if got, want := e.clk.Sleeps(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if !e.c.Healthy() {
		t.Error("429s opened the breaker")
	}
}

func TestClient_gives429Up(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Attempts = 3 }})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}})
	e.srv.FailNext(sheetstest.MethodValuesGet, 5, 429)
	_, err := e.c.ReadRows(tctx, "stock", "Склад")
	if err == nil || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("error %v, want giving up after 3 attempts", err)
	}
	if n := e.methodCalls(sheetstest.MethodValuesGet); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

// TestClient_budgets runs more calls than a minute allows against the
// fake with Google's quotas on: the budgets pace them, so Google never
// answers 429 and no minute holds more than the quota.
func TestClient_budgets(t *testing.T) {
	for _, perMin := range []int{DefaultWritesPerMinute, MaxPerMinute} {
		t.Run(fmt.Sprint(perMin), func(t *testing.T) {
			e := newEnv(t, envOptions{vars: map[string]string{
				EnvReadsPerMinute: fmt.Sprint(perMin), EnvWritesPerMinute: fmt.Sprint(perMin),
			}})
			e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
			start := e.clk.Now()
			for i := range 150 {
				if err := appendOne(e, "Выданные", fmt.Sprint(i)); err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
				if _, err := e.c.ReadRows(tctx, "issued", "Выданные"); err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
			}
			st := e.srv.Stats()
			t.Logf("at most %d writes and %d reads in a minute, %v of quota time", st.MaxWritesPerMinute, st.MaxReadsPerMinute, e.clk.Now().Sub(start))
			if st.RateLimited != 0 {
				t.Errorf("Google answered 429 %d times", st.RateLimited)
			}
			limit := perMin + burstFor(perMin) - 1
			if st.MaxWritesPerMinute > limit || st.MaxReadsPerMinute > limit {
				t.Errorf("at most %d writes and %d reads in a minute, want <= %d", st.MaxWritesPerMinute, st.MaxReadsPerMinute, limit)
			}
			if st.MaxWritesPerMinute > MaxPerMinute || st.MaxReadsPerMinute > MaxPerMinute {
				t.Errorf("over Google's quota: %+v", st)
			}
			// The budget is spent, not wasted: beyond the burst, calls go
			// at the budget's pace.
			want := time.Duration(150-burstFor(perMin)) * time.Minute / time.Duration(perMin)
			if took := e.clk.Now().Sub(start); took < want-time.Minute || took > want+time.Minute {
				t.Errorf("150 calls took %v of the budget's time, want about %v", took, want)
			}
			if n := len(e.srv.Rows("issued", "Выданные")); n != 151 {
				t.Errorf("%d rows, want 151", n)
			}
		})
	}
}

// TestClient_quotaBelowBudget has Google allow fewer writes than the
// budget: 429s come back, are retried after backoff, and every row lands
// exactly once.
func TestClient_quotaBelowBudget(t *testing.T) {
	e := newEnv(t, envOptions{server: []sheetstest.Option{sheetstest.WithQuota(sheetstest.Quota{WritesPerMinute: 20})}})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	for i := range 60 {
		if err := appendOne(e, "Выданные", fmt.Sprint(i)); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	for i := range 60 {
		if n := countRows(e, "Выданные", fmt.Sprint(i)); n != 1 {
			t.Errorf("row %d is there %d times", i, n)
		}
	}
	st, fake := e.c.Stats(), e.srv.Stats()
	if st.RateLimited == 0 || st.RateLimited != uint64(fake.RateLimited) || st.Retries < st.RateLimited {
		t.Errorf("client %+v, fake answered 429 %d times", st, fake.RateLimited)
	}
}

// TestClient_ambiguousWrites: a write that fails after Google applied it
// (or may have) is ErrAmbiguous, is sent once, and the caller finds the
// row by reading.
func TestClient_ambiguousWrites(t *testing.T) {
	for _, code := range []int{500, 502, 503, sheetstest.CutConnection} {
		t.Run(fmt.Sprint("append/", code), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
			if err := appendOne(e, "Выданные", "warm"); err != nil {
				t.Fatal(err)
			}
			e.srv.FailAfterApply(sheetstest.MethodBatchUpdate, 1, code)
			err := appendOne(e, "Выданные", "r1")
			if !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("error %v, want ErrAmbiguous", err)
			}
			if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 2 {
				t.Errorf("%d batchUpdate calls, want 2 (no retry)", n)
			}
			rows, err := e.c.ReadRows(tctx, "issued", "Выданные")
			if err != nil {
				t.Fatal(err)
			}
			if got := rows[len(rows)-1]; !reflect.DeepEqual(got, []string{"r1"}) {
				t.Errorf("last row %q: the applied append is not in the sheet", got)
			}
			if st := e.c.Stats(); st.Ambiguous != 1 || st.Retries != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	writes := []struct {
		name string
		call func(e *env) error
	}{
		{"delete", func(e *env) error { return e.c.DeleteRows(tctx, "issued", "Выданные", []int{1}) }},
		{"insert", func(e *env) error { return e.c.InsertRows(tctx, "issued", "Выданные", 1, [][]string{{"new"}}) }},
	}
	for _, w := range writes {
		t.Run(w.name+"/500 before applying", func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.srv.SetRows("issued", "Выданные", [][]string{{"id"}, {"a"}, {"b"}})
			e.srv.FailNext(sheetstest.MethodBatchUpdate, 1, 500)
			if err := w.call(e); !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("error %v, want ErrAmbiguous", err)
			}
			if n := e.methodCalls(sheetstest.MethodBatchUpdate); n != 1 {
				t.Errorf("%d batchUpdate calls, want 1 (no retry)", n)
			}
		})
	}
}

func TestClient_retriesIdempotent(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}, {"a"}})
	e.srv.FailNext(sheetstest.MethodValuesGet, 2, 503)
	if _, err := e.c.ReadRows(tctx, "stock", "Склад"); err != nil {
		t.Fatalf("ReadRows after two 503s: %v", err)
	}
	e.srv.FailAfterApply(sheetstest.MethodValuesBatchUpd, 1, sheetstest.CutConnection)
	e.srv.FailNext(sheetstest.MethodValuesBatchUpd, 1, 502)
	if err := e.c.SetCells(tctx, "stock", "Склад", []stocker.Cell{{Row: 1, Col: 1, Value: "claimed"}}); err != nil {
		t.Fatalf("SetCells after a 502 and a cut: %v", err)
	}
	if got := e.srv.Cell("stock", "Склад", 1, 1).Value; got != "claimed" {
		t.Errorf("cell %q", got)
	}
	if st := e.c.Stats(); st.Retries != 4 || st.Ambiguous != 0 {
		t.Errorf("stats %+v, want 4 retries, none ambiguous", st)
	}
}

func TestClient_timeout(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) { c.Timeout = 50 * time.Millisecond; c.Attempts = 2 }})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	if err := appendOne(e, "Выданные", "warm"); err != nil {
		t.Fatal(err)
	}
	e.srv.SetDelay(time.Second)
	if err := appendOne(e, "Выданные", "r1"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("append timing out: %v, want ErrAmbiguous", err)
	}
	_, err := e.c.ReadRows(tctx, "issued", "Выданные")
	if err == nil || errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Errorf("read timing out: %v, want giving up after 2 attempts", err)
	}
	e.srv.SetDelay(0)
}

func TestClient_breaker(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *Config) {
		c.Attempts, c.BreakerFailures, c.BreakerCoolDown = 1, 3, 100*time.Millisecond
	}})
	e.srv.SetRows("stock", "Склад", [][]string{{"h"}})

	// Google answering, even with 4xx and 429, keeps it closed.
	e.srv.FailNext(sheetstest.MethodValuesGet, 5, 429)
	for range 5 {
		_, _ = e.c.ReadRows(tctx, "stock", "Склад")
		_, _ = e.c.ReadRows(tctx, "stock", "no such tab")
	}
	if !e.c.Healthy() {
		t.Fatal("429s and 400s opened the breaker")
	}

	e.srv.FailNext(sheetstest.MethodValuesGet, 3, 503)
	for i := range 3 {
		if _, err := e.c.ReadRows(tctx, "stock", "Склад"); err == nil || errors.Is(err, ErrUnavailable) {
			t.Fatalf("read %d: %v, want the 503", i, err)
		}
	}
	if e.c.Healthy() {
		t.Error("healthy after 3 failures in a row")
	}
	before := e.srv.Stats().Requests
	started := time.Now()
	for _, call := range []func() error{
		func() error { _, err := e.c.ReadRows(tctx, "stock", "Склад"); return err },
		func() error { return e.c.SetCells(tctx, "stock", "Склад", []stocker.Cell{{Value: "x"}}) },
	} {
		if err := call(); !errors.Is(err, ErrUnavailable) {
			t.Errorf("while open: %v, want ErrUnavailable", err)
		}
	}
	if d := time.Since(started); d > 50*time.Millisecond {
		t.Errorf("refusing took %v", d)
	}
	if n := e.srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests reached Google while open", n)
	}
	if n := e.c.Stats().BreakerOpen; n != 2 {
		t.Errorf("BreakerOpen = %d, want 2", n)
	}

	time.Sleep(150 * time.Millisecond) // the cool-down; gobreaker reads the real clock
	if _, err := e.c.ReadRows(tctx, "stock", "Склад"); err != nil {
		t.Fatalf("the probe after the cool-down: %v", err)
	}
	if !e.c.Healthy() {
		t.Error("not healthy after a successful probe")
	}
}

func TestClient_canceled(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.srv.SetRows("issued", "Выданные", [][]string{{"id"}})
	if err := appendOne(e, "Выданные", "warm"); err != nil {
		t.Fatal(err)
	}
	before := e.srv.Stats().Requests
	canceled, cancel := context.WithCancel(tctx)
	cancel()
	err := e.c.AppendRows(canceled, "issued", "Выданные", []stocker.Row{{Cells: []string{"r1"}}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrAmbiguous) {
		t.Errorf("error %v, want context.Canceled and not ambiguous (nothing was sent)", err)
	}
	if n := e.srv.Stats().Requests - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if !e.c.Healthy() {
		t.Error("cancellation counted against the breaker")
	}
}
