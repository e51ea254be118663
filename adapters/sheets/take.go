package sheets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// EnsureTab creates tab, empty, with one spreadsheets.batchUpdate
// (addSheet) unless a fresh look-up finds it. Creating a tab twice leaves
// one tab, so it is retried like a read; Google's "already exists" answer
// (a retry after a failure in flight, or someone else creating it
// meanwhile) counts as success. A missing spreadsheet is ErrNoTab.
func (c *Client) EnsureTab(ctx context.Context, spreadsheet, tab string) error {
	_, err := c.sheetID(ctx, spreadsheet, tab, true)
	if !errors.Is(err, ErrNoTab) || isNoTab(err) { // found, failed, or no spreadsheet
		return err
	}
	req := &batchUpdateRequest{Requests: []request{
		{AddSheet: &addSheetRequest{Properties: sheetProperties{Title: tab}}}, // no sheetId: Google picks one
	}}
	var resp *batchUpdateResponse
	err = c.do(ctx, op{name: "create tab", tab: tab, write: true, idempotent: true}, func(ctx context.Context) error {
		var err error
		resp, err = c.api.batchUpdate(ctx, spreadsheet, req)
		return err
	})
	if isTabExists(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if r := resp.Replies; len(r) == 1 && r[0].AddSheet != nil && r[0].AddSheet.Properties != nil {
		c.tabs.put(tabKey{spreadsheet, tab}, r[0].AddSheet.Properties.SheetID)
	}
	return nil
}

// isTabExists tells Google's answer to an addSheet whose title is taken.
func isTabExists(err error) bool {
	var gerr *apiError
	return errors.As(err, &gerr) && gerr.Code == http.StatusBadRequest &&
		strings.Contains(gerr.Message, "already exists")
}

// TakeRows deletes rows with a receipt, in one spreadsheets.batchUpdate:
// appendDimension grows trash by as many rows as are taken, then for each
// span of adjacent rows, bottom-up, a copyPaste (PASTE_NORMAL: every
// column, values as stored and formats) into trash and the span's
// deleteDimension. Whatever the deletes hit, people's edits since the
// caller's read included, is in trash afterwards. Repeated indices are
// taken once. Not retried after a failure in flight (ErrAmbiguous): the
// caller reads trash, which shows whether the batch applied.
//
// A formula is pasted as a formula, its relative references moved with
// it as in the browser, so its copy may show another value (or #REF!, for
// a reference to a deleted row); stock rows hold plain values.
//
// The copies fit the grid of trash when at is within it and tab is no
// wider, as is usual; otherwise Google refuses the batch (nothing is
// applied), and TakeRows reads both grids' sizes, grows trash to fit and
// sends once more.
func (c *Client) TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error {
	spans, err := bottomUp(rows)
	switch {
	case err != nil:
		return fmt.Errorf("sheets: take rows %q: %w", tab, err)
	case len(spans) == 0:
		return nil
	case at < 0:
		return fmt.Errorf("sheets: take rows %q: no row %d in %q", tab, at, trash)
	case trash == tab:
		return fmt.Errorf("sheets: take rows %q: the trash must be another tab", tab)
	}
	tk := take{spans: spans, at: at, growRows: count(spans)}
	o := op{name: "take rows", tab: tab, write: true}
	err = c.batchUpdateTabs(ctx, o, spreadsheet, []string{tab, trash}, tk.requests)
	if !isOutsideGrid(err) {
		return err
	}
	// Nothing was applied (a 400). Unless the grids are not the reason,
	// grow trash to fit and send once more.
	ok, lerr := c.fitTrash(ctx, spreadsheet, tab, trash, &tk)
	switch {
	case lerr != nil:
		return errors.Join(err, lerr)
	case !ok:
		return err
	}
	return c.batchUpdateTabs(ctx, o, spreadsheet, []string{tab, trash}, tk.requests)
}

// take is one TakeRows request: the spans to take, bottom-up, where their
// copies go in trash, and how much trash's grid must grow to hold them.
type take struct {
	spans              []rowRun
	at                 int
	growRows, growCols int
}

// requests builds the batch for the sheetIds of the tab and of trash. The
// lowest span's copy goes first in trash although it is taken last.
func (tk take) requests(ids []int64) []request {
	src, dst := ids[0], ids[1]
	var reqs []request
	if tk.growRows > 0 {
		reqs = append(reqs, appendDimension(dst, "ROWS", tk.growRows))
	}
	if tk.growCols > 0 {
		reqs = append(reqs, appendDimension(dst, "COLUMNS", tk.growCols))
	}
	below := count(tk.spans) // rows taken from spans below this one
	for _, s := range tk.spans {
		below -= s.end - s.start
		reqs = append(reqs,
			request{CopyPaste: &copyPasteRequest{
				Source:           wholeRows(src, s.start, s.end),
				Destination:      corner(dst, tk.at+below),
				PasteType:        "PASTE_NORMAL",
				PasteOrientation: "NORMAL",
			}},
			request{DeleteDimension: &deleteDimensionRequest{Range: rowRange(src, s.start, s.end)}})
	}
	return reqs
}

// fitTrash reads the grids of tab and trash and sets how much trash must
// grow for the copies to fit: as many rows as are taken (keeping the
// slack it had) plus any gap up to at, and the columns tab has more. It
// is false when the grids are not the reason (a row past tab's grid).
func (c *Client) fitTrash(ctx context.Context, spreadsheet, tab, trash string, tk *take) (bool, error) {
	props, err := c.lookUp(ctx, spreadsheet, tab)
	if err != nil {
		return false, err
	}
	from, to := grid(props[tab]), grid(props[trash])
	if from == nil || to == nil || int64(tk.spans[0].end) > from.RowCount {
		return false, nil // a tab is gone (the next call says so) or a row is past the grid
	}
	tk.growRows = count(tk.spans) + max(0, tk.at-int(to.RowCount))
	tk.growCols = int(max(0, from.ColumnCount-to.ColumnCount))
	return true, nil
}

func grid(p *sheetProperties) *gridProperties {
	if p == nil {
		return nil
	}
	return p.GridProperties
}

func count(spans []rowRun) int {
	n := 0
	for _, s := range spans {
		n += s.end - s.start
	}
	return n
}

func appendDimension(sheetID int64, dimension string, n int) request {
	return request{AppendDimension: &appendDimensionRequest{SheetID: sheetID, Dimension: dimension, Length: int64(n)}}
}

// wholeRows is rows [start, end) of a tab, every column of its grid (no
// column bounds: unbounded on both sides).
func wholeRows(sheetID int64, start, end int) gridRange {
	return gridRange{SheetID: sheetID, StartRowIndex: int64(start), EndRowIndex: int64(end)}
}

// corner is the single cell at column A of a row, the destination of a
// paste. A one-cell destination takes the source whole, whatever its
// size; a larger one would be filled with repeats of the source when it
// is a multiple of its height or width, which an unbounded range (the
// rest of the grid) can be.
func corner(sheetID int64, row int) gridRange {
	return gridRange{
		SheetID: sheetID, StartRowIndex: int64(row), EndRowIndex: int64(row) + 1,
		StartColumnIndex: new(int64(0)), EndColumnIndex: new(int64(1)),
	}
}

// isOutsideGrid tells Google's answer for a range past the grid's last
// row or column.
func isOutsideGrid(err error) bool {
	var gerr *apiError
	return errors.As(err, &gerr) && gerr.Code == http.StatusBadRequest &&
		strings.Contains(gerr.Message, "exceeds grid limits")
}
