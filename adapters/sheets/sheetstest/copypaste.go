package sheetstest

import (
	"encoding/json"
	"fmt"
)

// pasteParts is what each pasteType copies of a cell, as far as the fake
// keeps cells: a value and a background. Formulas travel as their text
// (the fake does not evaluate them nor shift their references).
var pasteParts = map[string]struct{ value, background bool }{
	"PASTE_NORMAL":     {true, true},
	"PASTE_NO_BORDERS": {true, true},
	"PASTE_VALUES":     {true, false},
	"PASTE_FORMAT":     {false, true},
}

// copyPaste copies a source range onto a destination, in the same tab or
// another. As on Google, a destination smaller than the source along a
// dimension takes the source whole from its first row or column (one cell
// is the usual way to give a corner), and the paste must fit the grid.
// Google fills a destination that is a multiple of the source with
// repeats; the fake refuses that, and any other larger destination.
func copyPaste(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Source           *gridRange `json:"source"`
		Destination      *gridRange `json:"destination"`
		PasteType        string     `json:"pasteType"`
		PasteOrientation string     `json:"pasteOrientation"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	parts, p := pasteOptions(req.PasteType, req.PasteOrientation)
	if p != "" {
		return nil, p
	}
	if req.Source == nil || req.Destination == nil {
		return nil, "source and destination must be set"
	}
	src, p := gridArea(sp, *req.Source)
	if p != "" {
		return nil, p
	}
	if src.r2 < src.r1 || src.c2 < src.c1 {
		return nil, emptySource(src)
	}
	dst, p := pasteArea(sp, *req.Destination, src.r2-src.r1+1, src.c2-src.c1+1)
	if p != "" {
		return nil, p
	}
	cells := src.copyCells() // before writing: the two may overlap
	dst.each(func(c *cell, i, j int) {
		if parts.value {
			c.value = cells[i][j].value
		}
		if parts.background {
			c.bg = cells[i][j].bg
		}
	})
	return struct{}{}, ""
}

func pasteOptions(pasteType, orientation string) (parts struct{ value, background bool }, problem string) {
	switch orientation {
	case "", "NORMAL":
	case "TRANSPOSE":
		return parts, "sheetstest does not implement pasteOrientation TRANSPOSE"
	default:
		return parts, fmt.Sprintf("Invalid value at 'requests.copy_paste.paste_orientation' (TYPE_ENUM), %q", orientation)
	}
	if pasteType == "" {
		pasteType = "PASTE_NORMAL" // the API's default
	}
	parts, ok := pasteParts[pasteType]
	if !ok {
		return parts, fmt.Sprintf("sheetstest does not implement pasteType %q", pasteType)
	}
	return parts, ""
}

// pasteArea is where a source of h rows and w columns lands: the
// destination's top-left corner, extended to the source's size along a
// dimension where the destination is smaller, checked against the grid.
func pasteArea(sp *spreadsheet, g gridRange, h, w int) (area, string) {
	t := sp.tabByID(g.SheetID)
	if t == nil {
		return area{}, noGrid(g.SheetID)
	}
	rows, cols := t.rowCount-g.StartRowIndex, t.colCount-g.StartColumnIndex
	if g.EndRowIndex != nil {
		rows = *g.EndRowIndex - g.StartRowIndex
	}
	if g.EndColumnIndex != nil {
		cols = *g.EndColumnIndex - g.StartColumnIndex
	}
	if rows > h || cols > w {
		return area{}, fmt.Sprintf("sheetstest does not implement a destination larger than the source "+
			"(%d×%d onto %d×%d): Google repeats the source to fill a multiple of it; give the top-left cell", h, w, rows, cols)
	}
	a := area{t: t, r1: g.StartRowIndex, c1: g.StartColumnIndex, r2: g.StartRowIndex + h - 1, c2: g.StartColumnIndex + w - 1}
	if a.r1 < 0 || a.c1 < 0 || a.r2 >= t.rowCount || a.c2 >= t.colCount {
		return area{}, fmt.Sprintf("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			formatRange(t.title, max(a.r1, 0), max(a.c1, 0), a.r2, a.c2), t.rowCount, t.colCount)
	}
	return a, ""
}

// emptySource explains a source range without cells: one starting past
// the grid (its end then defaults to the grid's end), or an empty span.
func emptySource(a area) string {
	t := a.t
	if a.r1 >= t.rowCount || a.c1 >= t.colCount {
		return fmt.Sprintf("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			formatRange(t.title, a.r1, a.c1, a.r1, a.c1), t.rowCount, t.colCount)
	}
	return "source must not be empty"
}

// copyCells copies a bounded area's cells, rows first; missing cells are
// empty. Backgrounds are shared: they are never modified in place.
func (a area) copyCells() [][]cell {
	out := make([][]cell, a.r2-a.r1+1)
	for i := range out {
		out[i] = make([]cell, a.c2-a.c1+1)
		for j := range out[i] {
			out[i][j] = a.t.cell(a.r1+i, a.c1+j)
		}
	}
	return out
}
