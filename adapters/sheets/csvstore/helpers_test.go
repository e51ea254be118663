package csvstore_test

import "allot/adapters/sheets/stocktest"

// The contract's tab names, for the store's own cases too.
const (
	stockTab = stocktest.StockTab
	trashTab = stocktest.TrashTab
)

var must = stocktest.Must
