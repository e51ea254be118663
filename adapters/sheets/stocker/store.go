package stocker

import (
	"context"
	"errors"
)

// Store is the spreadsheet as the stocker needs it: the stock port. The
// Google client (package sheets) and the CSV store (package csvstore)
// implement it; stocktest.RunStoreContract holds both to this contract.
//
// Spreadsheets and tabs are named by id and title. Row and column indices
// are 0-based positions in a tab as last read (row 0 is usually the
// header). A person may insert, delete or sort rows at any moment, so an
// index is only a hint: every write applies to the tab as it is now, and
// a caller that targets rows checks by reading again (the claim protocol
// does). Nothing is cached between calls: each read shows hand edits.
//
// Threading: every method is safe for concurrent use. The stocker calls
// one at a time from its goroutine, but a store may be shared (the load
// test, the contract's concurrent appends); concurrent appends lose no row.
//
// Errors: a tab or spreadsheet that does not exist is an error wrapping
// ErrNoTab, for every method (EnsureTab's own tab aside). A write whose
// outcome is unknown (a 5xx, a timeout, a cut connection after sending)
// wraps ErrAmbiguous and is never retried by the store, since repeating
// it could duplicate rows or delete twice: the caller reads and looks for
// its own unique ids or markers. A store may retry writes that are
// harmless twice (SetCells, EnsureTab) and reads. A cancelled ctx ends a
// call and writes nothing not yet sent. Calls with nothing to write
// (empty cells, rows or indices) succeed and change nothing.
type Store interface {
	// ReadRows returns every row of tab as text (as a person sees it),
	// ragged rows as they are (no padding), inner empty rows kept and
	// trailing empty rows dropped; nil for an empty tab.
	ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error)
	// SetCells writes single cells (a claim marker next to a row, say) in
	// one request, in order (a later cell of the same address wins),
	// growing short rows and the tab as needed.
	SetCells(ctx context.Context, spreadsheet, tab string, cells []Cell) error
	// DeleteRows removes the rows at the given indices in one request,
	// applied bottom-up so the indices all refer to the tab as read;
	// repeats are ignored. Deleting every row leaves an empty tab.
	DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error
	// InsertRows inserts rows before index at (len(rows) of the tab
	// appends), values as text.
	InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error
	// AppendRows appends rows after the tab's last row with a value,
	// values and background colours together, in one write request.
	AppendRows(ctx context.Context, spreadsheet, tab string, rows []Row) error
	// AppendTabs is AppendRows for several tabs (by title) of one
	// spreadsheet, in one write request where the backend allows and
	// all or nothing: a flush of every issued tab.
	AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]Row) error
	// EnsureTab creates tab, empty, in spreadsheet unless there is one of
	// that title; an existing tab is left alone. A missing spreadsheet is
	// ErrNoTab.
	EnsureTab(ctx context.Context, spreadsheet, tab string) error
	// TakeRows deletes the rows at the given indices of tab (as last read;
	// repeats ignored) and, in the same atomic request, first copies each
	// of them whole (every column, values as stored, colours) into trash,
	// a tab of the same spreadsheet, at rows at, at+1, … in ascending
	// order of their index. at must be at or past trash's last row with a
	// value; trash grows as needed (empty rows up to at). Afterwards
	// trash's rows from at hold exactly what was deleted, even if the
	// indices hit rows a person moved there: the delete's receipt. A
	// failure in flight is ErrAmbiguous: the caller reads trash to see
	// whether the request applied (it is all or nothing).
	TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error
}

// Cell is one cell to write: row and column are 0-based.
type Cell struct {
	Row, Col int
	Value    string
}

// Row is a row to append and the background colour of all its cells,
// "#RRGGBB" or "" for none: the issued tabs show an item's fate by colour.
type Row struct {
	Cells []string
	Color string
}

// The port's errors. Their text keeps the "sheets:" prefix it has always
// had, since the admins' alerts quote it.
var (
	// ErrAmbiguous wraps a write that may or may not have been applied:
	// retrying it blindly could duplicate rows or delete twice, so the
	// caller reads the tab and looks for its own unique ids first.
	ErrAmbiguous = errors.New("sheets: the write may or may not have been applied")
	// ErrNoTab wraps a call on a tab or spreadsheet that does not exist
	// (renamed or deleted): only a person can fix it, so the stocker
	// tells the admins after a few in a row.
	ErrNoTab = errors.New("sheets: no such tab")
)
