package sheets_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"allot/adapters/sheets"
	"allot/adapters/sheets/sheetstest"
	"allot/adapters/sheets/stocktest"
)

// TestClient_Contract runs the stock port's contract against the Google
// client on the fake server, so that it is held to the same cases as the
// CSV store.
func TestClient_Contract(t *testing.T) {
	const book = "book"
	stocktest.RunStoreContract(t, func(t *testing.T) stocktest.Fixture {
		srv := sheetstest.New(sheetstest.WithoutQuotas())
		t.Cleanup(srv.Close)
		noWait := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		c, err := sheets.NewClient(t.Context(), sheets.Config{Enabled: true, Endpoint: srv.URL()},
			sheets.WithClock(time.Now, noWait))
		stocktest.Must(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return stocktest.Fixture{
			Store:       c,
			Spreadsheet: book,
			Put:         func(_ testing.TB, tab string, rows [][]string) { srv.SetRows(book, tab, rows) },
			Colors:      func(_ testing.TB, tab string) []string { return fakeColors(srv, book, tab) },
		}
	})
}

// envContractSpreadsheet names a spreadsheet the contract may fill and
// empty on Google itself (shared with the service account as an editor).
const envContractSpreadsheet = "SHEETS_CONTRACT_SPREADSHEET"

// TestClient_ContractGoogle runs the contract against Google itself when
// a service account (GOOGLE_CREDENTIALS_JSON or GOOGLE_CREDENTIALS_FILE,
// as the program reads them) and SHEETS_CONTRACT_SPREADSHEET are set. It
// needs credentials, so CI skips it like everyone else. Colours are not
// checked (the port cannot read them), and hand edits go through the port.
func TestClient_ContractGoogle(t *testing.T) {
	book := os.Getenv(envContractSpreadsheet)
	if book == "" || os.Getenv(sheets.EnvCredentialsJSON)+os.Getenv(sheets.EnvCredentialsFile) == "" {
		t.Skipf("%s and %s or %s are not set", envContractSpreadsheet, sheets.EnvCredentialsJSON, sheets.EnvCredentialsFile)
	}
	cfg, err := sheets.ConfigFromEnv(func(k string) string {
		switch k {
		case sheets.EnvStockSpreadsheet, sheets.EnvIssuedSpreadsheet:
			return book
		case sheets.EnvEndpoint:
			return ""
		}
		return os.Getenv(k)
	})
	stocktest.Must(t, err)
	stocktest.RunStoreContract(t, func(t *testing.T) stocktest.Fixture {
		c, err := sheets.NewClient(t.Context(), cfg)
		stocktest.Must(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return stocktest.Fixture{Store: c, Spreadsheet: book}
	})
}

// fakeColors reads the background of column A of every row of a tab of
// the fake as "#RRGGBB", "" for none.
func fakeColors(srv *sheetstest.Server, book, tab string) []string {
	rows := srv.Rows(book, tab)
	out := make([]string, len(rows))
	for i := range rows {
		if bg := srv.Cell(book, tab, i, 0).Background; bg != nil {
			out[i] = fmt.Sprintf("#%02X%02X%02X", byte(bg.Red*255+0.5), byte(bg.Green*255+0.5), byte(bg.Blue*255+0.5))
		}
	}
	return out
}
