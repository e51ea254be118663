package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"allot/actors"
	"allot/adapters/sheets"
	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocker"
	"allot/domain"
	"allot/persistence"
)

// runSheets is -mode sheets: N accounts in a stock tab of the fake Google
// Sheets (sheetstest) are distributed through the real sheets.Client and
// the stocker. Staff take 1–5 at a time, concurrently, and give feedback;
// the stocker refills the pools in the background and flushes feedback to
// the issued tab, while the fake fails requests (429s, 5xx and cut
// connections, writes among them after applying) and a person edits the
// stock tab (adding, deleting, sorting and shuffling rows) until half the
// stock is out. At the end every row must be in the stock tab once, or in
// the issued tab once, or deleted by the person.
//
// What is real and what is simulated: the HTTP requests, the fake's work,
// the engine and its journal, the staff goroutines and every latency
// reported are real. Google's quota minutes are simulated: the Client and
// the fake share a clock that the Client's waits (request budgets,
// backoffs) move instead of sleeping, so the pacing an hour of Google
// would impose passes in seconds; max_write_per_min is per simulated
// minute, simulated_min is how long the run took on that clock.
func runSheets(f flags) (map[string]any, error) {
	fsync, err := persistence.ParseFsyncMode(f.fsync)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := dataDir(f, "sheets")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	w, err := openSheetsWorld(f, dir, fsync)
	if err != nil {
		return nil, err
	}
	defer w.close()
	ctx := context.Background()
	if err := w.opened(); err != nil {
		return nil, err
	}
	r := w.drive(ctx, sheetsStaff, f.seed)
	if err := w.settle(ctx); err != nil {
		return nil, err
	}
	return w.report(r), nil
}

// sheetsStaff is how many people take stock at once, and sheetsPause
// their mean pause between two requests: people pause for seconds, the
// run compresses that to keep short. 50 people at 40 ms take about 3,500
// items a second, which the stocker keeps up with on a tab of 10,000
// rows (encoding the request that writes 1,000 claim markers, one range
// per cell, is a good part of a pass).
const (
	sheetsStaff = 50
	sheetsPause = 40 * time.Millisecond
)

// The fake spreadsheet's names, and the kind distributed: two regions,
// so two pools feed one issued tab. A pool holds a tenth of the stock (at
// most 1,000, the largest batch) and is refilled in the background when
// it falls below four fifths of that: a pass over a tab of 10,000 rows
// takes long enough for the staff to take a few hundred.
const (
	sheetsStock  = "stock"
	sheetsIssued = "issued"
	sheetsKinds  = `{"regions": ["495", "812"], "kinds": [{
		"code": "acc", "name": "Accounts", "category": "account",
		"stock_tab": "Stock", "issued_tab": "Issued",
		"columns": ["login", "password", "region"], "region_column": "region",
		"statuses": [
			{"code": "good", "label": {"en": "Good", "ru": "Хороший"}, "color": "#B7E1CD"},
			{"code": "blocked", "label": {"en": "Blocked", "ru": "Блок"}, "color": "#F4C7C3", "replace": true}],
		"default_status": "good", "batch_size": %d, "refill_below": %d, "max_per_issue": 5}]}`
)

// sheetsKindsFor is the kinds file with the batch sized for items.
func sheetsKindsFor(items int) (domain.KindsConfig, error) {
	batch := min(max(items/10, 10), 1000)
	return domain.ParseKinds(fmt.Appendf(nil, sheetsKinds, batch, batch*4/5))
}

// sheetsWorld is the fake with its faults and its person, the Client, and
// the engine distributing through it.
type sheetsWorld struct {
	items  int
	kinds  domain.KindsConfig
	clk    *sheetstest.Clock
	srv    *sheetstest.Server
	front  *httptest.Server
	faults *faultPlan
	book   *stockBook
	client *sheets.Client
	eng    *actors.Engine
	stk    *stocker.Stocker
	start  time.Time

	mu         sync.Mutex // guards the flush counts
	flushes    int
	maxPerRows int // most rows one flush wrote

	dry atomic.Bool // the stock tab has no row left: an empty pool is then no wait
}

func openSheetsWorld(f flags, dir string, fsync persistence.FsyncMode) (w *sheetsWorld, err error) {
	kinds, err := sheetsKindsFor(f.items)
	if err != nil {
		return nil, err
	}
	w = &sheetsWorld{items: f.items, kinds: kinds, clk: sheetstest.NewClock(time.Now().UTC())}
	w.start = w.clk.Now()
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	rows := [][]string{kinds.Kinds[0].Columns}
	for i := range f.items {
		rows = append(rows, []string{fmt.Sprintf("acc%07d", i), fmt.Sprintf("pw%07d", i), kinds.Regions[i%2]})
	}
	w.book = newStockBook(rows, kinds.Regions, uint64(f.seed))
	w.srv = sheetstest.New(sheetstest.WithClock(w.clk.Now),
		sheetstest.WithHumanEditEvery(5, sheetsStock, "Stock", w.book.person))
	w.srv.SetRows(sheetsStock, "Stock", rows)
	w.srv.AddSpreadsheet(sheetsIssued, "Issued")
	w.faults = &faultPlan{srv: w.srv, p: 0.08, rnd: rand.New(rand.NewPCG(uint64(f.seed), 21))}
	w.faults.on.Store(true)
	w.front = httptest.NewServer(w.faults)
	cfg := sheets.Config{Enabled: true, Endpoint: w.front.URL, StockSpreadsheet: sheetsStock, IssuedSpreadsheet: sheetsIssued,
		BreakerCoolDown: 50 * time.Millisecond} // real time: a simulated run cannot wait Google's 30 s
	if w.client, err = sheets.NewClient(context.Background(), cfg, sheets.WithClock(w.clk.Now, w.clk.Sleep)); err != nil {
		return nil, err
	}
	if w.eng, err = actors.Open(actors.Options{Dir: dir, Fsync: fsync, Kinds: kinds, IdleTimeout: time.Hour}); err != nil {
		return nil, err
	}
	w.stk, err = stocker.Start(w.eng, stocker.Options{Store: w.client, StockSheet: sheetsStock, IssuedSheet: sheetsIssued,
		FlushEvery: 100 * time.Millisecond, EmptyRetry: 100 * time.Millisecond, Who: func(u domain.UserID) string { return fmt.Sprint("staff ", u) },
		OnFlush: func(r stocker.FlushReport) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.flushes, w.maxPerRows = w.flushes+1, max(w.maxPerRows, r.Rows)
		}})
	return w, err
}

func (w *sheetsWorld) close() {
	if w.eng != nil {
		_ = w.eng.Close(context.Background())
	}
	if w.client != nil {
		_ = w.client.Close()
	}
	if w.front != nil {
		w.front.Close()
	}
	if w.srv != nil {
		w.srv.Close()
	}
}

// opened waits for the stocker's first pass to fill the pools, as staff
// come to a bot that has been running.
func (w *sheetsWorld) opened() error {
	for t0 := time.Now(); time.Since(t0) < time.Minute; time.Sleep(5 * time.Millisecond) {
		if pools := w.eng.Pools(); w.stk.Status().Loads > 0 && len(pools) == len(w.kinds.Regions) &&
			!slices.ContainsFunc(pools, func(c actors.PoolCounts) bool { return c.Available == 0 }) {
			return nil
		}
	}
	return fmt.Errorf("the pools are not filled after a minute: %+v; %+v", w.eng.Pools(), w.stk.Status())
}

// sheetsRun is what the staff did.
type sheetsRun struct {
	ops, errors, outOfStock int64
	h, hIssue               histogram
	handed                  []domain.StockItem
	elapsed                 time.Duration
	firstErr                error
}

func (r *sheetsRun) merge(o *sheetsRun) {
	r.ops, r.errors, r.outOfStock = r.ops+o.ops, r.errors+o.errors, r.outOfStock+o.outOfStock
	r.h.merge(&o.h)
	r.hIssue.merge(&o.hIssue)
	r.handed = append(r.handed, o.handed...)
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
}

// drive runs the staff until the stock tab is empty and the pools hold
// nothing to issue. The person goes home once half the stock is out.
func (w *sheetsWorld) drive(ctx context.Context, staff int, seed int64) sheetsRun {
	var res sheetsRun
	var mu sync.Mutex
	var stop atomic.Bool
	var issued atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 1; i <= staff; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := w.work(ctx, i, rand.New(rand.NewPCG(uint64(seed), uint64(i))), &stop, &issued)
			mu.Lock()
			res.merge(&local)
			mu.Unlock()
		}()
	}
	for person := true; !w.exhausted() && time.Since(t0) < 10*time.Minute; time.Sleep(20 * time.Millisecond) {
		if person && issued.Load() >= int64(w.items/2) {
			w.srv.HumanEditEvery(0, "", "", nil)
			person = false
		}
	}
	stop.Store(true)
	wg.Wait()
	res.elapsed = time.Since(t0)
	return res
}

// work is one person of the staff: ask for 1–5 items of a region, give
// feedback on each, again. An empty pool is counted, not timed, while the
// stock tab still has rows (once it has none, empty pools are the end).
func (w *sheetsWorld) work(ctx context.Context, i int, r *rand.Rand, stop *atomic.Bool, issued *atomic.Int64) sheetsRun {
	var local sheetsRun
	user := userID(i)
	for n := 0; !stop.Load(); n++ {
		region := w.kinds.Regions[r.IntN(len(w.kinds.Regions))]
		t := time.Now()
		items, err := w.eng.IssueStock(ctx, domain.OpID(fmt.Sprintf("s%d-%d", i, n)), user, "acc", region, "", 1+r.IntN(5))
		took := time.Since(t)
		if errors.Is(err, domain.ErrOutOfStock) {
			if !w.dry.Load() {
				local.outOfStock++
			}
			time.Sleep(sheetsPause)
			continue
		}
		local.count(took, err)
		if err != nil {
			continue
		}
		local.hIssue.add(took)
		issued.Add(int64(len(items)))
		local.handed = append(local.handed, items...)
		for _, it := range items {
			t := time.Now()
			_, err := w.eng.StockFeedback(ctx, user, it.ID, []string{"good", "good", "good", "blocked"}[r.IntN(4)])
			local.count(time.Since(t), err)
		}
		time.Sleep(sheetsPause/2 + time.Duration(r.Int64N(int64(sheetsPause))))
	}
	return local
}

func (r *sheetsRun) count(took time.Duration, err error) {
	r.ops++
	r.h.add(took)
	if err != nil {
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
	}
}

// exhausted reports whether the stock tab has no row left and the pools
// nothing to issue.
func (w *sheetsWorld) exhausted() bool {
	for _, c := range w.eng.Pools() {
		if c.Available > 0 || c.Claimed > 0 {
			return false
		}
	}
	rows := w.srv.Rows(sheetsStock, "Stock")
	w.dry.Store(!slices.ContainsFunc(rows[min(1, len(rows)):], func(r []string) bool { return rowContent(r) != "" }))
	return len(rows) <= 1
}

// settle switches the faults off and runs passes and flushes until every
// pool holds nothing: every item issued is then in the issued tab.
func (w *sheetsWorld) settle(ctx context.Context) error {
	w.faults.on.Store(false)
	for range 50 {
		_ = w.stk.RefillNow(ctx)
		_ = w.stk.FlushNow(ctx)
		if slices.IndexFunc(w.eng.Pools(), func(c actors.PoolCounts) bool {
			return c.Available+c.Pending+c.Buffer+c.Flushing+c.Claimed+c.Returning > 0
		}) < 0 {
			return nil
		}
	}
	return fmt.Errorf("the pools do not settle: %+v; last error %q", w.eng.Pools(), w.stk.Status().LastError)
}
