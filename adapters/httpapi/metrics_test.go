package httpapi

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"allot/actors"
	"allot/domain"
)

// chain is a ChainSource whose newest transaction is at lt, or that fails.
type chain struct {
	lt  uint64
	err error
}

func (c chain) Since(_ context.Context, _ domain.ChainCursor) ([]domain.Payment, domain.ChainCursor, error) {
	if c.err != nil {
		return nil, domain.ChainCursor{}, c.err
	}
	return nil, domain.ChainCursor{LT: c.lt, Hash: "aa"}, nil
}

func watch(t testing.TB, e *actors.Engine, wallet string, src actors.ChainSource, done func(actors.WatchStatus) bool) {
	t.Helper()
	w, err := e.Watch(actors.WatchOptions{Wallet: wallet, Source: src, Interval: time.Hour, MaxBackoff: time.Hour})
	must(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for !done(w.Status()) {
		if time.Now().After(deadline) {
			t.Fatalf("watcher %s: %+v", wallet, w.Status())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestHandler_metrics(t *testing.T) {
	e := openEngine(t, nil)
	ctx := ctxT(t)
	ids := addNumbers(t, e, 3)
	topUp(t, e, 30)
	_, err := e.RentFromBalance(ctx, "rent-1", alice, ids[0], 30)
	must(t, err)
	_, err = e.Snapshot(ctx)
	must(t, err)
	watch(t, e, "0:good", chain{lt: 42}, func(s actors.WatchStatus) bool { return s.Settled.LT == 42 })
	watch(t, e, "0:down", chain{err: errors.New("liteserver unreachable")}, func(s actors.WatchStatus) bool { return s.Failures > 0 })
	must(t, e.Drain(ctx))
	sends := prometheus.NewCounter(prometheus.CounterOpts{Name: "allot_telegram_sends_total", Help: "Messages sent."})
	sends.Add(3)
	srv := serve(t, e, Options{Addr: "127.0.0.1:8080", Collectors: []prometheus.Collector{sends}})

	code, h, body := get(t, srv, "/metrics")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", code, h.Get("Content-Type"))
	}
	exact := map[string]float64{
		`allot_engine_ready`:                                     1,
		`allot_entities{kind="number"}`:                          3,
		`allot_entities{kind="wallet"}`:                          1,
		`allot_entities{kind="payments"}`:                        16,
		`allot_actors_active{kind="number"}`:                     3,
		`allot_mailbox_messages{kind="number"}`:                  0,
		`allot_messages_in_flight`:                               0,
		`allot_numbers{status="rented"}`:                         1,
		`allot_numbers{status="available"}`:                      2,
		`allot_numbers{status="blocked"}`:                        0,
		`allot_rentals_active`:                                   1,
		`allot_snapshot_in_progress`:                             0,
		`allot_payment_watcher_up{wallet="0:good"}`:              1,
		`allot_payment_watcher_settled_lt{wallet="0:good"}`:      42,
		`allot_payment_watcher_cursor_lt{wallet="0:good"}`:       42,
		`allot_payment_watcher_up{wallet="0:down"}`:              0,
		`allot_payment_watcher_delivered_total{wallet="0:good"}`: 0,
		`allot_telegram_sends_total`:                             3,
		`allot_rentals_started_total`:                            1,
		`allot_transfers_total`:                                  0,
		`allot_payments_total{outcome="orphan"}`:                 0,
		`allot_payments_total{outcome="forged"}`:                 0,
		`allot_payments_total{outcome="malformed"}`:              0,
	}
	for series, want := range exact {
		if got := metricValue(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	positive := []string{
		`allot_journal_batch_records_count`, `allot_journal_batch_records_sum`, `allot_journal_bytes_total`,
		`allot_journal_segments`, `allot_journal_commit_seconds_count`, `allot_journal_commit_seconds_sum`,
		`allot_journal_commit_max_seconds`, `allot_snapshot_last_size_bytes`, `allot_snapshot_last_seq`,
		`allot_snapshot_last_timestamp_seconds`, `allot_payment_watcher_failures{wallet="0:down"}`,
		`allot_payment_watcher_last_poll_timestamp_seconds{wallet="0:good"}`,
		`go_goroutines`, `process_start_time_seconds`,
	}
	for _, series := range positive {
		if got := metricValue(t, body, series); got <= 0 {
			t.Errorf("%s = %v, want > 0", series, got)
		}
	}
	// The top-up paid its invoice: one payment, whichever outcome a top-up is.
	if n := metricValue(t, body, `allot_payments_total{outcome="paid"}`) +
		metricValue(t, body, `allot_payments_total{outcome="credited"}`); n != 1 {
		t.Errorf("payments paid or credited: %v, want the one top-up", n)
	}
	if !strings.Contains(body, "# TYPE allot_journal_commit_seconds summary") {
		t.Errorf("the commit time is not a summary")
	}
}

func TestNew_duplicateCollector(t *testing.T) {
	e := openEngine(t, nil)
	_, err := New(e, Options{Addr: "127.0.0.1:8080", Collectors: []prometheus.Collector{collectors.NewGoCollector()}})
	if err == nil {
		t.Fatal("a second Go collector was accepted")
	}
}

// The jetton notifications a watcher refused join the payment outcomes,
// from the newest watcher of each wallet only.
func TestWithRejected(t *testing.T) {
	ws := []actors.WatchStatus{
		{Wallet: "0:a", Rejected: map[string]uint64{"forged": 5}}, // closed and started again below
		{Wallet: "0:a", Rejected: map[string]uint64{"forged": 2, "ignored": 1}},
		{Wallet: "0:b", Rejected: map[string]uint64{"malformed": 1}},
		{Wallet: "0:c"},
	}
	got := withRejected(map[string]uint64{"paid": 3, "ignored": 4}, ws)
	want := map[string]uint64{"paid": 3, "ignored": 5, "forged": 2, "malformed": 1}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
