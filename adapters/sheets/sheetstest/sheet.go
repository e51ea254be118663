package sheetstest

import (
	"hash/fnv"
	"slices"
)

// The grid of a new tab, as Google makes it.
const (
	defaultRows    = 1000
	defaultColumns = 26
)

// tab is one sheet of a spreadsheet. rows holds the data and may be shorter
// than the grid (rowCount); a row may be shorter than colCount.
type tab struct {
	id       int64
	title    string
	rows     []row
	rowCount int
	colCount int
}

type spreadsheet struct {
	id   string
	tabs []*tab
}

func (sp *spreadsheet) tab(title string) *tab {
	for _, t := range sp.tabs {
		if t.title == title {
			return t
		}
	}
	return nil
}

func (sp *spreadsheet) tabByID(id int64) *tab {
	for _, t := range sp.tabs {
		if t.id == id {
			return t
		}
	}
	return nil
}

// addTab appends a tab. The first tab of a spreadsheet has sheetId 0, as
// Google's does (and the Go client then omits it from requests); later
// ones get large IDs derived from the title, as unlike their index as
// Google's random ones are.
func (sp *spreadsheet) addTab(title string) *tab {
	t := &tab{title: title, rowCount: defaultRows, colCount: defaultColumns}
	if len(sp.tabs) > 0 {
		t.id = sp.newSheetID(title)
	}
	sp.tabs = append(sp.tabs, t)
	return t
}

func (sp *spreadsheet) newSheetID(title string) int64 {
	h := fnv.New32a()
	h.Write([]byte(sp.id + "\x00" + title))
	id := int64(h.Sum32()&0x7fffffff) | 1<<20
	for sp.tabByID(id) != nil {
		id++
	}
	return id
}

// clone copies the spreadsheet deeply enough that changing the copy leaves
// the original untouched, so a batch can fail half way and change nothing.
func (sp *spreadsheet) clone() *spreadsheet {
	c := &spreadsheet{id: sp.id, tabs: make([]*tab, len(sp.tabs))}
	for i, t := range sp.tabs {
		ct := *t
		ct.rows = make([]row, len(t.rows))
		for j, r := range t.rows {
			ct.rows[j] = slices.Clone(r)
		}
		c.tabs[i] = &ct
	}
	return c
}

// lastRow is the index after the last row holding a value.
func (t *tab) lastRow() int {
	n := len(t.rows)
	for n > 0 && t.rows[n-1].lastValue() == 0 {
		n--
	}
	return n
}

func (t *tab) cell(r, c int) cell {
	if r < len(t.rows) && c < len(t.rows[r]) {
		return t.rows[r][c]
	}
	return cell{}
}

// at returns the cell to change, growing the data and, like a write through
// the API, the grid.
func (t *tab) at(r, c int) *cell {
	for len(t.rows) <= r {
		t.rows = append(t.rows, nil)
	}
	if len(t.rows[r]) <= c {
		t.rows[r] = append(t.rows[r], make(row, c+1-len(t.rows[r]))...)
	}
	t.rowCount = max(t.rowCount, r+1)
	t.colCount = max(t.colCount, c+1)
	return &t.rows[r][c]
}

// texts shows the tab as a full-sheet values.get does.
func (t *tab) texts() [][]string {
	n := t.lastRow()
	if n == 0 {
		return nil
	}
	out := make([][]string, n)
	for i := range out {
		out[i] = t.rows[i].texts()
	}
	return out
}

// insertRows adds n empty rows before row at, shifting the rest down.
func (t *tab) insertRows(at, n int) {
	if at < len(t.rows) {
		t.rows = slices.Insert(t.rows, at, make([]row, n)...)
	}
	t.rowCount += n
}

// deleteRows removes rows [from, to) of the grid.
func (t *tab) deleteRows(from, to int) {
	if from < len(t.rows) {
		t.rows = slices.Delete(t.rows, from, min(to, len(t.rows)))
	}
	t.rowCount -= to - from
}

func (t *tab) insertColumns(at, n int) {
	for i, r := range t.rows {
		if at < len(r) {
			t.rows[i] = slices.Insert(r, at, make(row, n)...)
		}
	}
	t.colCount += n
}

func (t *tab) deleteColumns(from, to int) {
	for i, r := range t.rows {
		if from < len(r) {
			t.rows[i] = slices.Delete(r, from, min(to, len(r)))
		}
	}
	t.colCount -= to - from
}
