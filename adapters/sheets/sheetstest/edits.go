package sheetstest

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
)

// Edit is a change a person makes to a tab in the browser. It gets the
// rows as the person reads them (Rows' view: formatted, ragged, trailing
// empties trimmed; row i is grid row i) and returns the rows as they are
// after the change. It may modify its argument.
//
// Rows the edit returns unchanged keep their types and backgrounds wherever
// they moved, as cut and paste or a sort does; new or changed rows are read
// as typed text (see SetRows). Rows that only carry formatting, below the
// last value, follow the data. An edit runs under the server's lock, so it
// must not call the Server.
type Edit func(rows [][]string) [][]string

// HumanEdit applies an edit to a tab at once, between two API calls, as a
// person working in the sheet while the bot runs would. The grid grows or
// shrinks by the number of rows the edit adds or removes.
func (s *Server) HumanEdit(spreadsheetID, tab string, edit Edit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.sheets[spreadsheetID]
	if sp == nil {
		return ErrNoSpreadsheet
	}
	t := sp.tab(tab)
	if t == nil {
		return ErrNoTab
	}
	s.applyEdit(t, edit)
	return nil
}

// HumanEditEvery applies edit to a tab before every nth API call from now
// on (the nth, the 2nth, ...), to test a protocol under a steady stream of
// edits; n <= 0 stops it. The edit is skipped while the tab is missing.
func (s *Server) HumanEditEvery(n int, spreadsheetID, tab string, edit Edit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auto = autoEdit{every: n, spreadsheetID: spreadsheetID, tab: tab, edit: edit}
}

type autoEdit struct {
	every         int
	spreadsheetID string
	tab           string
	edit          Edit
	seen          int
}

// runAutoEdit counts a call and applies the scheduled edit when due; the
// caller holds s.mu.
func (s *Server) runAutoEdit() {
	a := &s.auto
	if a.every <= 0 {
		return
	}
	if a.seen++; a.seen%a.every != 0 {
		return
	}
	if t := s.tab(a.spreadsheetID, a.tab); t != nil {
		s.applyEdit(t, a.edit)
	}
}

// applyEdit runs an edit and maps its result back onto cells, reusing the
// cells of every row returned unchanged.
func (s *Server) applyEdit(t *tab, edit Edit) {
	before := t.texts()
	in := make([][]string, len(before))
	for i, r := range before {
		in[i] = slices.Clone(r)
	}
	after := edit(in)
	unused := map[string][]int{}
	for i, r := range before {
		k := rowKey(r)
		unused[k] = append(unused[k], i)
	}
	rows := make([]row, 0, len(after)+len(t.rows)-len(before))
	for _, r := range after {
		k := rowKey(r)
		if q := unused[k]; len(q) > 0 {
			rows, unused[k] = append(rows, t.rows[q[0]]), q[1:]
			continue
		}
		rows = append(rows, rowFromStrings(r))
		t.colCount = max(t.colCount, len(r))
	}
	rows = append(rows, t.rows[len(before):]...)
	t.rowCount = max(t.rowCount+len(after)-len(before), len(rows), 1)
	t.rows = rows
	s.stats.HumanEdits++
}

// rowKey identifies a row by what it shows, ignoring trailing empty cells.
func rowKey(r []string) string {
	n := len(r)
	for n > 0 && r[n-1] == "" {
		n--
	}
	return strings.Join(r[:n], "\x00")
}

// InsertRowAt inserts a row before 0-based row i, as "Insert 1 row above"
// does; rows from i on move down by one.
func InsertRowAt(i int, r []string) Edit {
	return func(rows [][]string) [][]string {
		for len(rows) < i {
			rows = append(rows, nil)
		}
		return slices.Insert(rows, i, slices.Clone(r))
	}
}

// DeleteRowAt deletes 0-based row i; rows below move up by one.
func DeleteRowAt(i int) Edit {
	return func(rows [][]string) [][]string {
		if i < 0 || i >= len(rows) {
			return rows
		}
		return slices.Delete(rows, i, i+1)
	}
}

// SortBy sorts rows by a 0-based column, A to Z as Sheets does: numbers
// first in numeric order, then text ignoring case, empty cells last; ties
// keep their order. Wrap it in Below to keep a header in place.
func SortBy(col int) Edit {
	return func(rows [][]string) [][]string {
		slices.SortStableFunc(rows, func(a, b []string) int { return compareCells(at(a, col), at(b, col)) })
		return rows
	}
}

// ShuffleRows puts the rows in a random order fixed by seed.
func ShuffleRows(seed uint64) Edit {
	return func(rows [][]string) [][]string {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		return rows
	}
}

// Below applies edit to the rows after the first n only, the way a person
// sorts a sheet whose header row is frozen.
func Below(n int, edit Edit) Edit {
	return func(rows [][]string) [][]string {
		if len(rows) <= n {
			return rows
		}
		head := rows[:n:n]
		return append(head, edit(rows[n:])...)
	}
}

func at(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

func compareCells(a, b string) int {
	rank := func(s string) int {
		switch v := userEntered(s); v.kind {
		case empty:
			return 2
		case number:
			return 0
		}
		return 1
	}
	if ra, rb := rank(a), rank(b); ra != rb || ra == 2 {
		return cmp.Compare(ra, rb)
	}
	va, vb := userEntered(a), userEntered(b)
	if va.kind == number {
		return cmp.Compare(va.num, vb.num)
	}
	return cmp.Compare(strings.ToLower(a), strings.ToLower(b))
}
