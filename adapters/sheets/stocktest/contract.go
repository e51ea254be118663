// Package stocktest is the contract of the stock port (stocker.Store) as
// a test suite any implementation can run: the CSV store, the Google
// client on the fake server (sheetstest), and Google itself when a test
// spreadsheet and credentials are given. It lives outside _test files so
// that every implementation's tests import the same cases.
package stocktest

import (
	"context"
	"slices"
	"testing"

	"allot/adapters/sheets/stocker"
)

// Fixture is a store under test and what the contract needs besides the
// port. The store's own spreadsheet id is needed because a Store names
// spreadsheets by id and the contract must not guess one (Google's are
// random); colours cannot be read through the port.
type Fixture struct {
	Store       stocker.Store
	Spreadsheet string // an existing spreadsheet the contract may fill and empty
	// Put creates or replaces a tab behind the store's back, as a person
	// does; the contract also uses it for hand edits between two calls.
	// Nil: through the store itself (EnsureTab, DeleteRows, InsertRows).
	Put func(t testing.TB, tab string, rows [][]string)
	// Colors returns the background colour of every row of a tab,
	// "#RRGGBB" or ""; nil when the implementation cannot show colours
	// (those checks are then skipped).
	Colors func(t testing.TB, tab string) []string
}

// RunStoreContract runs every case of the port's contract, each on a
// fresh fixture from newStore.
func RunStoreContract(t *testing.T, newStore func(t *testing.T) Fixture) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newStore(t)
			if f.Put == nil {
				f.Put = f.putThroughStore
			}
			c.run(t, f)
		})
	}
}

// StockTab is a Cyrillic title with a space, as real stock tabs have;
// TrashTab is named as the stocker names a stock tab's trash.
const (
	StockTab = "Мамба Муж"
	TrashTab = "allot trash · Мамба Муж"
)

// putThroughStore replaces a tab's rows with the port's own calls, for a
// backend the contract cannot reach behind its back (Google).
func (f Fixture) putThroughStore(t testing.TB, tab string, rows [][]string) {
	t.Helper()
	ctx := t.Context()
	Must(t, f.Store.EnsureTab(ctx, f.Spreadsheet, tab))
	old := f.Read(t, tab)
	all := make([]int, len(old))
	for i := range all {
		all[i] = i
	}
	Must(t, f.Store.DeleteRows(ctx, f.Spreadsheet, tab, all))
	Must(t, f.Store.InsertRows(ctx, f.Spreadsheet, tab, 0, rows))
}

// Read returns the rows of a tab through the port, failing t on an error.
func (f Fixture) Read(t testing.TB, tab string) [][]string {
	t.Helper()
	rows, err := f.Store.ReadRows(t.Context(), f.Spreadsheet, tab)
	Must(t, err)
	return rows
}

// WantRows fails t unless tab holds want, an empty row being nil or
// empty: the one comparison every store test makes.
func (f Fixture) WantRows(t testing.TB, tab string, want [][]string) {
	t.Helper()
	got := f.Read(t, tab)
	if !slices.EqualFunc(got, want, func(a, b []string) bool { return slices.Equal(a, b) }) {
		t.Errorf("rows of %q =\n%q\nwant\n%q", tab, got, want)
	}
}

// WantColors fails t unless the rows of tab have the colours want; it
// does nothing when the fixture cannot show colours.
func (f Fixture) WantColors(t testing.TB, tab string, want []string) {
	t.Helper()
	if f.Colors == nil {
		return
	}
	if got := f.Colors(t, tab); !slices.Equal(got, want) {
		t.Errorf("colours of %q = %q, want %q", tab, got, want)
	}
}

// Must fails t at once on an error.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctx(t testing.TB) context.Context { return t.Context() }
