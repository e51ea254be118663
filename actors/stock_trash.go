package actors

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
