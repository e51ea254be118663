package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
)

type stockStub actors.StockStatus

func (s stockStub) Status() actors.StockStatus { return actors.StockStatus(s) }

type poolsStub []actors.PoolCounts

func (p poolsStub) Pools() []actors.PoolCounts { return p }

func TestDistributionCollector(t *testing.T) {
	e := openEngine(t, nil)
	flushed := time.Unix(1_800_000_000, 0)
	stock := stockStub{Loads: 2, RowsLoaded: 12, Flushes: 1, RowsFlushed: 3, Reinserted: 1, BadRows: 4,
		ConsecutiveErrors: 2, LastFlushAt: flushed}
	pools := poolsStub{{Key: "vk/495/male", Available: 8, Pending: 1, Buffer: 3, Claimed: 12},
		{Key: "ok/812", Available: 5, Returning: 2, Flushing: 1}}
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080",
		Collectors: []prometheus.Collector{NewDistributionCollector(pools, stock)}})
	code, _, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for series, want := range map[string]float64{
		`allot_stock_loads_total`:                          2,
		`allot_stock_rows_loaded_total`:                    12,
		`allot_stock_flushes_total`:                        1,
		`allot_stock_rows_flushed_total`:                   3,
		`allot_stock_rows_reinserted_total`:                1,
		`allot_stock_bad_rows_total`:                       4,
		`allot_stock_consecutive_errors`:                   2,
		`allot_stock_last_flush_timestamp_seconds`:         1.8e9,
		`allot_pool_available_items{pool="vk/495/male"}`:   8,
		`allot_pool_pending_items{pool="vk/495/male"}`:     1,
		`allot_pool_buffered_feedback{pool="vk/495/male"}`: 3,
		`allot_pool_claimed_rows{pool="vk/495/male"}`:      12,
		`allot_pool_available_items{pool="ok/812"}`:        5,
		`allot_pool_returning_items{pool="ok/812"}`:        2,
		`allot_pool_flushing_feedback{pool="ok/812"}`:      1,
	} {
		if got := metricValue(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if strings.Contains(body, "allot_stock_last_error_timestamp_seconds ") {
		t.Error("a last error time without any error")
	}
}

func TestDistributionCollector_off(t *testing.T) {
	e := openEngine(t, nil)
	var stocker *actors.Stocker // the distribution is off
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080",
		Collectors: []prometheus.Collector{NewDistributionCollector(e, stocker)}})
	code, _, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	if strings.Contains(body, "allot_stock_") || strings.Contains(body, "allot_pool_") {
		t.Errorf("series without a stocker or pools:\n%s", body)
	}
}

// TestHandler_metricsDurability: the journal's fsync latency is a
// histogram, and snapshots report their time.
func TestHandler_metricsDurability(t *testing.T) {
	e := openEngine(t, nil)
	addNumbers(t, e, 2)
	_, err := e.Snapshot(ctxT(t))
	must(t, err)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080"})
	_, _, body := get(t, srv, "/metrics")
	if !strings.Contains(body, "# TYPE allot_journal_fsync_seconds histogram") {
		t.Error("the fsync latency is not a histogram")
	}
	commits := metricValue(t, body, "allot_journal_commit_seconds_count")
	if got := metricValue(t, body, "allot_journal_fsync_seconds_count"); got != commits || got == 0 {
		t.Errorf("fsync histogram count %v, commits %v", got, commits)
	}
	if got := metricValue(t, body, `allot_journal_fsync_seconds_bucket{le="+Inf"}`); got != commits {
		t.Errorf("+Inf bucket %v, commits %v", got, commits)
	}
	metricValue(t, body, `allot_journal_fsync_seconds_bucket{le="5e-05"}`) // the first bucket is 50 µs
	if got := metricValue(t, body, "allot_snapshot_duration_seconds_count"); got != 1 {
		t.Errorf("snapshots counted: %v, want 1", got)
	}
	last := metricValue(t, body, "allot_snapshot_last_duration_seconds")
	if sum := metricValue(t, body, "allot_snapshot_duration_seconds_sum"); last <= 0 || sum != last {
		t.Errorf("last snapshot took %v s, all %v s", last, sum)
	}
}
