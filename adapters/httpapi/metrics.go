package httpapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"allot/actors"
	"allot/domain"
)

// registry is a registry of its own (nothing from the global default
// registry leaks in): Go runtime, process, the engine, and extra.
func registry(src source, extra []prometheus.Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, c := range allCollectors(src, extra) {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("httpapi: register collector %T: %w", c, err)
		}
	}
	return reg, nil
}

// allCollectors is what /metrics registers, in one place so that
// MetricNames lists exactly what registry serves.
func allCollectors(src source, extra []prometheus.Collector) []prometheus.Collector {
	return append([]prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&engineCollector{src: src},
	}, extra...)
}

// MetricNames returns the name of every metric family /metrics can serve
// with extra registered beside the engine's (pass the collectors the binary
// registers), sorted and without duplicates. The names come from the
// collectors' descriptions, not from a scrape, so a series that appears
// only when a feature is on is listed as well. Dashboards and alert rules
// are checked against it.
func MetricNames(extra ...prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		defer close(ch)
		for _, c := range allCollectors(nil, extra) { // Describe never reads the engine
			c.Describe(ch)
		}
	}()
	seen := map[string]bool{}
	for d := range ch {
		if name, ok := descName(d); ok {
			seen[name] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// descName reads a Desc's fully-qualified name, which it has no getter
// for: its String() holds `fqName: "…"`, quoted with %q.
func descName(d *prometheus.Desc) (string, bool) {
	s := d.String()
	const key = "fqName: "
	i := strings.Index(s, key)
	if i < 0 {
		return "", false
	}
	quoted, err := strconv.QuotedPrefix(s[i+len(key):])
	if err != nil {
		return "", false
	}
	name, err := strconv.Unquote(quoted)
	return name, err == nil && name != ""
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	// A collector failing leaves the others' series in the answer.
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("allot_"+name, help, labels, nil)
}

// The engine's series. Everything is read from the engine at scrape time:
// nothing is counted twice, and the engine keeps no Prometheus types.
var (
	descReady    = desc("engine_ready", "1 while the engine takes work (restored, journal writable).")
	descEntities = desc("entities", "Entities known to the directory, active or passive: on PostgreSQL, of the wallets only those in memory.", "kind")
	descLoaded   = desc("entities_loaded_total", "Entities loaded from the store on first use (wallets on PostgreSQL).")
	descEvicted  = desc("entities_evicted_total", "Idle entities whose state left memory for the store (wallets on PostgreSQL).")
	descActive   = desc("actors_active", "Entities whose actor is running now.", "kind")
	descMailbox  = desc("mailbox_messages", "Messages routed to entities of the kind and not yet handled: "+
		"the mailbox backlog per kind (what lock contention used to be).", "kind")
	descInflight = desc("messages_in_flight", "Messages routed to any entity and not yet handled.")
	descNumbers  = desc("numbers", "Numbers in the catalogue by status.", "status")
	descRentals  = desc("rentals_active", "Rentals running now (rented numbers, and blocked ones with a renter).")

	descBatch     = desc("journal_batch_records", "Records per journal group commit (sum: records made durable, count: batches).")
	descBytes     = desc("journal_bytes_total", "Record bytes written to the journal.")
	descSyncs     = desc("journal_syncs_total", "fdatasync calls on journal segments.")
	descRollovers = desc("journal_rollovers_total", "Journal segments started.")
	descSegments  = desc("journal_segments", "Journal segment files on disk.")
	descCommit    = desc("journal_commit_seconds", "Time of each journal commit, write and fdatasync (sum and count only).")
	descCommitMax = desc("journal_commit_max_seconds", "Longest single journal commit since start.")
	descFsync     = desc("journal_fsync_seconds", "Time of each journal group commit, write and fdatasync "+
		"(with FSYNC=os, the write only): the journal's fsync latency.")
	descBatchSize = desc("journal_batch_size_records", "Records per journal group commit.")

	descSnapBusy = desc("snapshot_in_progress", "1 while a snapshot is being written (its size is then not read).")
	descSnapSize = desc("snapshot_last_size_bytes", "Size of the newest snapshot on disk.")
	descSnapSeq  = desc("snapshot_last_seq", "Journal sequence the newest snapshot covers.")
	descSnapTime = desc("snapshot_last_timestamp_seconds", "When the newest snapshot was written (Unix time).")
	descSnapDur  = desc("snapshot_duration_seconds", "Time of each snapshot written since start, "+
		"copying the entities included (sum and count only).")
	descSnapLast = desc("snapshot_last_duration_seconds", "Time the newest snapshot written since start took.")

	descWatchUp   = desc("payment_watcher_up", "1 when the watcher's last chain poll succeeded.", "wallet")
	descWatchFail = desc("payment_watcher_failures", "Consecutive failed chain polls.", "wallet")
	descWatchDel  = desc("payment_watcher_delivered_total", "Payments handed to the register (including ignored ones).", "wallet")
	descWatchDup  = desc("payment_watcher_duplicates_total",
		"Transactions seen again (re-read or re-delivered) and not applied again.", "wallet")
	descWatchSettled = desc("payment_watcher_settled_lt", "Logical time up to which every payment is applied.", "wallet")
	descWatchCursor  = desc("payment_watcher_cursor_lt", "Logical time of the newest transaction read.", "wallet")
	descWatchPoll    = desc("payment_watcher_last_poll_timestamp_seconds", "When the last successful poll ended (Unix time).", "wallet")

	descPayments = desc("payments_total", "Incoming payments applied since start, by outcome: paid (an invoice), "+
		"credited (known code but late, wrong amount or currency, or a top-up), orphan (unknown code, kept for an admin), "+
		"ignored (bounced, spam, bounced jetton notifications), and the jetton notifications the watchers refused: "+
		"forged (not from our jetton wallet), malformed (from it, but unreadable: see the log).", "outcome")
	descReceived = desc("payments_received_total", "Money that incoming payments brought in since start (those that paid an "+
		"invoice or were credited to a balance), in whole coins of the currency: TON and USDT are never added together.", "currency")
	descSales = desc("rental_sales_total", "What rentals and renewals were sold for since start, in whole coins of the "+
		"currency they were paid in.", "currency")
	descRentalsUp = desc("rentals_started_total", "Rentals started since start.")
	descRenewals  = desc("rentals_renewed_total", "Rentals renewed since start.")
	descTransfers = desc("transfers_total", "Rentals handed over to another person since start (per day: increase over 1d).")
	descAccounts  = desc("account_checks_total", "Returned numbers' account checks since start, by outcome: clean, absent, "+
		"deleted, deletion_pending (a cloud password: blocked until the deletion can finish), banned, admin (checked by hand).",
		"outcome")
	descIssued = desc("distribution_items_issued_total", "Distribution items issued to staff since start.")
	descLosses = desc("recovery_losses", "What this start set aside or fell back from: a damaged snapshot, a journal "+
		"tail, what a repair before it set aside (/readyz: journal: recovered with loss). acknowledged=\"true\" counts "+
		"those that lost acknowledged records. 0 after a clean start.", "acknowledged")
)

var engineDescs = []*prometheus.Desc{descReady, descEntities, descActive, descMailbox, descInflight, descNumbers,
	descRentals, descBatch, descBytes, descSyncs, descRollovers, descSegments, descCommit, descCommitMax,
	descFsync, descBatchSize, descSnapBusy, descSnapSize, descSnapSeq, descSnapTime, descSnapDur, descSnapLast,
	descLoaded, descEvicted, descWatchUp, descWatchFail, descWatchDel, descWatchDup, descWatchSettled, descWatchCursor, descWatchPoll,
	descPayments, descReceived, descSales, descRentalsUp, descRenewals, descTransfers, descIssued, descAccounts, descLosses}

// engineCollector reads the engine's counters at each scrape.
type engineCollector struct{ src source }

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range engineDescs {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	ready := 0.0
	if c.src.Ready() == nil {
		ready = 1
	}
	ch <- gauge(descReady, ready)
	c.collectKinds(ch)
	c.collectNumbers(ch)
	st := c.src.Stats()
	st.Payments = withRejected(st.Payments, c.src.Watchers())
	c.collectJournal(ch, st)
	c.collectSnapshot(ch, st)
	c.collectWatchers(ch)
	c.collectRecovery(ch)
}

// collectRecovery counts the start's losses, both label values always, so
// that an alert on either has a series to read.
func (c *engineCollector) collectRecovery(ch chan<- prometheus.Metric) {
	var acked, other float64
	for _, l := range c.src.Recovery().Losses {
		if l.Acknowledged {
			acked++
		} else {
			other++
		}
	}
	ch <- gauge(descLosses, acked, "true")
	ch <- gauge(descLosses, other, "false")
}

func (c *engineCollector) collectKinds(ch chan<- prometheus.Metric) {
	for k, n := range c.src.KindCounts() {
		ch <- gauge(descEntities, float64(n.Entities), k.String())
		ch <- gauge(descActive, float64(n.Active), k.String())
		ch <- gauge(descMailbox, float64(n.Mailbox), k.String())
	}
}

func (c *engineCollector) collectNumbers(ch chan<- prometheus.Metric) {
	byStatus, rentals := c.src.NumberCounts()
	for s := domain.StatusAvailable; s <= domain.StatusHandover; s++ {
		ch <- gauge(descNumbers, float64(byStatus[s]), s.String())
	}
	ch <- gauge(descRentals, float64(rentals))
}

func (c *engineCollector) collectJournal(ch chan<- prometheus.Metric, st actors.Stats) {
	j := st.Journal
	ch <- gauge(descInflight, float64(st.Inflight))
	ch <- prometheus.MustNewConstSummary(descBatch, j.Batches, float64(j.Records), nil)
	ch <- counter(descBytes, float64(j.Bytes))
	ch <- counter(descSyncs, float64(j.Syncs))
	ch <- counter(descRollovers, float64(j.Rollovers))
	ch <- gauge(descSegments, float64(j.Segments))
	ch <- prometheus.MustNewConstSummary(descCommit, st.Commits, st.CommitSum.Seconds(), nil)
	ch <- gauge(descCommitMax, st.CommitMax.Seconds())
	for outcome, n := range st.Payments {
		ch <- counter(descPayments, float64(n), outcome)
	}
	for cur, v := range st.Received {
		ch <- counter(descReceived, v, cur)
	}
	for cur, v := range st.Sales {
		ch <- counter(descSales, v, cur)
	}
	ch <- counter(descRentalsUp, float64(st.Rentals))
	ch <- counter(descRenewals, float64(st.Renewals))
	ch <- counter(descTransfers, float64(st.Transfers))
	for outcome, n := range st.AccountChecks {
		ch <- counter(descAccounts, float64(n), outcome)
	}
	ch <- counter(descIssued, float64(st.Issued))
	ch <- histogram(descFsync, st.CommitTimes)
	if st.BatchSizes.Count > 0 { // an engine that is not told batch sizes has none to show
		ch <- histogram(descBatchSize, st.BatchSizes)
	}
}

func (c *engineCollector) collectSnapshot(ch chan<- prometheus.Metric, st actors.Stats) {
	ch <- prometheus.MustNewConstSummary(descSnapDur, st.Snapshots, st.SnapshotSum.Seconds(), nil)
	ch <- counter(descLoaded, float64(st.Loaded))
	ch <- counter(descEvicted, float64(st.Evicted))
	if st.Snapshots > 0 {
		ch <- gauge(descSnapLast, st.SnapshotLast.Seconds())
	}
	info, busy, ok := c.src.LastSnapshot()
	ch <- gauge(descSnapBusy, b2f(busy))
	if !ok {
		return
	}
	ch <- gauge(descSnapSize, float64(info.Size))
	ch <- gauge(descSnapSeq, float64(info.Seq))
	ch <- gauge(descSnapTime, float64(info.Created.UnixNano())/1e9)
}

func (c *engineCollector) collectWatchers(ch chan<- prometheus.Metric) {
	for _, w := range newestPerWallet(c.src.Watchers()) {
		ch <- gauge(descWatchUp, b2f(w.Failures == 0), w.Wallet)
		ch <- gauge(descWatchFail, float64(w.Failures), w.Wallet)
		ch <- counter(descWatchDel, float64(w.Delivered), w.Wallet)
		ch <- counter(descWatchDup, float64(w.Duplicates), w.Wallet)
		ch <- gauge(descWatchSettled, float64(w.Settled.LT), w.Wallet)
		ch <- gauge(descWatchCursor, float64(w.Cursor.LT), w.Wallet)
		if !w.LastPoll.IsZero() {
			ch <- gauge(descWatchPoll, float64(w.LastPoll.UnixNano())/1e9, w.Wallet)
		}
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

// histogram turns the engine's cumulative buckets into a Prometheus histogram.
func histogram(d *prometheus.Desc, h actors.Histogram) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b] = h.Counts[i]
	}
	return prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// withRejected adds to the payment outcomes the transactions each wallet's
// watcher read and refused (forged, malformed and ignored jetton
// notifications), so one metric counts everything that came in. forged
// and malformed are always there, so an alert on them has a series.
func withRejected(outcomes map[string]uint64, ws []actors.WatchStatus) map[string]uint64 {
	out := maps.Clone(outcomes)
	if out == nil {
		out = map[string]uint64{}
	}
	for _, k := range []string{"forged", "malformed"} {
		out[k] += 0 // present, at zero until the first one
	}
	for _, w := range newestPerWallet(ws) {
		for reason, n := range w.Rejected {
			out[reason] += n
		}
	}
	return out
}

// newestPerWallet keeps the watcher started last for each wallet: a
// watcher closed and started again must not give two series of one name.
func newestPerWallet(ws []actors.WatchStatus) []actors.WatchStatus {
	seen := map[string]bool{}
	var out []actors.WatchStatus
	for i := len(ws) - 1; i >= 0; i-- {
		if !seen[ws[i].Wallet] {
			seen[ws[i].Wallet] = true
			out = append(out, ws[i])
		}
	}
	return out
}
