package sheetstest

import "fmt"

// area is a resolved range: a tab and 0-based inclusive bounds, the ends
// possibly unbounded.
type area struct {
	t      *tab
	r1, c1 int
	r2, c2 int
}

func (s *Server) spreadsheet(id string) (*spreadsheet, *apiError) {
	if sp := s.sheets[id]; sp != nil {
		return sp, nil
	}
	return nil, errNotFound()
}

// resolve finds the tab and cells an A1 range names. A range without a
// title means the first tab, as on Google.
func resolve(sp *spreadsheet, rng string) (area, *apiError) {
	r, err := parseA1(rng, func(title string) bool { return sp.tab(title) != nil })
	if err != nil {
		return area{}, errParseRange(rng)
	}
	t := sp.tabs[0]
	if r.hasSheet {
		if t = sp.tab(r.sheet); t == nil {
			return area{}, errParseRange(rng)
		}
	}
	if r.whole {
		return area{t: t, r2: unbounded, c2: unbounded}, nil
	}
	return area{t: t, r1: r.r1, c1: r.c1, r2: r.r2, c2: r.c2}, nil
}

// clip bounds the area by the grid, as Google does for reads and clears;
// an area that starts outside the grid is an error.
func (a area) clip() (area, *apiError) {
	t := a.t
	if a.r1 >= t.rowCount || a.c1 >= t.colCount {
		return area{}, errInvalid("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			formatRange(t.title, a.r1, a.c1, a.r1, a.c1), t.rowCount, t.colCount)
	}
	if a.r2 == unbounded || a.r2 >= t.rowCount {
		a.r2 = t.rowCount - 1
	}
	if a.c2 == unbounded || a.c2 >= t.colCount {
		a.c2 = t.colCount - 1
	}
	return a, nil
}

// String writes a clipped area as Google writes ranges in responses.
func (a area) String() string { return formatRange(a.t.title, a.r1, a.c1, a.r2, a.c2) }

// cells copies the clipped area's data, rows first or columns first.
func (a area) cells(columns bool) [][]cell {
	last := min(a.r2, a.t.lastRow()-1)
	var out [][]cell
	for i := a.r1; i <= last; i++ {
		r := a.t.rows[i]
		var line []cell
		for j := a.c1; j <= a.c2 && j < len(r); j++ {
			line = append(line, r[j])
		}
		out = append(out, line)
	}
	if columns {
		out = transpose(out)
	}
	return out
}

func transpose[T any](m [][]T) [][]T {
	var out [][]T
	for i, line := range m {
		for j, v := range line {
			for len(out) <= j {
				out = append(out, nil)
			}
			var zero T
			for len(out[j]) < i {
				out[j] = append(out[j], zero)
			}
			out[j] = append(out[j], v)
		}
	}
	return out
}

// render turns cells into the values of a ValueRange: trailing empty cells
// of each line and trailing empty lines are dropped, and an area without a
// value gives nil, which the JSON omits, as Google omits "values".
func render(m [][]cell, unformatted bool) [][]any {
	var out [][]any
	keep := 0
	for _, line := range m {
		n := row(line).lastValue()
		vals := make([]any, n)
		for j := range vals {
			vals[j] = line[j].formatted()
			if unformatted && !line[j].isEmpty() {
				vals[j] = line[j].raw()
			}
		}
		out = append(out, vals)
		if n > 0 {
			keep = len(out)
		}
	}
	return out[:keep:keep]
}

// write puts values into the tab from the area's top-left cell on, growing
// the grid as needed. Null values leave their cell alone; "" clears it.
func (a area) write(vals [][]any, userInput bool) (rows, cols, cells int) {
	for i, line := range vals {
		for j, v := range line {
			val, ok := fromJSON(v, userInput)
			if !ok {
				continue
			}
			a.t.at(a.r1+i, a.c1+j).value = val
			cells++
		}
		cols = max(cols, len(line))
	}
	return len(vals), cols, cells
}

// fits checks that values stay inside a bounded area, as values.update
// demands.
func (a area) fits(rng string, vals [][]any) *apiError {
	if a.r2 != unbounded && a.r1+len(vals)-1 > a.r2 {
		return errInvalid("Requested writing within range [%s], but tried writing to row [%d]", rng, a.r1+len(vals))
	}
	for _, line := range vals {
		if a.c2 != unbounded && a.c1+len(line)-1 > a.c2 {
			return errInvalid("Requested writing within range [%s], but tried writing to column [%s]",
				rng, columnName(a.c1+len(line)-1))
		}
	}
	return nil
}

// writeResult writes values from the area's top-left cell and reports it
// as Google does, with the area actually written.
func (a area) writeResult(spreadsheetID string, vals [][]any, userInput bool) (updateResult, area) {
	rows, cols, cells := a.write(vals, userInput)
	w := area{t: a.t, r1: a.r1, c1: a.c1, r2: a.r1 + rows - 1, c2: a.c1 + cols - 1}
	res := updateResult{SpreadsheetID: spreadsheetID, UpdatedRows: rows, UpdatedColumns: cols, UpdatedCells: cells}
	res.UpdatedRange = formatRange(a.t.title, w.r1, w.c1, max(w.r2, w.r1), max(w.c2, w.c1))
	return res, w
}

// findTable finds the table values.append adds to: the first run of
// non-empty rows at or below the area's first row, looking at the area's
// columns (all columns to the right for a one-column anchor such as A1).
// Rows after an empty row are another table, which is where appends land
// in a sheet with gaps.
func (a area) findTable() (tbl area, found bool) {
	cEnd := a.c2
	if cEnd == unbounded || cEnd == a.c1 {
		cEnd = maxColumns
	}
	filled := func(i int) (lo, hi int, ok bool) {
		r := a.t.rows[i]
		lo, hi = -1, -1
		for j := a.c1; j <= cEnd && j < len(r); j++ {
			if !r[j].isEmpty() {
				hi = j
				if lo < 0 {
					lo = j
				}
			}
		}
		return lo, hi, lo >= 0
	}
	last := len(a.t.rows) - 1
	if a.r2 != unbounded {
		last = min(last, a.r2)
	}
	for top := a.r1; top <= last; top++ {
		lo, hi, ok := filled(top)
		if !ok {
			continue
		}
		tbl = area{t: a.t, r1: top, c1: lo, r2: top, c2: hi}
		for tbl.r2+1 < len(a.t.rows) {
			lo, hi, ok := filled(tbl.r2 + 1)
			if !ok {
				break
			}
			tbl.r2, tbl.c1, tbl.c2 = tbl.r2+1, min(tbl.c1, lo), max(tbl.c2, hi)
		}
		return tbl, true
	}
	return area{}, false
}

// orient turns a ValueRange's values into rows whatever its majorDimension.
func orient(vr valueRange) ([][]any, *apiError) {
	switch vr.MajorDimension {
	case "", "ROWS":
		return vr.Values, nil
	case "COLUMNS":
		return transpose(vr.Values), nil
	}
	return nil, errInvalid("Invalid value at 'data.major_dimension' (TYPE_ENUM), %q", fmt.Sprint(vr.MajorDimension))
}
