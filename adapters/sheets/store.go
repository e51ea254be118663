// Package sheets keeps the distribution stock in Google Sheets: Client
// implements the stock port (stocker.Store) on the Sheets API within
// Google's quotas. It reads stock tabs, marks and removes the rows Allot
// has claimed, inserts rows back, and appends issued items with their
// status colour. csvstore implements the same port on CSV files for
// running without a Google account, and sheetstest fakes the API.
package sheets

import (
	"errors"

	"allot/adapters/sheets/stocker"
)

// Client is the stock port on Google Sheets.
var _ stocker.Store = (*Client)(nil)

// The port's errors, under this package's name too, for callers of the
// client that do not otherwise know the stocker: they are the same values.
var (
	// ErrAmbiguous is stocker.ErrAmbiguous: a write that may or may not
	// have been applied.
	ErrAmbiguous = stocker.ErrAmbiguous
	// ErrNoTab is stocker.ErrNoTab: a tab (or spreadsheet) that does not
	// exist.
	ErrNoTab = stocker.ErrNoTab
)

// ErrUnavailable is returned while the circuit breaker is open: Google has
// been failing, and calls are refused at once rather than queued.
var ErrUnavailable = errors.New("sheets: Google Sheets is failing; not calling it for a while")
