package actors

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"allot/domain"
)

// The stocker's pass over one stock tab: which pools need rows, the claim
// of rows by their markers, and items on their way back to the tab.

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
	if len(need) > 0 {
		var loaded int
		rows, loaded, err = s.claim(ctx, tp, rows, need)
		if err != nil {
			s.fail("claiming stock", err, "tab", t.Tab)
			return
		}
		s.mu.Lock()
		if loaded == 0 {
			s.emptyAt[t.Tab] = time.Now()
		} else {
			delete(s.emptyAt, t.Tab)
			// Counted as soon as the pools hold the rows: a later step of
			// this pass failing does not undo the load.
			s.status.Loads++
			s.status.RowsLoaded += uint64(loaded)
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
