package stocker

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"allot/domain"
)

// The claim of rows by their markers: steps 2 and 3 of pass.

// candidate is a stock row chosen for a pool, with the marker written
// next to it.
type candidate struct {
	pool  string
	row   int
	cells []string
	key   string
	claim string
}

// claim marks free rows for the pools in need, keeps the marks that held,
// and loads their rows into the pools. It returns the tab as last read
// and how many rows entered pools.
func (s *Stocker) claim(ctx context.Context, tp *tabPools, rows [][]string, need map[string]int) ([][]string, int, error) {
	picks := s.pick(tp, rows, need)
	if len(picks) == 0 {
		return rows, 0, nil
	}
	after, err := s.mark(ctx, tp, picks)
	if err != nil {
		return rows, 0, err
	}
	loads, claims := s.confirm(ctx, tp, picks, after)
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

// pick chooses free rows for the pools in need, top to bottom.
func (s *Stocker) pick(tp *tabPools, rows [][]string, need map[string]int) []candidate {
	col := tp.k.ClaimColumn()
	var picks []candidate
	for i := 1; i < len(rows); i++ {
		cells := rows[i][:min(len(rows[i]), col)]
		key := domain.RowKey(cells)
		if key == "" {
			continue
		}
		if _, ours := tp.ours(rows[i]); ours {
			continue
		}
		pk, ok := s.route(tp, i, cells, key)
		if !ok || need[pk] <= 0 {
			continue
		}
		if s.todayOnly(tp.k) && !tp.k.DatedToday(cells, s.now(), s.o.Location) {
			continue
		}
		need[pk]--
		picks = append(picks, candidate{pool: pk, row: i, cells: slices.Clone(cells), key: key, claim: s.claimID()})
	}
	return picks
}

// route names the pool of stock row i, or tells of a row that has none.
func (s *Stocker) route(tp *tabPools, i int, cells []string, key string) (string, bool) {
	region, variant, err := tp.k.Route(tp.t, i, cells)
	if err == nil && !slices.Contains(s.e.Regions(), region) && !slices.Contains(s.kinds.Regions, region) {
		err = &domain.RowError{Tab: tp.t.Tab, Cell: domain.A1(i, max(tp.k.ColumnIndex(tp.k.RegionColumn), 0)),
			Reason: fmt.Sprintf("region %q is not configured (add it with /add_region)", region)}
	}
	if err != nil {
		s.badRow(err, tp.t.Tab+"\x00"+key)
		return "", false
	}
	return domain.PoolKey(tp.k.Code, region, variant), true
}

// mark writes each candidate's marker next to its row and reads the tab
// back.
func (s *Stocker) mark(ctx context.Context, tp *tabPools, picks []candidate) ([][]string, error) {
	col := tp.k.ClaimColumn()
	marks := make([]Cell, len(picks))
	for i, c := range picks {
		marks[i] = Cell{Row: c.row, Col: col, Value: c.claim}
	}
	if err := s.o.Store.SetCells(ctx, s.o.StockSheet, tp.t.Tab, marks); err != nil {
		return nil, fmt.Errorf("marking %d rows: %w", len(marks), err)
	}
	after, err := s.o.Store.ReadRows(ctx, s.o.StockSheet, tp.t.Tab)
	if err != nil {
		return nil, fmt.Errorf("reading back the marks: %w", err)
	}
	return after, nil
}

// confirm keeps the candidates whose marker sits once, on a row of the
// content it was written for, and returns their rows and claims by pool;
// markers elsewhere (moved by someone's edit, or copied with a row) are
// cleared.
func (s *Stocker) confirm(ctx context.Context, tp *tabPools, picks []candidate, after [][]string) (loads map[string][][]string, claims map[string][]string) {
	col := tp.k.ClaimColumn()
	where := map[string][]int{}
	for i := 1; i < len(after); i++ {
		if m := marker(after[i], col); m != "" {
			where[m] = append(where[m], i)
		}
	}
	loads, claims = map[string][][]string{}, map[string][]string{}
	var stray []Cell
	for _, c := range picks {
		at := where[c.claim]
		if len(at) == 1 && rowKey(after[at[0]], col) == c.key {
			loads[c.pool] = append(loads[c.pool], c.cells)
			claims[c.pool] = append(claims[c.pool], c.claim)
			continue
		}
		for _, r := range at {
			stray = append(stray, Cell{Row: r, Col: col, Value: ""})
		}
	}
	if len(stray) > 0 {
		s.log.Info("claim markers moved with someone's edit; clearing them", "tab", tp.t.Tab, "count", len(stray))
		if err := s.o.Store.SetCells(ctx, s.o.StockSheet, tp.t.Tab, stray); err != nil {
			// Harmless: a marker no pool knows leaves its row free.
			s.log.Warn("clearing stray claim markers failed", "tab", tp.t.Tab, "err", err)
		}
	}
	return loads, claims
}
