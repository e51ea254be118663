// Package stocker moves distribution stock between a spreadsheet and the
// engine's pools: it claims rows into pools that run low, deletes claimed
// rows with a receipt, returns items that must go back, and appends staff
// feedback to the issued tabs and proxy changes to the proxies tab.
//
// It lives under adapters/sheets, not beside the engine, because it speaks
// the spreadsheet's language (tabs, rows, claim markers, trash tabs) and is
// the only user of the stock port: the engine knows nothing of
// spreadsheets and sees the running loop only as an actors.StockLoop to
// poke, flush and stop. Its neighbours are the port's implementations
// (package sheets on Google, csvstore on CSV files), the fake Google
// (sheetstest) and the port's contract suite (stocktest).
//
// The package declares what it needs: Store, the spreadsheet, with its
// whole contract, and Engine, the few engine methods it calls; time comes
// from one injected clock (Options.Clock). One goroutine does all the
// spreadsheet work, so the spreadsheet sees one writer, and the pools
// never wait for it. Everything it decides is journaled in the pools
// before or after the matching write, so a crash at any point loses no
// row and issues none twice (see Stocker.pass).
package stocker
