package csvstore

import "errors"

// Errors for calls that can never succeed; they are refused before the
// tab is touched.
var (
	errEmptyName = errors.New("csvstore: empty spreadsheet id or tab title")
	errNegative  = errors.New("csvstore: negative row or column index")
	errColor     = errors.New(`csvstore: colour is neither "" nor "#RRGGBB"`)
)
