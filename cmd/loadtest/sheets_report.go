package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"allot/adapters/sheets/sheetstest"
)

func (w *sheetsWorld) report(r sheetsRun) map[string]any {
	v := w.book.check(w.srv.Rows(sheetsStock, "Stock"), w.srv.Rows(sheetsIssued, "Issued"), r.handed)
	if err := w.eng.Drain(context.Background()); err != nil {
		v.problems = append(v.problems, "engine: drain: "+err.Error())
	} else if _, err := w.eng.Check(); err != nil { // the engine's own invariants: pools, replacements, money
		v.problems = append(v.problems, "engine: "+err.Error())
	}
	ss, cs, st := w.srv.Stats(), w.client.Stats(), w.stk.Status()
	w.mu.Lock()
	flushes, maxRows := w.flushes, w.maxPerRows
	w.mu.Unlock()
	perFlush := writesPerFlush(w.srv.Requests())
	secs := r.elapsed.Seconds()
	ok := len(v.problems) == 0 && r.errors == 0
	fmt.Printf("sheets: %d items, %d staff, %.1fs (%.1f simulated minutes)\n", w.items, sheetsStaff, secs, w.clk.Now().Sub(w.start).Minutes())
	fmt.Printf("  issue p50 %.2f ms, p99 %.2f ms (%d calls, %d out of stock); all calls %d, p99 %.2f ms, errors %d\n",
		r.hIssue.quantile(0.5), r.hIssue.quantile(0.99), r.hIssue.n, r.outOfStock, r.ops, r.h.quantile(0.99), r.errors)
	added, deleted := w.book.edits()
	fmt.Printf("  issued tab %d rows, stock tab %d; person: %d edits, %d rows added, %d deleted (%d put back by the stocker)\n",
		v.landed, v.inStock, ss.HumanEdits, added, deleted, v.resurrected)
	fmt.Printf("  requests: %d reads, %d writes, %d retries, %d answered 429, %d ambiguous, %d faults; max %d writes a minute\n",
		cs.Reads, cs.Writes, cs.Retries, cs.RateLimited, cs.Ambiguous, ss.Faults, ss.MaxWritesPerMinute)
	fmt.Printf("  stocker: %d loads, %d flushes (at most %d rows, %d write requests each), %d rows put back\n",
		st.Loads, flushes, maxRows, perFlush, st.Reinserted)
	for i, p := range v.problems {
		if i == 20 {
			fmt.Printf("  ... and %d more\n", len(v.problems)-i)
			break
		}
		fmt.Println("  INVARIANT:", p)
	}
	if r.firstErr != nil {
		fmt.Println("  first error:", r.firstErr)
	}
	return map[string]any{"mode": "sheets", "items": w.items, "landed": v.landed, "lost": v.lost, "duplicates": v.duplicates,
		"in_stock": v.inStock, "human_deleted": v.humanDeleted, "human_edits": ss.HumanEdits,
		"read_requests": cs.Reads, "write_requests": cs.Writes, "retries": cs.Retries, "rate_limited": cs.RateLimited,
		"ambiguous": cs.Ambiguous, "faults": ss.Faults, "max_write_per_min": ss.MaxWritesPerMinute,
		"flushes": flushes, "max_write_requests_per_flush": perFlush, "max_rows_per_flush": maxRows,
		"loads": st.Loads, "reinserted": st.Reinserted, "out_of_stock": r.outOfStock,
		"p50_issue_ms": round(r.hIssue.quantile(0.5)), "p99_issue_ms": round(r.hIssue.quantile(0.99)),
		"ops": r.ops, "ops_per_sec": round(float64(r.ops) / secs), "p50_ms": round(r.h.quantile(0.5)),
		"p99_ms": round(r.h.quantile(0.99)), "errors": r.errors, "seconds": round(secs),
		"simulated_min": round(w.clk.Now().Sub(w.start).Minutes()), "invariants_ok": ok}
}

// writesPerFlush is the most write requests one flush made, retries
// included: appendCells requests in a row, each after a 429 on the one
// before, are one flush trying again.
func writesPerFlush(log []sheetstest.Request) int {
	most, run := 0, 0
	for _, r := range log {
		if r.Method != sheetstest.MethodBatchUpdate || !slices.Contains(r.Kinds, "appendCells") {
			continue
		}
		run++
		most = max(most, run)
		if r.Status != http.StatusTooManyRequests {
			run = 0
		}
	}
	return most
}

// The table of earlier runs (-mode table) shows these figures of a sheets
// run, the mode's own view of what matters.
func init() {
	figures["sheets"] = []string{"items", "landed", "lost", "duplicates", "p99_issue_ms", "out_of_stock",
		"max_write_per_min", "max_write_requests_per_flush", "invariants_ok"}
}
