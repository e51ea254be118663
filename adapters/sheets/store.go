// Package sheets keeps the distribution stock in Google Sheets: it reads
// stock tabs, marks and removes the rows Allot has claimed, inserts rows
// back, and appends issued items with their status colour. Store is the
// port the pools use; Client implements it on the Sheets API within
// Google's quotas, and csvstore implements it on CSV files for running
// without a Google account.
package sheets

import (
	"context"
	"errors"

	"allot/domain"
)

// Store is what the distribution pools need of a spreadsheet. Row indices
// are 0-based positions in the tab as last read (row 0 is usually the
// header); a person may insert, delete or sort rows at any moment, so an
// index is only a hint and every write that targets rows must be checked
// by reading again (the claim protocol does).
type Store interface {
	// ReadRows returns every row of tab as text (formatted values), ragged
	// rows as they are (no padding), trailing empty rows dropped.
	ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error)
	// SetCells writes single cells (a claim marker next to a row, say) in
	// one request.
	SetCells(ctx context.Context, spreadsheet, tab string, cells []CellValue) error
	// DeleteRows removes the rows at the given indices in one request
	// (applied bottom-up, so the indices all refer to the tab as read).
	DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error
	// InsertRows inserts rows before index at (len(rows) of the tab appends).
	InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error
	// AppendRows appends rows with their background colours, values and
	// colours together, in one write request.
	AppendRows(ctx context.Context, spreadsheet, tab string, rows []ColoredRow) error
	// AppendTabs appends rows to several tabs (by title) in one write
	// request where the backend allows: a flush of every issued tab.
	AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]ColoredRow) error
	// EnsureTab creates tab (empty) in spreadsheet if there is none of that title.
	EnsureTab(ctx context.Context, spreadsheet, tab string) error
	// TakeRows deletes the rows at the given 0-based indices of tab (as last
	// read; repeats ignored) and, in the same atomic request, first copies
	// each of them whole (every column, values as stored) into trash, a tab
	// of the same spreadsheet, at rows at, at+1, … in ascending order of
	// their index. at must be at or past trash's last row with a value;
	// trash grows as needed. Afterwards trash's rows from at hold exactly
	// what was deleted. A failure in flight is ErrAmbiguous (not retried):
	// the caller reads trash to see whether the request applied (it is
	// atomic: all or nothing).
	TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error
}

// CellValue is one cell to write: row and column are 0-based. The type is
// the domain's, so that this package satisfies actors.StockStore.
type CellValue = domain.SheetCell

// ColoredRow is a row to append and the background colour of all its
// cells, "#RRGGBB" or "" for none.
type ColoredRow = domain.SheetRow

// ErrAmbiguous wraps a write that may or may not have been applied (a 5xx,
// a timeout, a cut connection): retrying it blindly could duplicate rows
// or delete twice, so the caller reads the tab and looks for its own
// unique ids before deciding.
var ErrAmbiguous = errors.New("sheets: the write may or may not have been applied")

// ErrUnavailable is returned while the circuit breaker is open: Google has
// been failing, and calls are refused at once rather than queued.
var ErrUnavailable = errors.New("sheets: Google Sheets is failing; not calling it for a while")

// ErrNoTab is returned for a tab that does not exist (renamed or deleted).
var ErrNoTab = errors.New("sheets: no such tab")
