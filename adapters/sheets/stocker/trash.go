package stocker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"allot/domain"
)

// Deleting claimed rows with a receipt: each delete copies its rows into
// the tab's trash in the same atomic request, and the trash is settled
// (foreign rows put back, ours noted) before claims are forgotten.

// trashOf names the tab that receives a stock tab's deleted rows.
func trashOf(tab string) string { return "allot trash · " + tab }

// trashCol is the column of a trash row where the stocker notes what it
// did with the row: after the stock tab's own columns and claim column.
func trashCol(k domain.ResourceKind) int { return k.ClaimColumn() + 1 }

// trashKeep is how many rows a trash tab holds before it is emptied: a
// record for a person to look at after a surprise, not a second archive.
const trashKeep = 500

// The notes of a trash row: ours, put back (seen in the tab again), or on
// its way back under a token.
const (
	noteOurs     = "ours"
	noteBack     = "back"
	noteBackWith = "back? "
)

// deleteOurs is step 4 of pass. The rows are taken with a receipt: the
// same atomic request copies each of them into the tab's trash before
// deleting it, so whatever the delete removed is known even if a person
// inserted, deleted or sorted rows after our last read, and a row of
// theirs it hit is put back (settleTrash). Rows a person deleted
// themselves are not in the receipt and stay deleted. Claims are forgotten
// only after the trash notes which of its rows were ours: a row noted
// nowhere is judged against claims still held.
func (s *Stocker) deleteOurs(ctx context.Context, tp *tabPools, rows [][]string) ([][]string, error) {
	var del []int
	for i := 1; i < len(rows); i++ {
		if _, ok := tp.ours(rows[i]); ok {
			del = append(del, i)
		}
	}
	if len(del) == 0 && len(tp.claimed) == 0 && !s.trashDirty(tp) {
		return rows, nil
	}
	if err := s.ensureTrash(ctx, tp.t.Tab); err != nil {
		return rows, err
	}
	after := rows
	if len(del) > 0 {
		var err error
		if after, err = s.take(ctx, tp.t.Tab, del); err != nil {
			return rows, err
		}
	}
	after, err := s.settleTrash(ctx, tp, after)
	if err != nil {
		return after, err
	}
	return after, s.forget(ctx, tp, after)
}

// take deletes rows of tab with their receipt in its trash, and reads the
// tab back.
func (s *Stocker) take(ctx context.Context, tab string, del []int) ([][]string, error) {
	sheet, trash := s.o.StockSheet, trashOf(tab)
	before, err := s.o.Store.ReadRows(ctx, sheet, trash)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", trash, err)
	}
	s.setTrashDirty(tab, true)
	if err := s.o.Store.TakeRows(ctx, sheet, tab, del, trash, len(before)); err != nil {
		// The outcome may be unknown: the trash says (the request is atomic).
		s.log.Warn("taking claimed rows failed; checking the trash", "tab", tab, "rows", len(del), "err", err)
	}
	after, err := s.o.Store.ReadRows(ctx, sheet, tab)
	if err != nil {
		return nil, fmt.Errorf("reading back after the delete: %w", err)
	}
	return after, nil
}

// forget forgets the claims whose rows are gone from the tab (by marker
// and by content).
func (s *Stocker) forget(ctx context.Context, tp *tabPools, after [][]string) error {
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
		if err := s.e.StockDeleted(ctx, pk, gone[pk]); err != nil {
			return fmt.Errorf("forgetting deleted rows of %s: %w", pk, err)
		}
	}
	return nil
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

// settle is settleTrash; again is false on the look right after putting
// rows back, which must not put them back once more.
func (s *Stocker) settle(ctx context.Context, tp *tabPools, rows [][]string, again bool) ([][]string, error) {
	sheet, tab, trash := s.o.StockSheet, tp.t.Tab, trashOf(tp.t.Tab)
	got, err := s.o.Store.ReadRows(ctx, sheet, trash)
	if err != nil {
		return rows, fmt.Errorf("reading %q: %w", trash, err)
	}
	notes, back := s.judge(tp, got, rows)
	if len(notes) > 0 { // tokens first: nothing is inserted without its token noted
		if err := s.o.Store.SetCells(ctx, sheet, trash, notes); err != nil {
			return rows, fmt.Errorf("noting the trash: %w", err)
		}
	}
	switch {
	case len(back) > 0 && !again:
		return rows, nil // inserted a moment ago yet not seen: the next pass looks again
	case len(back) > 0:
		after, err := s.putBack(ctx, tab, back)
		if err != nil {
			return rows, err
		}
		// Note them "back" now, before any claim can take a token over.
		return s.settle(ctx, tp, after, false)
	}
	s.setTrashDirty(tab, false)
	if len(got) >= trashKeep {
		s.emptyTrash(ctx, trash, len(got))
	}
	return rows, nil
}

// judge decides each unnoted trash row (got) against the stock tab as
// read (rows): the notes to write, and the rows to put back, each with
// its token as its marker.
func (s *Stocker) judge(tp *tabPools, got, rows [][]string) (notes []Cell, back [][]string) {
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
	for i, r := range got {
		switch n := marker(r, note); {
		case n == noteOurs || n == noteBack || rowKey(r, col) == "":
		case strings.HasPrefix(n, noteBackWith):
			token := strings.TrimPrefix(n, noteBackWith)
			if markers[token] {
				notes = append(notes, Cell{Row: i, Col: note, Value: noteBack})
			} else {
				back = append(back, withToken(r, token))
			}
		default:
			if _, ok := tp.ours(r); ok {
				notes = append(notes, Cell{Row: i, Col: note, Value: noteOurs})
				continue
			}
			token := s.claimID()
			notes = append(notes, Cell{Row: i, Col: note, Value: noteBackWith + token})
			back = append(back, withToken(r, token))
		}
	}
	return notes, back
}

// putBack appends rows a delete took with ours to the stock tab, and reads
// the tab back.
func (s *Stocker) putBack(ctx context.Context, tab string, back [][]string) ([][]string, error) {
	s.log.Warn("putting back rows a delete took with ours (the tab moved under it)", "tab", tab, "rows", len(back))
	// Appended after the tab's last row with a value: an index read a
	// moment ago may already be past the end if a person deleted rows.
	add := make([]Row, len(back))
	for i, r := range back {
		add[i] = Row{Cells: r}
	}
	if err := s.o.Store.AppendRows(ctx, s.o.StockSheet, tab, add); err != nil {
		return nil, fmt.Errorf("putting back %d rows: %w", len(back), err) // the next look settles it
	}
	s.mu.Lock()
	s.status.Reinserted += uint64(len(back))
	s.mu.Unlock()
	rows, err := s.o.Store.ReadRows(ctx, s.o.StockSheet, tab)
	if err != nil {
		return nil, fmt.Errorf("reading back after putting rows back: %w", err)
	}
	return rows, nil
}

// emptyTrash deletes every row of a settled trash tab but the first (a
// tab keeps at least one row). A failure only leaves it long.
func (s *Stocker) emptyTrash(ctx context.Context, trash string, n int) {
	all := make([]int, 0, n-1)
	for i := 1; i < n; i++ {
		all = append(all, i)
	}
	if err := s.o.Store.DeleteRows(ctx, s.o.StockSheet, trash, all); err != nil {
		s.log.Warn("emptying the trash failed", "tab", trash, "err", err)
	}
}

// ensureTrash creates a stock tab's trash tab, once per run.
func (s *Stocker) ensureTrash(ctx context.Context, tab string) error {
	s.mu.Lock()
	ok := s.tab(tab).trashMade
	s.mu.Unlock()
	if ok {
		return nil
	}
	trash := trashOf(tab)
	if err := s.o.Store.EnsureTab(ctx, s.o.StockSheet, trash); err != nil {
		return fmt.Errorf("creating %q: %w", trash, err)
	}
	s.mu.Lock()
	s.tab(tab).trashMade = true
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
	ts := s.tab(tp.t.Tab)
	if !ts.trashSeen {
		return len(tp.claimed) > 0
	}
	return !ts.trashClean
}

func (s *Stocker) setTrashDirty(tab string, dirty bool) {
	s.mu.Lock()
	ts := s.tab(tab)
	ts.trashSeen, ts.trashClean = true, !dirty
	s.mu.Unlock()
}
