package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"allot/adapters/sheets/sheetstest"
	"allot/domain"
)

// stockBook is what became of every row: the rows at the start, the rows
// the person added and the rows they deleted, for the invariant.
type stockBook struct {
	mu       sync.Mutex
	universe map[string]bool
	deleted  map[string]int
	added    int
	regions  []string
	rnd      *rand.Rand
}

func newStockBook(rows [][]string, regions []string, seed uint64) *stockBook {
	b := &stockBook{universe: map[string]bool{}, deleted: map[string]int{}, regions: regions, rnd: rand.New(rand.NewPCG(seed, 22))}
	for _, r := range rows[1:] {
		b.universe[rowContent(r)] = true
	}
	return b
}

func rowContent(r []string) string { return domain.RowKey(r[:min(len(r), 3)]) }

// edits returns how many rows the person added and deleted.
func (b *stockBook) edits() (added, deleted int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.added, len(b.deleted)
}

// person is a sheetstest.Edit: someone adding a row (often at the top,
// where fresh stock goes), deleting one, sorting or shuffling the tab.
func (b *stockBook) person(rows [][]string) [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch k := b.rnd.IntN(10); {
	case k < 3 || len(rows) < 3:
		b.added++
		r := []string{fmt.Sprintf("new%07d", b.added), fmt.Sprintf("pw-new%07d", b.added), b.regions[b.added%len(b.regions)]}
		b.universe[rowContent(r)] = true
		at := 1 + b.rnd.IntN(len(rows))
		if k%2 == 0 {
			at = 1 + b.rnd.IntN(min(len(rows), 8))
		}
		return slices.Insert(rows, at, r)
	case k < 6:
		i := 1 + b.rnd.IntN(len(rows)-1)
		if c := rowContent(rows[i]); c != "" {
			b.deleted[c]++
		}
		return slices.Delete(rows, i, i+1)
	case k < 8:
		return sheetstest.Below(1, sheetstest.SortBy(b.rnd.IntN(4)))(rows)
	}
	return sheetstest.Below(1, sheetstest.ShuffleRows(b.rnd.Uint64()))(rows)
}

// stockVerdict is the invariant's findings.
type stockVerdict struct {
	landed, inStock, lost, duplicates, humanDeleted, resurrected int
	problems                                                     []string
}

// check holds the tabs against the book and the items handed out: each
// row in one place exactly once, or deleted by the person; each item in
// the issued tab exactly once, by id and by content.
func (b *stockBook) check(stock, issued [][]string, handed []domain.StockItem) stockVerdict {
	b.mu.Lock()
	defer b.mu.Unlock()
	var v stockVerdict
	items := map[string]domain.StockItem{}
	for _, it := range handed {
		if _, ok := items[it.ID]; ok {
			v.duplicates++
			v.fail("item %s handed out twice", it.ID)
		}
		items[it.ID] = it
	}
	inStock := map[string]int{}
	for _, r := range stock[min(1, len(stock)):] {
		if c := rowContent(r); c != "" {
			inStock[c]++
		}
	}
	inIssued := v.checkIssued(issued, items)
	b.checkRows(&v, inStock, inIssued)
	return v
}

func (v *stockVerdict) fail(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// checkIssued holds the issued tab against the items handed out: each
// exactly once, with its content. It returns the rows' contents counted.
func (v *stockVerdict) checkIssued(issued [][]string, items map[string]domain.StockItem) map[string]int {
	inIssued, ids := map[string]int{}, map[string]int{}
	for _, r := range issued {
		r = append(slices.Clone(r), make([]string, 7)...)
		ids[r[0]]++
		inIssued[rowContent(r[4:])]++
		if it, ok := items[r[0]]; !ok || rowContent(it.Cells) != rowContent(r[4:]) {
			v.fail("issued tab: row %q is not an item handed out", r[:7])
		}
	}
	v.landed = len(ids)
	for id, n := range ids {
		if n > 1 {
			v.duplicates++
			v.fail("issued tab: item %s %d times", id, n)
		}
	}
	for id := range items {
		if ids[id] == 0 {
			v.lost++
			v.fail("item %s was handed out and is not in the issued tab", id)
		}
	}
	return inIssued
}

// checkRows holds every row ever put in the stock tab against where it is
// now: in one tab exactly once, or deleted by the person.
func (b *stockBook) checkRows(v *stockVerdict, inStock, inIssued map[string]int) {
	for c := range b.universe {
		s, i := inStock[c], inIssued[c]
		v.inStock += s
		switch {
		case s+i > 1:
			v.duplicates++
			v.fail("row %q: %d in the stock tab, %d in the issued tab", c, s, i)
		case s+i == 0 && b.deleted[c] == 0:
			v.lost++
			v.fail("row %q is lost: in neither tab, and the person did not delete it", c)
		case s+i == 0:
			v.humanDeleted++
		case b.deleted[c] > 0 && s == 1:
			v.resurrected++
		}
	}
	for c := range inStock {
		if !b.universe[c] {
			v.fail("stock tab: row %q was never there", c)
		}
	}
}
