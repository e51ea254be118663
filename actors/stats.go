package actors

import (
	"slices"
	"sync/atomic"
	"time"

	"allot/domain"
	"allot/persistence"
)

// Stats is a point-in-time view of the engine's machinery, for the load
// test and the metrics endpoint. It holds no Prometheus types: the
// endpoint turns it into series.
type Stats struct {
	Journal   persistence.JournalStats
	Commits   uint64        // journal batches made durable
	CommitMax time.Duration // longest single commit (write + fdatasync)
	CommitSum time.Duration // total time spent committing
	Active    int64         // entity actors running now
	Inflight  int64         // messages routed and not yet handled

	// CommitTimes is the distribution of commit times in seconds (write +
	// fdatasync), the journal's fsync latency.
	CommitTimes Histogram
	// BatchSizes is the distribution of records per commit; empty while
	// nothing reports batch sizes (see commitStats.batch).
	BatchSizes Histogram

	Snapshots    uint64        // snapshots written since the engine opened
	SnapshotSum  time.Duration // total time they took, copying the entities included
	SnapshotLast time.Duration // the newest one's time; 0 before the first

	// Loaded counts entities loaded from the store on first use and
	// Evicted those whose idle state left memory for the store: wallets,
	// on a store that loads one entity (PostgreSQL); 0 on the files.
	Loaded, Evicted uint64

	// Since the engine opened (replayed events are not counted):
	Payments map[string]uint64 // incoming payments by outcome: paid, credited, orphan, ignored
	// Received is what payments that paid an invoice or were credited
	// brought in, and Sales what rentals and renewals were sold for, per
	// currency name ("TON", "USDT") in whole coins: never added across
	// currencies.
	Received, Sales map[string]float64
	Rentals         uint64 // rentals started
	Renewals        uint64 // rentals renewed
	Transfers       uint64 // rentals handed to another person
	Issued          uint64 // distribution items issued to staff
	// AccountChecks counts returned numbers' account checks by outcome
	// (domain.AccountOutcome names: clean, absent, deleted,
	// deletion_pending, banned, admin).
	AccountChecks map[string]uint64
}

// eventCounts counts the business events the engine emits, lock-free, for
// the metrics: what an operator graphs per day (transfers, payments by
// outcome, rentals), as Prometheus counters from which rates follow.
type eventCounts struct {
	payments                             [5]atomic.Uint64            // by domain.Outcome (0 unused)
	received, sales                      [numCurrencies]atomic.Int64 // smallest units, by domain.Currency
	rentals, renewals, transfers, issued atomic.Uint64
	accounts                             [domain.AccountCheckedByAdmin + 1]atomic.Uint64 // by domain.AccountOutcome
}

func (c *eventCounts) count(ev domain.Event) {
	switch e := ev.(type) {
	case *domain.PaymentReceived:
		if int(e.Outcome) < len(c.payments) {
			c.payments[e.Outcome].Add(1)
		}
		if e.Outcome == domain.OutcomePaid || e.Outcome == domain.OutcomeCredited {
			addIn(&c.received, e.Money())
		}
	case *domain.NumberRented:
		c.rentals.Add(1)
		addIn(&c.sales, e.Money())
	case *domain.NumberRenewed:
		c.renewals.Add(1)
		addIn(&c.sales, e.Money())
	case *domain.TransferAccepted:
		c.transfers.Add(1)
	case *domain.StockIssued:
		c.issued.Add(uint64(len(e.IDs)))
	case *domain.AccountDeletionAsked:
		c.accounts[domain.AccountDeletionPending].Add(1)
	case *domain.AccountChecked:
		if int(e.Outcome) < len(c.accounts) {
			c.accounts[e.Outcome].Add(1)
		}
	}
}

var outcomeNames = [...]string{"", "paid", "credited", "orphan", "ignored"}

// numCurrencies sizes the per-currency counters.
const numCurrencies = 2

func addIn(sums *[numCurrencies]atomic.Int64, m domain.Money) {
	if int(m.Currency) < len(sums) {
		sums[m.Currency].Add(m.Units)
	}
}

// wholeCoins reads per-currency counters as whole coins by currency name.
func wholeCoins(sums *[numCurrencies]atomic.Int64) map[string]float64 {
	out := make(map[string]float64, len(sums))
	for _, c := range domain.Currencies() {
		out[c.String()] = float64(sums[c].Load()) / float64(c.Unit())
	}
	return out
}

func (c *eventCounts) fill(st *Stats) {
	st.Payments = map[string]uint64{}
	for i := 1; i < len(c.payments); i++ {
		st.Payments[outcomeNames[i]] = c.payments[i].Load()
	}
	st.Received, st.Sales = wholeCoins(&c.received), wholeCoins(&c.sales)
	st.Rentals, st.Renewals = c.rentals.Load(), c.renewals.Load()
	st.Transfers, st.Issued = c.transfers.Load(), c.issued.Load()
	st.AccountChecks = map[string]uint64{}
	for o := domain.AccountClean; int(o) < len(c.accounts); o++ {
		st.AccountChecks[o.String()] = c.accounts[o].Load()
	}
}

// Histogram is a distribution as Prometheus wants it: Counts[i]
// observations were at most Bounds[i] (cumulative), Count were made in all
// (those above the last bound too), and Sum is their total.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// Bucket bounds, doubling: commit times from 50 µs (a write to the page
// cache) to 0.82 s (a disk in trouble), batches from 1 to 4096 records.
var (
	commitBounds = doubling(int64(50*time.Microsecond), 15)
	batchBounds  = doubling(1, 13)
)

func doubling(first int64, n int) []int64 {
	b := make([]int64, n)
	for i := range b {
		b[i] = first << i
	}
	return b
}

// histogram counts observations into buckets without a lock: the
// journal's writer observes and a scrape reads, and neither waits for the
// other. Its zero value is ready (it lives in the Engine's zero value).
type histogram struct {
	counts [16]atomic.Uint64 // per bucket, not cumulative; after the last bound: above them all
	sum    atomic.Int64
}

func (h *histogram) observe(bounds []int64, v int64) {
	i, _ := slices.BinarySearch(bounds, v) // the first bound ≥ v, or len(bounds)
	h.counts[i].Add(1)
	h.sum.Add(v)
}

// read returns the histogram with bounds and sum multiplied by unit. Count
// is the total of the buckets read, so that it never disagrees with them.
func (h *histogram) read(bounds []int64, unit float64) Histogram {
	out := Histogram{Bounds: make([]float64, len(bounds)), Counts: make([]uint64, len(bounds))}
	for i, b := range bounds {
		out.Count += h.counts[i].Load()
		out.Bounds[i], out.Counts[i] = float64(b)*unit, out.Count
	}
	out.Count += h.counts[len(bounds)].Load()
	out.Sum = float64(h.sum.Load()) * unit
	return out
}

// commitStats accumulates what the journal's OnSync reports, and the
// snapshots' times (both are how long making state durable takes).
type commitStats struct {
	n, sum, max atomic.Int64
	times       histogram // nanoseconds
	batches     histogram // records
	snapshots   snapshotStats
}

func (c *commitStats) observe(d time.Duration) {
	c.n.Add(1)
	c.sum.Add(int64(d))
	c.times.observe(commitBounds, int64(d))
	for {
		m := c.max.Load()
		if int64(d) <= m || c.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// batch records the size of one commit. OnSync passes it as records.
func (c *commitStats) batch(records int) { c.batches.observe(batchBounds, int64(records)) }

// snapshotStats are the snapshots' times, in nanoseconds.
type snapshotStats struct{ n, sum, last atomic.Int64 }

// snapshotTook records how long a snapshot took; snapshot calls it once
// the file is in place.
func (e *Engine) snapshotTook(d time.Duration) {
	s := &e.commits.snapshots
	s.last.Store(int64(d))
	s.sum.Add(int64(d))
	s.n.Add(1)
}

// Stats reports the engine's counters.
func (e *Engine) Stats() Stats {
	c, s := &e.commits, &e.commits.snapshots
	st := Stats{
		Journal: e.store.Stats(), Commits: uint64(c.n.Load()),
		CommitMax: time.Duration(c.max.Load()), CommitSum: time.Duration(c.sum.Load()),
		Active: e.dir.active.Load(), Inflight: e.dir.inflight(),
		CommitTimes: c.times.read(commitBounds, 1e-9), BatchSizes: c.batches.read(batchBounds, 1),
		Snapshots: uint64(s.n.Load()), SnapshotSum: time.Duration(s.sum.Load()),
		SnapshotLast: time.Duration(s.last.Load()),
		Loaded:       uint64(e.activations.Load()), Evicted: uint64(e.evictions.Load()),
	}
	e.events.fill(&st)
	return st
}
