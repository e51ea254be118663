package httpapi

import (
	"errors"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"allot/actors"
)

func TestMetricNames(t *testing.T) {
	extra := prometheus.NewCounter(prometheus.CounterOpts{Name: "allot_telegram_sends_total", Help: "Messages sent."})
	names := MetricNames(extra, NewRelayCollector(nil, nil))
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Fatalf("not sorted or not unique: %q", names)
	}
	for _, want := range []string{
		"allot_engine_ready", "allot_journal_fsync_seconds", "allot_payments_total",
		"allot_payment_watcher_last_poll_timestamp_seconds",     // only once a watcher polled
		"allot_snapshot_last_size_bytes",                        // only once a snapshot exists
		"allot_telegram_sends_total", "allot_handovers_pending", // extra
		"go_goroutines", "process_start_time_seconds",
	} {
		if _, ok := slices.BinarySearch(names, want); !ok {
			t.Errorf("%s missing from %q", want, names)
		}
	}
	if slices.Contains(names, "allot_pool_available_items") {
		t.Errorf("a collector that was not passed is listed")
	}
}

// TestMetricNames_coverScrape checks that every family a real scrape
// gives is one MetricNames lists: the two read the same collectors.
func TestMetricNames_coverScrape(t *testing.T) {
	e := openEngine(t, nil)
	ctx := ctxT(t)
	addNumbers(t, e, 2)
	topUp(t, e, 30)
	_, err := e.Snapshot(ctx)
	must(t, err)
	watch(t, e, "0:good", chain{lt: 7}, func(s actors.WatchStatus) bool { return s.Settled.LT == 7 })
	watch(t, e, "0:down", chain{err: errors.New("down")}, func(s actors.WatchStatus) bool { return s.Failures > 0 })
	must(t, e.Drain(ctx))
	extra := []prometheus.Collector{NewDistributionCollector(e, nil), NewRelayCollector(e, nil)}
	reg, err := registry(e, extra)
	must(t, err)
	families, err := reg.Gather()
	must(t, err)
	names := MetricNames(extra...)
	for _, f := range families {
		if _, ok := slices.BinarySearch(names, f.GetName()); !ok {
			t.Errorf("%s is scraped but not in MetricNames", f.GetName())
		}
	}
	if len(families) < 30 {
		t.Errorf("only %d families scraped: the engine's series are missing", len(families))
	}
}

func TestMetricNames_descName(t *testing.T) {
	tests := []struct {
		name  string
		d     *prometheus.Desc
		wName string
	}{
		{"plain", desc("engine_ready", "help"), "allot_engine_ready"},
		{"labels", desc("payments_total", "help", "outcome"), "allot_payments_total"},
		{"help that quotes another name", desc("x_total", `see fqName: "allot_other" and "q"`), "allot_x_total"},
		{"const labels", prometheus.NewDesc("a_b", "h", nil, prometheus.Labels{"k": `v"fqName: "z"`}), "a_b"},
		{"invalid name still named", prometheus.NewDesc("bad name", "h", nil, nil), "bad name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := descName(tt.d)
			if !ok || got != tt.wName {
				t.Errorf("descName = %q, %v; want %q", got, ok, tt.wName)
			}
		})
	}
}
