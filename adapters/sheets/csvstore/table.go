package csvstore

import (
	"slices"

	"allot/adapters/sheets/stocker"
)

// table is one tab as read from disk, changed in memory by one call and
// written back whole.
type table struct {
	rows   [][]string
	colors []string // one per row; nil when the tab has no colour file
	dialect
}

// setCells writes cells in order (a later cell wins), growing the tab and
// short rows with empty cells as needed. Clearing a cell that does not
// exist grows nothing. It reports whether anything changed.
func (t *table) setCells(cells []stocker.Cell) bool {
	changed := false
	for _, c := range cells {
		changed = t.setCell(c) || changed
	}
	return changed
}

func (t *table) setCell(c stocker.Cell) bool {
	if c.Row >= len(t.rows) || c.Col >= len(t.rows[c.Row]) {
		if c.Value == "" {
			return false
		}
		t.rows = grow(t.rows, c.Row+1)
		t.rows[c.Row] = grow(t.rows[c.Row], c.Col+1)
	}
	if t.rows[c.Row][c.Col] == c.Value {
		return false
	}
	t.rows[c.Row][c.Col] = c.Value
	return true
}

// deleteRows removes the rows at the given indices of the tab as it is,
// which is what deleting them one by one bottom-up does. A repeated index
// names one row and deletes it once; indices past the last row name empty
// rows, whose deletion changes nothing.
func (t *table) deleteRows(indices []int) bool {
	doomed := make(map[int]bool, len(indices))
	for _, i := range indices {
		if i < len(t.rows) {
			doomed[i] = true
		}
	}
	if len(doomed) == 0 {
		return false
	}
	t.rows = deleteAt(t.rows, doomed)
	if t.colors != nil {
		t.colors = deleteAt(t.colors, doomed)
	}
	return true
}

// insertRows inserts rows before index at; past the end, empty rows fill
// the gap, as in a grid.
func (t *table) insertRows(at int, rows [][]string) bool {
	if len(rows) == 0 {
		return false
	}
	t.rows = slices.Insert(grow(t.rows, at), at, rows...)
	if t.colors != nil {
		t.colors = slices.Insert(grow(t.colors, at), at, make([]string, len(rows))...)
	}
	return true
}

// appendRows adds rows after the last row with a value, and their colours.
func (t *table) appendRows(rows []stocker.Row) bool {
	if len(rows) == 0 {
		return false
	}
	colored := slices.ContainsFunc(rows, func(r stocker.Row) bool { return r.Color != "" })
	if colored && t.colors == nil {
		t.colors = make([]string, len(t.rows))
	}
	for _, r := range rows {
		t.rows = append(t.rows, r.Cells)
		if t.colors != nil {
			t.colors = append(t.colors, r.Color)
		}
	}
	return true
}

// normalize drops trailing empty rows and fits the colours to the rows,
// before a table is used or saved.
func (t *table) normalize() {
	t.rows = trimEmpty(t.rows)
	if t.colors != nil {
		t.colors = fit(t.colors, len(t.rows))
	}
}

// grow extends s with zero values to at least n elements.
func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// fit makes s exactly n elements long, cutting or padding with zero values.
func fit[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return grow(s, n)
}

// deleteAt returns s without the elements at the doomed indices.
func deleteAt[T any](s []T, doomed map[int]bool) []T {
	kept := s[:0]
	for i, v := range s {
		if !doomed[i] {
			kept = append(kept, v)
		}
	}
	return kept
}
