package sheets

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"allot/adapters/sheets/stocker"
)

// ReadRows reads every row of a tab as a person sees it (FORMATTED_VALUE,
// so numbers come as Google formats them), with one values.get. A tab
// that does not exist is ErrNoTab. Reads are retried on 429s, 5xx and
// timeouts.
func (c *Client) ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error) {
	rng := quoteTitle(tab) + "!A:ZZ"
	var vr *valueRange
	err := c.do(ctx, op{name: "read", tab: tab, idempotent: true}, func(ctx context.Context) error {
		var err error
		vr, err = c.api.getValues(ctx, spreadsheet, rng)
		return err
	})
	if isNoTab(err) {
		c.tabs.forget(tabKey{spreadsheet, tab}) // renamed: its sheetId must not be used for this title
		return nil, noTab(spreadsheet, tab, err)
	}
	if err != nil {
		return nil, err
	}
	return textRows(vr.Values), nil
}

// textRows turns a values response into text rows: ragged as returned,
// trailing empty rows dropped, nil for an empty tab.
func textRows(values [][]any) [][]string {
	n := len(values)
	for n > 0 && emptyRow(values[n-1]) {
		n--
	}
	if n == 0 {
		return nil
	}
	rows := make([][]string, n)
	for i, vals := range values[:n] {
		rows[i] = make([]string, len(vals))
		for j, v := range vals {
			rows[i][j] = cellText(v)
		}
	}
	return rows
}

func emptyRow(vals []any) bool {
	for _, v := range vals {
		if cellText(v) != "" {
			return false
		}
	}
	return true
}

// SetCells writes cells as text (RAW: "+7999…" keeps its plus) with one
// values:batchUpdate, one range per cell. Writing the same values twice
// is harmless, so it is retried like a read.
func (c *Client) SetCells(ctx context.Context, spreadsheet, tab string, cells []stocker.Cell) error {
	if len(cells) == 0 {
		return nil
	}
	for _, cv := range cells {
		if cv.Row < 0 || cv.Col < 0 {
			return fmt.Errorf("sheets: set cells %q: no cell at row %d, column %d", tab, cv.Row, cv.Col)
		}
	}
	data := cellRuns(tab, cells)
	req := &batchUpdateValuesRequest{ValueInputOption: "RAW", Data: data}
	err := c.do(ctx, op{name: "set cells", tab: tab, write: true, idempotent: true}, func(ctx context.Context) error {
		return c.api.batchUpdateValues(ctx, spreadsheet, req)
	})
	if isNoTab(err) {
		c.tabs.forget(tabKey{spreadsheet, tab})
		return noTab(spreadsheet, tab, err)
	}
	return err
}

// DeleteRows deletes rows with one spreadsheets.batchUpdate of
// deleteDimension requests, bottom-up so that every index refers to the
// tab as read. Repeated indices are deleted once; adjacent ones go in one
// request. A failure in flight is ErrAmbiguous: deleting twice would
// delete someone else's row.
func (c *Client) DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error {
	spans, err := bottomUp(rows)
	if err != nil || len(spans) == 0 {
		return err
	}
	return c.batchUpdate(ctx, op{name: "delete rows", tab: tab, write: true}, spreadsheet, func(id int64) []request {
		reqs := make([]request, len(spans))
		for i, s := range spans {
			reqs[i] = request{DeleteDimension: &deleteDimensionRequest{Range: rowRange(id, s.start, s.end)}}
		}
		return reqs
	})
}

// cellRuns groups cells into ranges: cells of one column in consecutive
// rows, given in order, become one range of one column (a claim marks a
// run of rows at once), so a request carries a few ranges rather than one
// per cell. The result writes exactly the given cells.
func cellRuns(tab string, cells []stocker.Cell) []valueRange {
	var out []valueRange
	for i := 0; i < len(cells); {
		j := i + 1
		for j < len(cells) && cells[j].Col == cells[i].Col && cells[j].Row == cells[j-1].Row+1 {
			j++
		}
		vals := make([][]any, 0, j-i)
		for _, cv := range cells[i:j] {
			vals = append(vals, []any{cv.Value})
		}
		rng := cellRange(tab, cells[i].Row, cells[i].Col)
		if j-i > 1 {
			rng += ":" + columnName(cells[i].Col) + strconv.Itoa(cells[j-1].Row+1)
		}
		out = append(out, valueRange{Range: rng, Values: vals})
		i = j
	}
	return out
}

// rowRun is rows [start, end).
type rowRun struct{ start, end int }

// bottomUp sorts row indices from the highest down, drops repeats and
// joins adjacent rows into spans.
func bottomUp(rows []int) ([]rowRun, error) {
	sorted := slices.Clone(rows)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	if len(sorted) > 0 && sorted[0] < 0 {
		return nil, fmt.Errorf("sheets: delete rows: no row %d", sorted[0])
	}
	var spans []rowRun
	for i := len(sorted) - 1; i >= 0; i-- {
		r := sorted[i]
		if n := len(spans); n > 0 && spans[n-1].start == r+1 {
			spans[n-1].start = r
			continue
		}
		spans = append(spans, rowRun{r, r + 1})
	}
	return spans, nil
}

// rowRange is rows [start, end) of a tab. Its zeros are sent: Google
// reads a missing one as 0 too, but sending them states the intent
// (sheetId 0 is the first tab, startIndex 0 the header).
func rowRange(sheetID int64, start, end int) dimensionRange {
	return dimensionRange{SheetID: sheetID, Dimension: "ROWS", StartIndex: int64(start), EndIndex: int64(end)}
}

// InsertRows inserts rows before row at, and writes their cells as text,
// in one spreadsheets.batchUpdate (insertDimension, then updateCells): a
// reader never sees the empty rows. Not retried after a failure in flight
// (ErrAmbiguous): a second insert would duplicate the rows.
func (c *Client) InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error {
	if len(rows) == 0 {
		return nil
	}
	if at < 0 {
		return fmt.Errorf("sheets: insert rows %q: no row %d", tab, at)
	}
	data := make([]rowData, len(rows))
	for i, r := range rows {
		data[i] = textRow(r, nil)
	}
	return c.batchUpdate(ctx, op{name: "insert rows", tab: tab, write: true}, spreadsheet, func(id int64) []request {
		return []request{
			// inheritFromBefore false: new rows take the format of the row
			// below, a data row, not of a header above.
			{InsertDimension: &insertDimensionRequest{Range: rowRange(id, at, at+len(rows)), InheritFromBefore: false}},
			{UpdateCells: &updateCellsRequest{
				Start:  gridCoordinate{SheetID: id, RowIndex: int64(at), ColumnIndex: 0},
				Rows:   data,
				Fields: "userEnteredValue",
			}},
		}
	})
}

// AppendRows appends rows after the tab's last row with a value, values
// and background colours together, with one spreadsheets.batchUpdate
// carrying one appendCells: one write request, applied atomically. Not
// retried after a failure in flight (ErrAmbiguous): the caller reads the
// tab and looks for its rows.
func (c *Client) AppendRows(ctx context.Context, spreadsheet, tab string, rows []stocker.Row) error {
	return c.AppendTabs(ctx, spreadsheet, map[string][]stocker.Row{tab: rows})
}

// AppendTabs is AppendRows for several tabs of one spreadsheet at once: one
// spreadsheets.batchUpdate with one appendCells per tab, so a flush of
// every issued tab is one write request, applied all or nothing.
func (c *Client) AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]stocker.Row) error {
	var tabs []string
	var data [][]rowData
	for _, tab := range slices.Sorted(maps.Keys(rows)) {
		if len(rows[tab]) == 0 {
			continue
		}
		d := make([]rowData, len(rows[tab]))
		for i, r := range rows[tab] {
			var bg *color
			if r.Color != "" {
				var err error
				if bg, err = parseColor(r.Color); err != nil {
					return fmt.Errorf("sheets: append rows %q: row %d: %w", tab, i, err)
				}
			}
			d[i] = textRow(r.Cells, bg)
		}
		tabs, data = append(tabs, tab), append(data, d)
	}
	if len(tabs) == 0 {
		return nil
	}
	return c.batchUpdateTabs(ctx, op{name: "append rows", tab: strings.Join(tabs, ", "), write: true}, spreadsheet, tabs,
		func(ids []int64) []request {
			reqs := make([]request, len(tabs))
			for i := range tabs {
				reqs[i] = request{AppendCells: &appendCellsRequest{
					SheetID: ids[i],
					Rows:    data[i],
					Fields:  "userEnteredValue,userEnteredFormat.backgroundColor",
				}}
			}
			return reqs
		})
}
