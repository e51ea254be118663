package playground

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"allot/adapters/sheets"
	"allot/adapters/sheets/csvstore"
	"allot/domain"
)

func seedKinds(t testing.TB) domain.KindsConfig {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kinds.json"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := domain.ParseKinds(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSampleStock checks that every sample row is one the distribution
// takes: it routes to a pool of a configured region and variant, and a
// phone number is dated today.
func TestSampleStock(t *testing.T) {
	kinds := seedKinds(t)
	today := time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC)
	tabs := SampleStock(kinds, today)
	for _, k := range kinds.Kinds {
		for _, tab := range k.StockTabs() {
			t.Run(tab.Tab, func(t *testing.T) {
				rows := tabs[tab.Tab]
				if want := 1 + len(kinds.RegionsOf(k))*SampleRows; len(rows) != want {
					t.Fatalf("%d rows, want %d (the header and %d per region)", len(rows), want, SampleRows)
				}
				if !reflect.DeepEqual(rows[0], k.Columns) {
					t.Errorf("header %q, want %q", rows[0], k.Columns)
				}
				pools := map[string]int{}
				for i, row := range rows[1:] {
					region, variant, err := k.Route(tab, i+1, row)
					if err != nil {
						t.Fatalf("row %q: %v", row, err)
					}
					if !k.DatedToday(row, today, time.UTC) {
						t.Errorf("row %q is not dated today", row)
					}
					pools[region+"/"+variant]++
				}
				if want := len(kinds.RegionsOf(k)) * len(stockVariantsOf(k, tab)); len(pools) != want {
					t.Errorf("rows fill %d pools (%v), want %d", len(pools), pools, want)
				}
			})
		}
	}
	if !reflect.DeepEqual(tabs, SampleStock(kinds, today)) {
		t.Error("the same kinds and day gave other rows")
	}
}

func stockVariantsOf(k domain.ResourceKind, tab domain.StockTab) []string {
	if tab.Variant != "" {
		return []string{tab.Variant}
	}
	return k.StockVariants()
}

// TestWriteSampleStock checks that the sample lands where the CSV store
// reads it, and that a tab that exists is left alone.
func TestWriteSampleStock(t *testing.T) {
	kinds := seedKinds(t)
	dir := t.TempDir()
	if err := WriteSampleStock(dir, kinds, time.Now()); err != nil {
		t.Fatal(err)
	}
	edited := [][]string{{"date", "number", "region"}}
	k, ok := kinds.Kind("beboo")
	if !ok {
		t.Fatal("no beboo in the seed's kinds")
	}
	beboo := k.StockTab
	if err := os.WriteFile(filepath.Join(dir, sheets.FakeStockSpreadsheet, beboo+".csv"), []byte("date,number,region\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSampleStock(dir, kinds, time.Now()); err != nil {
		t.Fatal(err)
	}
	store, err := csvstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	read := func(tab string) ([][]string, error) {
		return store.ReadRows(context.Background(), sheets.FakeStockSpreadsheet, tab)
	}
	got, err := read(beboo)
	if err != nil || !reflect.DeepEqual(got, edited) {
		t.Errorf("an existing tab was rewritten: %q, %v", got, err)
	}
	vk, _ := read(kinds.Kinds[0].StockTab)
	if len(vk) != 1+len(kinds.Regions)*SampleRows {
		t.Errorf("the first tab has %d rows", len(vk))
	}
}
