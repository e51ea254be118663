package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"allot/domain"
)

// StockStore is what the stocker needs of a spreadsheet: the port that
// adapters/sheets implements on Google Sheets and on CSV files. Indices
// are 0-based positions in a tab as last read; a person may move rows at
// any moment, so the stocker checks every targeted write by reading again.
type StockStore interface {
	ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error)
	SetCells(ctx context.Context, spreadsheet, tab string, cells []domain.SheetCell) error
	DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error
	InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error
	AppendRows(ctx context.Context, spreadsheet, tab string, rows []domain.SheetRow) error
	// AppendTabs appends rows to several tabs in one write request.
	AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]domain.SheetRow) error
	// EnsureTab creates tab if the spreadsheet has none of that title.
	EnsureTab(ctx context.Context, spreadsheet, tab string) error
	// TakeRows deletes rows of tab and, in the same atomic request, first
	// copies them whole into trash from row at: the delete's receipt.
	TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error
}

// StockOptions configure the stocker.
type StockOptions struct {
	Store       StockStore
	StockSheet  string        // spreadsheet of the stock tabs
	IssuedSheet string        // spreadsheet of the issued tabs
	FlushEvery  time.Duration // write buffers to the issued tabs this often; default 30 s
	EmptyRetry  time.Duration // after a tab had nothing to give, look again no sooner; default 2 min
	Location    *time.Location
	// Who names a person in the issued tab (their work nickname); default
	// their Telegram id.
	Who func(domain.UserID) string
	// Alert, if set, tells the admins about a problem only they can fix
	// (a missing tab, a refused service account, a bad row); it must not
	// block. The same text comes at most once an hour.
	Alert func(text string)
	// OnFlush, if set, is called after every flush attempt (tests and the
	// load test count them).
	OnFlush func(FlushReport)
}

// FlushReport is what one flush did.
type FlushReport struct {
	Rows     int // rows appended
	Requests int // write requests made
	Err      error
}

// StockStatus is the stocker's health for /readyz and the introspection.
type StockStatus struct {
	Loads, Flushes    uint64
	RowsLoaded        uint64
	RowsFlushed       uint64
	Reinserted        uint64 // rows someone else's edit made us delete by mistake, put back
	BadRows           uint64 // stock rows that could not be routed (logged with their cell)
	LastError         string
	LastErrorAt       time.Time
	LastFlushAt       time.Time
	ConsecutiveErrors int
}

// Stocker moves stock between the spreadsheet and the pools: it claims
// rows into pools that run low, returns items that must go back, deletes
// claimed rows, and appends feedback to the issued tabs. One goroutine does
// all of it, so the spreadsheet sees one writer; the pools never wait for
// it. Everything it decides is journaled in the pools before or after the
// matching write, so a crash at any point loses no row and issues none
// twice (see pass).
type Stocker struct {
	e     *Engine
	o     StockOptions
	log   *slog.Logger
	pokes chan string
	do    chan func(context.Context) // work asked for from outside, run in the stocker's goroutine
	stop  context.CancelFunc
	done  chan struct{}
	seq   atomic.Uint64

	mu      sync.Mutex
	status  StockStatus
	emptyAt map[string]time.Time // tab → when it last had nothing to give
	streak  map[string]int       // failures in a row, by subject
	told    map[string]bool      // bad rows already logged
	// trashMade and trashClean: trash tabs known to exist, and stock tabs
	// whose trash holds nothing left to settle.
	trashMade  map[string]bool
	trashClean map[string]bool
	alerted    map[string]time.Time // alerts already sent, and when
	// proxiesSure is set once the proxies tab is known to hold every row
	// written so far (false at start: a crash may have cut a write short).
	proxiesSure bool
	names       map[domain.UserID]string
}

// Distribute starts the stocker. Engine.Close stops it.
func (e *Engine) Distribute(o StockOptions) (*Stocker, error) {
	if o.Store == nil || o.StockSheet == "" || o.IssuedSheet == "" {
		return nil, errors.New("actors: the stocker needs a store and both spreadsheets")
	}
	if len(e.opts.Kinds.Kinds) == 0 {
		return nil, errors.New("actors: the stocker needs resource kinds")
	}
	o.FlushEvery = cmp.Or(o.FlushEvery, 30*time.Second)
	o.EmptyRetry = cmp.Or(o.EmptyRetry, 2*time.Minute)
	if o.Location == nil {
		o.Location = time.UTC
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Stocker{e: e, o: o, log: e.log.With("component", "stocker"), pokes: make(chan string, 64),
		do: make(chan func(context.Context)), stop: cancel, done: make(chan struct{}),
		emptyAt: map[string]time.Time{}, names: map[domain.UserID]string{},
		told: map[string]bool{}, alerted: map[string]time.Time{}, streak: map[string]int{},
		trashMade: map[string]bool{}, trashClean: map[string]bool{}}
	if !e.stocker.CompareAndSwap(nil, s) {
		cancel()
		return nil, errors.New("actors: a stocker is already running")
	}
	go s.run(ctx)
	return s, nil
}

// Close stops the stocker after the step it is in.
func (s *Stocker) Close() {
	s.stop()
	<-s.done
	s.e.stocker.CompareAndSwap(s, nil)
}

// Status returns a copy of the stocker's status.
func (s *Stocker) Status() StockStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *Stocker) poke(key string) {
	select {
	case s.pokes <- key:
	default: // a poke is already waiting; the pass looks at every pool
	}
}

// FlushNow writes every buffer to the issued tabs now and returns the
// outcome (an admin's /buffer_clear, and tests).
func (s *Stocker) FlushNow(ctx context.Context) error {
	return s.call(ctx, s.flushAll)
}

// RefillNow runs a pass over every stock tab now: loads pools that run
// low, deletes claimed rows, returns items. It reports the last error the
// pass met, if it failed.
func (s *Stocker) RefillNow(ctx context.Context) error {
	return s.call(ctx, func(ctx context.Context) error {
		before := s.Status().LastErrorAt
		s.passAll(ctx, true)
		if st := s.Status(); st.LastErrorAt != before && st.ConsecutiveErrors > 0 {
			return errors.New(st.LastError)
		}
		return nil
	})
}

// call runs fn in the stocker's goroutine, so it never races a pass.
func (s *Stocker) call(ctx context.Context, fn func(context.Context) error) error {
	r := make(chan error, 1)
	select {
	case s.do <- func(ctx context.Context) { r <- fn(ctx) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrClosed
	}
	select {
	case err := <-r:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Stocker) run(ctx context.Context) {
	defer close(s.done)
	s.passAll(ctx, false)
	t := time.NewTicker(s.o.FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.passAll(ctx, false)
			s.flushAll(ctx)
		case fn := <-s.do:
			fn(ctx)
		case key := <-s.pokes:
			s.poked(ctx, key)
		}
	}
}

// poked runs a pass over the tab of a pool that asked (every tab for "").
func (s *Stocker) poked(ctx context.Context, key string) {
	if key == "" {
		s.passAll(ctx, false)
		return
	}
	code, _, variant, err := domain.SplitPoolKey(key)
	k, ok := s.e.opts.Kinds.Kind(code)
	if err != nil || !ok {
		return
	}
	for _, t := range k.StockTabs() {
		if t.Variant == "" || t.Variant == variant {
			s.pass(ctx, k, t, false)
		}
	}
}

// passAll runs a pass over every stock tab; force reads even tabs that
// recently had nothing to give.
func (s *Stocker) passAll(ctx context.Context, force bool) {
	for _, k := range s.e.opts.Kinds.Kinds {
		for _, t := range k.StockTabs() {
			if ctx.Err() != nil {
				return
			}
			s.pass(ctx, k, t, force)
		}
	}
}

// fail records a failed step. args start with the step's subject ("tab",
// name or "pool", key): three failures in a row of the same subject tell
// the admins, since Google having a moment heals by itself and a renamed
// tab or a revoked service account does not.
func (s *Stocker) fail(what string, err error, args ...any) {
	if errors.Is(err, context.Canceled) {
		return // shutting down: the step is taken again after the restart
	}
	key := fmt.Sprint(args[:min(2, len(args))]...)
	s.mu.Lock()
	s.status.LastError, s.status.LastErrorAt = what+": "+err.Error(), time.Now()
	s.streak[key]++
	n := s.streak[key]
	s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	s.mu.Unlock()
	s.log.Warn(what+" failed", append(args, "err", err)...)
	if n >= 3 {
		s.alert(what + " failed: " + err.Error())
	}
}

// ok records that a subject's step succeeded.
func (s *Stocker) ok(args ...any) {
	key := fmt.Sprint(args[:min(2, len(args))]...)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streak, key)
	s.status.ConsecutiveErrors = 0
	for _, n := range s.streak {
		s.status.ConsecutiveErrors = max(s.status.ConsecutiveErrors, n)
	}
}

// tabPools are the pools a stock tab feeds, with their state.
type tabPools struct {
	k       domain.ResourceKind
	t       domain.StockTab
	pools   map[string]*domain.Pool // by key
	claimed map[string]string       // marker → pool key, for every pool of the tab
	content map[string]string       // content key of a claimed row → its marker
}

func (s *Stocker) poolsOf(ctx context.Context, k domain.ResourceKind, t domain.StockTab) (*tabPools, error) {
	tp := &tabPools{k: k, t: t, pools: map[string]*domain.Pool{}, claimed: map[string]string{}, content: map[string]string{}}
	variants := k.StockVariants()
	if t.Variant != "" {
		variants = []string{t.Variant}
	}
	regions := s.e.Regions()
	// Pools of regions no longer offered still hold claims and returns.
	for _, c := range s.e.Pools() {
		code, region, v, _ := domain.SplitPoolKey(c.Key)
		if code == k.Code && slices.Contains(variants, v) && !slices.Contains(regions, region) &&
			(c.Claimed > 0 || c.Returning > 0) {
			regions = append(regions, region)
		}
	}
	for _, r := range regions {
		for _, v := range variants {
			key := domain.PoolKey(k.Code, r, v)
			p, err := s.e.Pool(ctx, key)
			if err != nil {
				return nil, fmt.Errorf("pool %s: %w", key, err)
			}
			tp.pools[key] = p
			for m, ck := range p.Claimed {
				tp.claimed[m] = key
				tp.content[ck] = m
			}
		}
	}
	return tp, nil
}

// candidate is a stock row chosen for a pool, with the marker written
// next to it.
type candidate struct {
	pool  string
	row   int
	cells []string
	key   string
	claim string
}

// pass does everything one stock tab needs, in an order that is safe
// against a crash at any point and against people editing the tab:
//
//  1. Read the tab. Rows carrying a marker a pool holds (or the content
//     of such a row whose marker someone cleared) are ours: to delete.
//  2. If pools run low: write a fresh claim marker next to each chosen
//     free row (one write), read again, and keep only markers that sit on
//     the row they were written for, exactly once; markers that landed on
//     another row (someone inserted or sorted meanwhile) are cleared.
//     A crash here leaves markers no pool knows: free rows next time.
//  3. Journal the confirmed rows into their pools (StockLoaded): from now
//     on the rows are ours, never loaded again, and issuable.
//  4. Take every row of ours in one atomic request that copies each row
//     into the tab's trash ("allot trash · <tab>") before deleting it: the
//     receipt of exactly what the delete removed, even if a person moved
//     rows after our last read (the API has no conditional delete). A row
//     of someone else's in the receipt is put back (settleTrash); rows a
//     person deleted themselves are not in it and stay deleted. Claims are
//     forgotten (StockDeleted) once the trash notes which rows were ours.
//     A marked row that survived is taken next pass.
//  5. Return items on their way back (today-only mode, a release): each
//     goes after the last row of its date, in one request per date; an
//     item is marked returned only once its row is seen in the tab, so an
//     unknown outcome is settled by the next read, never by inserting again.
func (s *Stocker) pass(ctx context.Context, k domain.ResourceKind, t domain.StockTab, force bool) {
	tp, err := s.poolsOf(ctx, k, t)
	if err != nil {
		s.fail("reading pools", err, "tab", t.Tab)
		return
	}
	need := s.needs(ctx, tp, force)
	returning := 0
	for _, p := range tp.pools {
		returning += len(p.Returning)
	}
	if len(need) == 0 && len(tp.claimed) == 0 && returning == 0 && !s.trashDirty(tp) {
		return
	}
	sheet := s.o.StockSheet
	rows, err := s.o.Store.ReadRows(ctx, sheet, t.Tab)
	if err != nil {
		s.fail("reading stock", err, "tab", t.Tab)
		return
	}
	if s.trashDirty(tp) {
		// Rows on their way back carry tokens a claim must not take over
		// before they are noted back: settle first (after a crash, too).
		if err := s.ensureTrash(ctx, trashOf(t.Tab)); err != nil {
			s.fail("settling the trash", err, "tab", t.Tab)
			return
		}
		if rows, err = s.settleTrash(ctx, tp, rows); err != nil {
			s.fail("settling the trash", err, "tab", t.Tab)
			return
		}
	}
	found := 0
	if len(need) > 0 {
		var loaded int
		rows, loaded, err = s.claim(ctx, tp, rows, need)
		if err != nil {
			s.fail("claiming stock", err, "tab", t.Tab)
			return
		}
		found = loaded
		s.mu.Lock()
		if loaded == 0 {
			s.emptyAt[t.Tab] = time.Now()
		} else {
			delete(s.emptyAt, t.Tab)
		}
		s.mu.Unlock()
		if tp, err = s.poolsOf(ctx, k, t); err != nil {
			s.fail("reading pools", err, "tab", t.Tab)
			return
		}
	}
	if rows, err = s.deleteOurs(ctx, tp, rows); err != nil {
		s.fail("deleting claimed rows", err, "tab", t.Tab)
		return
	}
	if returning > 0 {
		if tp, err = s.poolsOf(ctx, k, t); err == nil {
			err = s.returnItems(ctx, tp, rows)
		}
		if err != nil {
			s.fail("returning stock", err, "tab", t.Tab)
			return
		}
	}
	s.ok("tab", t.Tab)
	if found > 0 {
		s.mu.Lock()
		s.status.Loads++
		s.status.RowsLoaded += uint64(found)
		s.mu.Unlock()
	}
}

// needs returns how many rows each pool of the tab wants. Today-only mode
// first sends the available items not dated today back.
func (s *Stocker) needs(ctx context.Context, tp *tabPools, force bool) map[string]int {
	s.mu.Lock()
	last, empty := s.emptyAt[tp.t.Tab]
	s.mu.Unlock()
	if empty && !force && time.Since(last) < s.o.EmptyRetry {
		return nil
	}
	regions := s.e.Regions()
	need := map[string]int{}
	for key, p := range tp.pools {
		_, region, _, _ := domain.SplitPoolKey(key)
		if !slices.Contains(regions, region) {
			continue
		}
		avail := len(p.Available)
		if s.todayOnly(tp.k) {
			stale := p.Return(func(it domain.StockItem) bool {
				return tp.k.DatedToday(it.Cells, s.e.clock(), s.o.Location)
			}, s.e.clock())
			if stale != nil {
				if err := s.e.returnStock(ctx, key, stale.IDs); err != nil {
					s.fail("returning stale numbers", err, "pool", key)
				}
				avail -= len(stale.IDs)
			}
		}
		if avail < tp.k.RefillBelow {
			need[key] = tp.k.BatchSize - avail
		}
	}
	return need
}

func (s *Stocker) todayOnly(k domain.ResourceKind) bool {
	return k.Category == domain.CategoryPhone && k.ColumnIndex("date") >= 0 && s.e.TodayOnly()
}

// claim is steps 2 and 3 of pass. It returns the tab as last read and how
// many rows entered pools.
func (s *Stocker) claim(ctx context.Context, tp *tabPools, rows [][]string, need map[string]int) ([][]string, int, error) {
	col := tp.k.ClaimColumn()
	var picks []candidate
	for i := 1; i < len(rows); i++ {
		cells := rows[i][:min(len(rows[i]), col)]
		key := domain.RowKey(cells)
		if key == "" {
			continue
		}
		if m := marker(rows[i], col); m != "" {
			if _, ours := tp.claimed[m]; ours {
				continue
			}
		}
		if _, ours := tp.content[key]; ours {
			continue
		}
		region, variant, err := tp.k.Route(tp.t, i, cells)
		if err == nil && !slices.Contains(s.e.Regions(), region) && !slices.Contains(s.e.opts.Kinds.Regions, region) {
			err = &domain.RowError{Tab: tp.t.Tab, Cell: domain.A1(i, max(tp.k.ColumnIndex(tp.k.RegionColumn), 0)),
				Reason: fmt.Sprintf("region %q is not configured (add it with /add_region)", region)}
		}
		if err != nil {
			s.badRow(err, tp.t.Tab+"\x00"+key)
			continue
		}
		pk := domain.PoolKey(tp.k.Code, region, variant)
		if need[pk] <= 0 {
			continue
		}
		if s.todayOnly(tp.k) && !tp.k.DatedToday(cells, s.e.clock(), s.o.Location) {
			continue
		}
		need[pk]--
		picks = append(picks, candidate{pool: pk, row: i, cells: slices.Clone(cells), key: key, claim: s.claimID()})
	}
	if len(picks) == 0 {
		return rows, 0, nil
	}
	sheet, tab := s.o.StockSheet, tp.t.Tab
	marks := make([]domain.SheetCell, len(picks))
	for i, c := range picks {
		marks[i] = domain.SheetCell{Row: c.row, Col: col, Value: c.claim}
	}
	if err := s.o.Store.SetCells(ctx, sheet, tab, marks); err != nil {
		return rows, 0, fmt.Errorf("marking %d rows: %w", len(marks), err)
	}
	after, err := s.o.Store.ReadRows(ctx, sheet, tab)
	if err != nil {
		return rows, 0, fmt.Errorf("reading back the marks: %w", err)
	}
	where := map[string][]int{}
	for i := 1; i < len(after); i++ {
		if m := marker(after[i], col); m != "" {
			where[m] = append(where[m], i)
		}
	}
	byPool := map[string]*candidate{}
	loads := map[string][][]string{}
	claims := map[string][]string{}
	var clear []domain.SheetCell
	for i := range picks {
		c := &picks[i]
		at := where[c.claim]
		if len(at) == 1 && domain.RowKey(after[at[0]][:min(len(after[at[0]]), col)]) == c.key {
			loads[c.pool] = append(loads[c.pool], c.cells)
			claims[c.pool] = append(claims[c.pool], c.claim)
			byPool[c.pool] = c
			continue
		}
		for _, r := range at { // on the wrong row, or copied with its row: not a claim
			clear = append(clear, domain.SheetCell{Row: r, Col: col, Value: ""})
		}
	}
	if len(clear) > 0 {
		s.log.Info("claim markers moved with someone's edit; clearing them", "tab", tab, "count", len(clear))
		if err := s.o.Store.SetCells(ctx, sheet, tab, clear); err != nil {
			// Harmless: a marker no pool knows leaves its row free.
			s.log.Warn("clearing stray claim markers failed", "tab", tab, "err", err)
		}
	}
	loaded := 0
	for _, pk := range slices.Sorted(maps.Keys(loads)) {
		n, err := s.e.LoadStock(ctx, pk, loads[pk], claims[pk])
		if err != nil {
			return after, loaded, fmt.Errorf("loading into %s: %w", pk, err)
		}
		loaded += n
	}
	return after, loaded, nil
}

// trashOf names the tab that receives a stock tab's deleted rows.
func trashOf(tab string) string { return "allot trash · " + tab }

// trashCol is the column of a trash row where the stocker notes what it
// did with the row: after the stock tab's own columns and claim column.
func trashCol(k domain.ResourceKind) int { return k.ClaimColumn() + 1 }

// ours reports whether a stock row is one a pool of the tab has claimed:
// by its marker, or by its content (a copy a person made of a claimed row,
// whatever marker it carries, is the same item and must not be issued).
func (tp *tabPools) ours(r []string) (claim string, ok bool) {
	col := tp.k.ClaimColumn()
	if m := marker(r, col); m != "" {
		if _, known := tp.claimed[m]; known {
			return m, true
		}
	}
	m, ok := tp.content[domain.RowKey(r[:min(len(r), col)])]
	return m, ok
}

// deleteOurs is step 4 of pass. The rows are taken with a receipt: the
// same atomic request copies each of them into the tab's trash before
// deleting it, so whatever the delete removed is known even if a person
// inserted, deleted or sorted rows after our last read, and a row of
// theirs it hit is put back (settleTrash). Rows a person deleted
// themselves are not in the receipt and stay deleted. Claims are forgotten
// only after the trash notes which of its rows were ours: a row noted
// nowhere is judged against claims still held.
func (s *Stocker) deleteOurs(ctx context.Context, tp *tabPools, rows [][]string) ([][]string, error) {
	sheet, tab := s.o.StockSheet, tp.t.Tab
	var del []int
	for i := 1; i < len(rows); i++ {
		if _, ok := tp.ours(rows[i]); ok {
			del = append(del, i)
		}
	}
	if len(del) == 0 && len(tp.claimed) == 0 && !s.trashDirty(tp) {
		return rows, nil
	}
	trash := trashOf(tab)
	if err := s.ensureTrash(ctx, trash); err != nil {
		return rows, err
	}
	after := rows
	if len(del) > 0 {
		before, err := s.o.Store.ReadRows(ctx, sheet, trash)
		if err != nil {
			return rows, fmt.Errorf("reading %q: %w", trash, err)
		}
		s.setTrashDirty(tab, true)
		if err := s.o.Store.TakeRows(ctx, sheet, tab, del, trash, len(before)); err != nil {
			// The outcome may be unknown: the trash says (the request is atomic).
			s.log.Warn("taking claimed rows failed; checking the trash", "tab", tab, "rows", len(del), "err", err)
		}
		if after, err = s.o.Store.ReadRows(ctx, sheet, tab); err != nil {
			return rows, fmt.Errorf("reading back after the delete: %w", err)
		}
	}
	after, err := s.settleTrash(ctx, tp, after)
	if err != nil {
		return after, err
	}
	// Forget the claims whose rows are gone (by marker and by content).
	left := map[string]bool{}
	for i := 1; i < len(after); i++ {
		if m, ok := tp.ours(after[i]); ok {
			left[m] = true
		}
	}
	gone := map[string][]string{}
	for m, pk := range tp.claimed {
		if !left[m] {
			gone[pk] = append(gone[pk], m)
		}
	}
	for _, pk := range slices.Sorted(maps.Keys(gone)) {
		if err := s.e.stockDeleted(ctx, pk, gone[pk]); err != nil {
			return after, fmt.Errorf("forgetting deleted rows of %s: %w", pk, err)
		}
	}
	return after, nil
}

// settleTrash notes every unnoted trash row "ours" or puts it back, so
// that a failure or a crash at any point neither loses a row nor puts one
// back twice:
//
//   - a row that was ours (by marker or content) is noted "ours";
//   - any other row first gets a fresh token in its note ("back? <token>"),
//     then is appended to the stock tab with the token as its
//     marker (a marker no pool knows: the row is free stock again);
//   - a later look that finds the token in the stock tab notes it "back";
//     one that does not inserts it again, under the same token.
//
// Once every row is settled the trash is clean; a long one is emptied.
func (s *Stocker) settleTrash(ctx context.Context, tp *tabPools, rows [][]string) ([][]string, error) {
	return s.settle(ctx, tp, rows, true)
}

func (s *Stocker) settle(ctx context.Context, tp *tabPools, rows [][]string, again bool) ([][]string, error) {
	sheet, tab, trash := s.o.StockSheet, tp.t.Tab, trashOf(tp.t.Tab)
	got, err := s.o.Store.ReadRows(ctx, sheet, trash)
	if err != nil {
		return rows, fmt.Errorf("reading %q: %w", trash, err)
	}
	col, note := tp.k.ClaimColumn(), trashCol(tp.k)
	markers := map[string]bool{}
	for _, r := range rows {
		if m := marker(r, col); m != "" {
			markers[m] = true
		}
	}
	withToken := func(r []string, token string) []string {
		out := make([]string, col+1)
		copy(out, r[:min(len(r), col)])
		out[col] = token
		return out
	}
	var notes []domain.SheetCell
	var back [][]string
	for i, r := range got {
		switch n := marker(r, note); {
		case n == "ours" || n == "back" || domain.RowKey(r[:min(len(r), col)]) == "":
		case strings.HasPrefix(n, "back? "):
			token := strings.TrimPrefix(n, "back? ")
			if markers[token] {
				notes = append(notes, domain.SheetCell{Row: i, Col: note, Value: "back"})
			} else {
				back = append(back, withToken(r, token))
			}
		default:
			if _, ok := tp.ours(r); ok {
				notes = append(notes, domain.SheetCell{Row: i, Col: note, Value: "ours"})
				continue
			}
			token := s.claimID()
			notes = append(notes, domain.SheetCell{Row: i, Col: note, Value: "back? " + token})
			back = append(back, withToken(r, token))
		}
	}
	if len(notes) > 0 { // tokens first: nothing is inserted without its token noted
		if err := s.o.Store.SetCells(ctx, sheet, trash, notes); err != nil {
			return rows, fmt.Errorf("noting the trash: %w", err)
		}
	}
	if len(back) > 0 && !again {
		return rows, nil // inserted a moment ago yet not seen: the next pass looks again
	}
	if len(back) > 0 {
		s.log.Warn("putting back rows a delete took with ours (the tab moved under it)", "tab", tab, "rows", len(back))
		// Appended after the tab's last row with a value: an index read a
		// moment ago may already be past the end if a person deleted rows.
		add := make([]domain.SheetRow, len(back))
		for i, r := range back {
			add[i] = domain.SheetRow{Cells: r}
		}
		if err := s.o.Store.AppendRows(ctx, sheet, tab, add); err != nil {
			return rows, fmt.Errorf("putting back %d rows: %w", len(back), err) // the next look settles it
		}
		s.mu.Lock()
		s.status.Reinserted += uint64(len(back))
		s.mu.Unlock()
		if rows, err = s.o.Store.ReadRows(ctx, sheet, tab); err != nil {
			return rows, err
		}
		// Note them "back" now, before any claim can take a token over.
		return s.settle(ctx, tp, rows, false)
	}
	s.setTrashDirty(tab, false)
	if len(got) >= trashKeep {
		all := make([]int, 0, len(got)-1)
		for i := 1; i < len(got); i++ { // a tab keeps at least one row
			all = append(all, i)
		}
		if err := s.o.Store.DeleteRows(ctx, sheet, trash, all); err != nil {
			s.log.Warn("emptying the trash failed", "tab", trash, "err", err)
		}
	}
	return rows, nil
}

// trashKeep is how many rows a trash tab holds before it is emptied: a
// record for a person to look at after a surprise, not a second archive.
const trashKeep = 500

func (s *Stocker) ensureTrash(ctx context.Context, trash string) error {
	s.mu.Lock()
	ok := s.trashMade[trash]
	s.mu.Unlock()
	if ok {
		return nil
	}
	if err := s.o.Store.EnsureTab(ctx, s.o.StockSheet, trash); err != nil {
		return fmt.Errorf("creating %q: %w", trash, err)
	}
	s.mu.Lock()
	s.trashMade[trash] = true
	s.mu.Unlock()
	return nil
}

// trashDirty reports whether a stock tab's trash may hold rows to settle:
// after a take, and at start while the tab's pools hold claims (a trash
// row is noted before its claim is forgotten, so a crash that left one
// unsettled left its claim too). A tab without claims is not looked at,
// so a start does not read every tab's trash.
func (s *Stocker) trashDirty(tp *tabPools) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	clean, seen := s.trashClean[tp.t.Tab]
	if !seen {
		return len(tp.claimed) > 0
	}
	return !clean
}

func (s *Stocker) setTrashDirty(tab string, dirty bool) {
	s.mu.Lock()
	s.trashClean[tab] = !dirty
	s.mu.Unlock()
}

// returnItems is step 5 of pass.
func (s *Stocker) returnItems(ctx context.Context, tp *tabPools, rows [][]string) error {
	col := tp.k.ClaimColumn()
	present := map[string]int{}
	for i := 1; i < len(rows); i++ {
		if marker(rows[i], col) == "" {
			present[domain.RowKey(rows[i][:min(len(rows[i]), col)])]++
		}
	}
	type group struct {
		at    int
		rows  [][]string
		items []string
	}
	var groups []*group
	done := map[string][]string{}
	for _, pk := range slices.Sorted(maps.Keys(tp.pools)) {
		for _, it := range tp.pools[pk].Returning {
			if _, claimed := tp.pools[pk].Claimed[it.Claim]; claimed {
				continue // its row is still in the tab, to be deleted first
			}
			key := domain.RowKey(it.Cells)
			if present[key] > 0 { // back already: an earlier insert landed
				present[key]--
				done[pk] = append(done[pk], it.ID)
				continue
			}
			at := tp.k.ReturnPosition(rows, it.Cells)
			i := slices.IndexFunc(groups, func(g *group) bool { return g.at == at })
			if i < 0 {
				groups = append(groups, &group{at: at})
				i = len(groups) - 1
			}
			groups[i].rows = append(groups[i].rows, it.Cells)
			groups[i].items = append(groups[i].items, pk+"\x00"+it.ID)
		}
	}
	// Bottom-up, so that each position still refers to the tab as read.
	slices.SortFunc(groups, func(a, b *group) int { return cmp.Compare(b.at, a.at) })
	var errs []error
	for _, g := range groups {
		if err := s.o.Store.InsertRows(ctx, s.o.StockSheet, tp.t.Tab, g.at, g.rows); err != nil {
			errs = append(errs, err) // settled by the next read: never inserted twice
			continue
		}
		for _, x := range g.items {
			pk, id, _ := strings.Cut(x, "\x00")
			done[pk] = append(done[pk], id)
		}
	}
	for _, pk := range slices.Sorted(maps.Keys(done)) {
		if err := s.e.stockReturned(ctx, pk, done[pk]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// badRow counts a stock row that cannot be issued and tells the operator
// once: the same row would otherwise be reported on every pass.
func (s *Stocker) badRow(err error, row string) {
	var re *domain.RowError
	if errors.As(err, &re) {
		row += "\x00" + re.Reason // the cell moves when rows above go; the row and the reason do not
	}
	s.mu.Lock()
	s.status.BadRows++
	seen := s.told[row]
	if !seen && len(s.told) < 10_000 {
		s.told[row] = true
	}
	s.mu.Unlock()
	if !seen {
		s.log.Warn("stock row skipped", "err", err)
		s.alert("stock row skipped: " + err.Error())
	}
}

// alert tells the admins (through StockOptions.Alert) about a problem
// they must fix in the spreadsheet: at most once an hour for the same text.
func (s *Stocker) alert(text string) {
	if s.o.Alert == nil {
		return
	}
	s.mu.Lock()
	last, ok := s.alerted[text]
	now := time.Now()
	if ok && now.Sub(last) < time.Hour {
		s.mu.Unlock()
		return
	}
	if len(s.alerted) > 1000 {
		clear(s.alerted)
	}
	s.alerted[text] = now
	s.mu.Unlock()
	s.o.Alert(text)
}

func marker(r []string, col int) string {
	if col < len(r) {
		return strings.TrimSpace(r[col])
	}
	return ""
}

// claimID is a marker no other claim ever had: the process start, a
// counter, in base 36 to stay short in the sheet.
func (s *Stocker) claimID() string {
	return "allot:" + strconv.FormatInt(s.e.clock().UnixNano(), 36) + "." + strconv.FormatUint(s.seq.Add(1), 36)
}

// flushAll writes every pool's feedback to the issued tabs: one
// batchUpdate with an appendCells per issued tab. Feedback moves into a flush batch in its pool
// (journaled) before the write and leaves it after; a batch still there
// from an earlier attempt may have landed, so its rows are first looked
// for by id in the issued tab, and only the missing ones are written.
func (s *Stocker) flushAll(ctx context.Context) error {
	id := "f" + strconv.FormatInt(s.e.clock().UnixNano(), 36)
	type batch struct {
		rows   []domain.SheetRow
		ids    []string
		unsure bool
		pools  map[string][]string // pool → flush ids to finish
	}
	byTab := map[string]*batch{}
	for _, c := range s.e.Pools() {
		if c.Buffer == 0 && c.Flushing == 0 {
			continue
		}
		k, err := s.e.kindOfPool(c.Key)
		if err != nil {
			continue
		}
		attempts, err := s.e.startFlush(ctx, c.Key, id)
		if err != nil {
			s.fail("starting a flush", err, "pool", c.Key)
			continue
		}
		b := byTab[k.IssuedTab]
		if b == nil {
			b = &batch{pools: map[string][]string{}}
			byTab[k.IssuedTab] = b
		}
		for _, fid := range slices.Sorted(maps.Keys(attempts)) {
			b.pools[c.Key] = append(b.pools[c.Key], fid)
			b.unsure = b.unsure || fid != id
			for _, en := range attempts[fid].Entries {
				b.rows = append(b.rows, k.IssuedRow(en, s.who(ctx, en.User)))
				b.ids = append(b.ids, en.Item.ID)
			}
		}
	}
	// Rows of batches that may have landed are looked for first; a tab that
	// cannot be read now waits for the next flush, the others go on.
	var errs []error
	write := map[string][]domain.SheetRow{}
	var tabs []string
	for _, tab := range slices.Sorted(maps.Keys(byTab)) {
		b := byTab[tab]
		rows := b.rows
		if b.unsure {
			have, err := s.issuedIDs(ctx, tab)
			if err != nil {
				errs = append(errs, err)
				s.fail("checking the issued tab", err, "tab", tab)
				continue
			}
			rows = rows[:0:0]
			for i, r := range b.rows {
				if !have[b.ids[i]] {
					rows = append(rows, r)
				}
			}
		}
		tabs = append(tabs, tab)
		if len(rows) > 0 {
			write[tab] = rows
		}
	}
	if len(tabs) == 0 {
		return errors.Join(append(errs, s.syncProxies(ctx))...)
	}
	rep := FlushReport{}
	for _, rows := range write {
		rep.Rows += len(rows)
	}
	if len(write) > 0 {
		rep.Requests = 1 // every issued tab in one batchUpdate
		if err := s.o.Store.AppendTabs(ctx, s.o.IssuedSheet, write); err != nil {
			rep.Err = err
			s.report(rep)
			s.fail("writing the issued tabs", err, "tab", strings.Join(tabs, ", "), "rows", rep.Rows)
			return errors.Join(append(errs, err)...) // the batches stay; the next flush looks for their ids
		}
	}
	for _, tab := range tabs {
		for _, pk := range slices.Sorted(maps.Keys(byTab[tab].pools)) {
			if err := s.e.finishFlush(ctx, pk, byTab[tab].pools[pk]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.ok("tab", strings.Join(tabs, ", "))
	s.mu.Lock()
	s.status.Flushes++
	s.status.RowsFlushed += uint64(rep.Rows)
	s.status.LastFlushAt = time.Now()
	s.mu.Unlock()
	s.report(rep)
	if err := s.syncProxies(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// syncProxies appends a row to the Proxies tab for every proxy that was
// added, issued, expired or removed since its last row: a log the team
// reads, one row per change, keyed "ref@seq" so that a write whose outcome
// is unknown (or was cut by a crash) is looked for before it is repeated.
func (s *Stocker) syncProxies(ctx context.Context) error {
	tab := s.e.opts.Kinds.ProxyTab
	ids := s.e.unsyncedProxies()
	if tab == "" || len(ids) == 0 {
		return nil
	}
	var rows []domain.SheetRow
	var keys []string
	seqs := map[string]uint64{}
	for _, id := range ids {
		p, err := s.e.proxyState(ctx, id)
		if err != nil {
			return fmt.Errorf("reading proxy %s: %w", domain.ProxyRef(id), err)
		}
		key := domain.ProxyRef(id) + "@" + strconv.FormatUint(p.Changed, 10)
		holder := ""
		if p.Holder != 0 {
			holder = s.who(ctx, p.Holder)
		}
		rows = append(rows, domain.SheetRow{Cells: []string{key, domain.ProxyRef(id), p.Type.String(), p.Addr.String(),
			strings.Join(p.Resources, ", "), p.Country, p.Status.String(), holder,
			p.Expires.UTC().Format("2006-01-02 15:04"), s.e.clock().Format("2006-01-02 15:04:05")}})
		keys = append(keys, key)
		seqs[id] = p.Changed
	}
	if !s.proxiesSure {
		have, err := s.issuedIDsIn(ctx, s.o.StockSheet, tab)
		if err != nil {
			s.fail("checking the proxies tab", err, "tab", tab)
			return err
		}
		kept := rows[:0:0]
		for i, r := range rows {
			if !have[keys[i]] {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	if len(rows) > 0 {
		if err := s.o.Store.AppendRows(ctx, s.o.StockSheet, tab, rows); err != nil {
			s.proxiesSure = false
			s.fail("writing the proxies tab", err, "tab", tab, "rows", len(rows))
			return err
		}
	}
	s.proxiesSure = true
	s.ok("tab", tab)
	var errs []error
	for _, id := range ids {
		if err := s.e.proxySynced(ctx, id, seqs[id]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Stocker) report(r FlushReport) {
	if s.o.OnFlush != nil {
		s.o.OnFlush(r)
	}
}

// issuedIDs reads the item ids (column A) of an issued tab.
func (s *Stocker) issuedIDs(ctx context.Context, tab string) (map[string]bool, error) {
	return s.issuedIDsIn(ctx, s.o.IssuedSheet, tab)
}

// issuedIDsIn reads column A of a tab: the ids of the rows Allot wrote.
func (s *Stocker) issuedIDsIn(ctx context.Context, sheet, tab string) (map[string]bool, error) {
	rows, err := s.o.Store.ReadRows(ctx, sheet, tab)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(rows))
	for _, r := range rows {
		if len(r) > 0 {
			have[strings.TrimSpace(r[0])] = true
		}
	}
	return have, nil
}

func (s *Stocker) who(ctx context.Context, u domain.UserID) string {
	if s.o.Who != nil {
		return s.o.Who(u)
	}
	s.mu.Lock()
	name, ok := s.names[u]
	s.mu.Unlock()
	if ok {
		return name
	}
	name = strconv.FormatInt(int64(u), 10)
	if usr, err := s.e.FindUser(ctx, name); err == nil && usr.Nickname != "" {
		name = usr.Nickname + " (" + name + ")"
	}
	s.mu.Lock()
	s.names[u] = name
	s.mu.Unlock()
	return name
}

// The pool steps the stocker journals.

func (e *Engine) startFlush(ctx context.Context, key, id string) (map[string]domain.FlushAttempt, error) {
	return askAs[map[string]domain.FlushAttempt](e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		ev, err := p.StartFlush(id, x.now)
		if err != nil && !errors.Is(err, domain.ErrDuplicateOp) {
			return nil, nil, err
		}
		var evs []domain.Event
		if ev != nil {
			evs = append(evs, ev)
		}
		// Read the batches after the event applied.
		return func() any { return maps.Clone(x.pool().Clone().Flushing) }, evs, nil
	}))
}

func (e *Engine) finishFlush(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		var evs []domain.Event
		for _, id := range ids {
			if ev, err := p.FinishFlush(id); err == nil {
				evs = append(evs, ev)
			}
		}
		return nil, evs, nil
	})
	return err
}

func (e *Engine) stockDeleted(ctx context.Context, key string, claims []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Deleted(claims); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

func (e *Engine) returnStock(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Return(func(it domain.StockItem) bool { return !slices.Contains(ids, it.ID) }, x.now); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

func (e *Engine) stockReturned(ctx context.Context, key string, ids []string) error {
	_, err := e.poolStep(ctx, key, func(_ *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
		if ev := p.Returned(ids); ev != nil {
			return nil, []domain.Event{ev}, nil
		}
		return nil, nil, nil
	})
	return err
}

// ReleaseStock sends every available item of every pool back to its stock
// tab (an admin's /buffer_release); it returns how many items go back.
func (e *Engine) ReleaseStock(ctx context.Context, by domain.UserID) (int, error) {
	n := 0
	for _, c := range e.Pools() {
		if c.Available == 0 {
			continue
		}
		v, err := e.poolStep(ctx, c.Key, func(x *exec, p *domain.Pool, _ domain.ResourceKind) (any, []domain.Event, error) {
			ev := p.Return(nil, x.now)
			if ev == nil {
				return 0, nil, nil
			}
			return len(ev.IDs), []domain.Event{ev}, nil
		})
		if err != nil {
			return n, err
		}
		n += v.(int)
	}
	e.audit(by, "stock.release", "", strconv.Itoa(n))
	e.stockPoke("")
	return n, nil
}

// FlushStock writes every buffer to the issued tabs now (an admin's
// /buffer_clear); without a running stocker there is nothing to write to.
func (e *Engine) FlushStock(ctx context.Context, by domain.UserID) error {
	s := e.stocker.Load()
	if s == nil {
		return errors.New("actors: distribution is not running")
	}
	e.audit(by, "stock.flush", "", "")
	return s.FlushNow(ctx)
}
