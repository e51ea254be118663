package stocker

import (
	"context"
	"slices"

	"allot/domain"
)

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
		s.fail("reading pools", tabSubject(t.Tab), err)
		return
	}
	need := s.needs(ctx, tp, force)
	returning := tp.returning() > 0
	if len(need) == 0 && len(tp.claimed) == 0 && !returning && !s.trashDirty(tp) {
		return
	}
	if what, err := s.passSteps(ctx, tp, need, returning); err != nil {
		s.fail(what, tabSubject(t.Tab), err)
		return
	}
	s.ok(tabSubject(t.Tab))
}

// passSteps is pass once it has decided to read the tab; a failure names
// the step it cut short.
func (s *Stocker) passSteps(ctx context.Context, tp *tabPools, need map[string]int, returning bool) (string, error) {
	rows, err := s.o.Store.ReadRows(ctx, s.o.StockSheet, tp.t.Tab)
	if err != nil {
		return "reading stock", err
	}
	if s.trashDirty(tp) {
		// Rows on their way back carry tokens a claim must not take over
		// before they are noted back: settle first (after a crash, too).
		if err := s.ensureTrash(ctx, tp.t.Tab); err != nil {
			return "settling the trash", err
		}
		if rows, err = s.settleTrash(ctx, tp, rows); err != nil {
			return "settling the trash", err
		}
	}
	if len(need) > 0 {
		var loaded int
		if rows, loaded, err = s.claim(ctx, tp, rows, need); err != nil {
			return "claiming stock", err
		}
		s.loaded(tp.t.Tab, loaded)
		if tp, err = s.poolsOf(ctx, tp.k, tp.t); err != nil {
			return "reading pools", err
		}
	}
	if rows, err = s.deleteOurs(ctx, tp, rows); err != nil {
		return "deleting claimed rows", err
	}
	if returning {
		if tp, err = s.poolsOf(ctx, tp.k, tp.t); err == nil {
			err = s.returnItems(ctx, tp, rows)
		}
		if err != nil {
			return "returning stock", err
		}
	}
	return "", nil
}

// loaded records a claim's outcome: a tab that gave nothing is not read
// again for a while, and rows are counted as soon as the pools hold them
// (a later step of the pass failing does not undo the load).
func (s *Stocker) loaded(tab string, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tab(tab)
	ts.empty = rows == 0
	if ts.empty {
		ts.emptyAt = s.now()
		return
	}
	s.status.Loads++
	s.status.RowsLoaded += uint64(rows)
}

// needs returns how many rows each pool of the tab wants. Today-only mode
// first sends the available items not dated today back.
func (s *Stocker) needs(ctx context.Context, tp *tabPools, force bool) map[string]int {
	s.mu.Lock()
	ts := s.tab(tp.t.Tab)
	empty, last := ts.empty, ts.emptyAt
	s.mu.Unlock()
	if empty && !force && s.now().Sub(last) < s.o.EmptyRetry {
		return nil
	}
	regions := s.e.Regions()
	need := map[string]int{}
	for key, p := range tp.pools {
		_, region, _, _ := domain.SplitPoolKey(key)
		if !slices.Contains(regions, region) {
			continue
		}
		avail := len(p.Available) - s.returnStale(ctx, tp, key, p)
		if avail < tp.k.RefillBelow {
			need[key] = tp.k.BatchSize - avail
		}
	}
	return need
}

// returnStale sends a pool's items not dated today back in today-only
// mode, and returns how many.
func (s *Stocker) returnStale(ctx context.Context, tp *tabPools, key string, p *domain.Pool) int {
	if !s.todayOnly(tp.k) {
		return 0
	}
	now := s.now()
	stale := p.Return(func(it domain.StockItem) bool { return tp.k.DatedToday(it.Cells, now, s.o.Location) }, now)
	if stale == nil {
		return 0
	}
	if err := s.e.ReturnStock(ctx, key, stale.IDs); err != nil {
		s.fail("returning stale numbers", poolSubject(key), err)
	}
	return len(stale.IDs)
}

func (s *Stocker) todayOnly(k domain.ResourceKind) bool {
	return k.Category == domain.CategoryPhone && k.ColumnIndex("date") >= 0 && s.e.TodayOnly()
}
