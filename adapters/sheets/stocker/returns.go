package stocker

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"

	"allot/domain"
)

// Items on their way back to the stock tab: step 5 of pass.

// returnGroup is items going back to one position of the tab, in one
// request.
type returnGroup struct {
	at    int
	rows  [][]string
	items []poolItem
}

// poolItem is an item by its pool.
type poolItem struct{ pool, id string }

// returnItems inserts the rows of the items on their way back, and
// records as returned those whose row is in the tab (an earlier insert
// whose outcome was unknown landed) or was just inserted.
func (s *Stocker) returnItems(ctx context.Context, tp *tabPools, rows [][]string) error {
	groups, done := s.returnPlan(tp, rows)
	var errs []error
	for _, g := range groups {
		if err := s.o.Store.InsertRows(ctx, s.o.StockSheet, tp.t.Tab, g.at, g.rows); err != nil {
			errs = append(errs, err) // settled by the next read: never inserted twice
			continue
		}
		for _, it := range g.items {
			done[it.pool] = append(done[it.pool], it.id)
		}
	}
	for _, pk := range slices.Sorted(maps.Keys(done)) {
		if err := s.e.StockReturned(ctx, pk, done[pk]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// returnPlan groups the items to insert by position, bottom-up so that
// each position still refers to the tab as read, and lists by pool the
// items already back.
func (s *Stocker) returnPlan(tp *tabPools, rows [][]string) (groups []*returnGroup, done map[string][]string) {
	col := tp.k.ClaimColumn()
	present := map[string]int{}
	for i := 1; i < len(rows); i++ {
		if marker(rows[i], col) == "" {
			present[rowKey(rows[i], col)]++
		}
	}
	done = map[string][]string{}
	for _, pk := range slices.Sorted(maps.Keys(tp.pools)) {
		for _, it := range tp.pools[pk].Returning {
			if _, claimed := tp.pools[pk].Claimed[it.Claim]; claimed {
				continue // its row is still in the tab, to be deleted first
			}
			if key := domain.RowKey(it.Cells); present[key] > 0 { // back already: an earlier insert landed
				present[key]--
				done[pk] = append(done[pk], it.ID)
				continue
			}
			at := tp.k.ReturnPosition(rows, it.Cells)
			i := slices.IndexFunc(groups, func(g *returnGroup) bool { return g.at == at })
			if i < 0 {
				groups = append(groups, &returnGroup{at: at})
				i = len(groups) - 1
			}
			groups[i].rows = append(groups[i].rows, it.Cells)
			groups[i].items = append(groups[i].items, poolItem{pool: pk, id: it.ID})
		}
	}
	slices.SortFunc(groups, func(a, b *returnGroup) int { return cmp.Compare(b.at, a.at) })
	return groups, done
}
