package csvstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"allot/adapters/sheets/stocker"
	"allot/adapters/sheets/stocktest"
)

func TestStore_TakeRows(t *testing.T) {
	s, dir := open(t)
	f := stocktest.Fixture{Store: s, Spreadsheet: book}

	t.Run("rows past the end are taken as empty rows", func(t *testing.T) {
		putFile(t, dir, stockTab, [][]string{{"h"}, {"a"}})
		putFile(t, dir, trashTab, [][]string{{"earlier"}})
		must(t, s.TakeRows(t.Context(), book, stockTab, []int{9, 1, 5}, trashTab, 1))
		f.WantRows(t, stockTab, [][]string{{"h"}})
		f.WantRows(t, trashTab, [][]string{{"earlier"}, {"a"}}) // then two empty rows, trimmed
		must(t, s.TakeRows(t.Context(), book, stockTab, []int{7}, trashTab, 2))
		f.WantRows(t, stockTab, [][]string{{"h"}})
		f.WantRows(t, trashTab, [][]string{{"earlier"}, {"a"}})
	})
	t.Run("uncoloured rows keep a coloured trash's sidecar aligned", func(t *testing.T) {
		putFile(t, dir, stockTab, [][]string{{"h"}, {"a"}})
		putFile(t, dir, trashTab, nil)
		must(t, s.AppendRows(t.Context(), book, trashTab, []stocker.Row{{Cells: []string{"x"}, Color: "#FFFFFF"}}))
		must(t, s.TakeRows(t.Context(), book, stockTab, []int{1}, trashTab, 2))
		f.WantRows(t, trashTab, [][]string{{"x"}, {}, {"a"}})
		if got, want := s.Colors(book, trashTab), []string{"#FFFFFF", "", ""}; !slices.Equal(got, want) {
			t.Errorf("trash colours = %q, want %q", got, want)
		}
	})
	t.Run("no colour, no sidecar", func(t *testing.T) {
		must(t, os.Remove(filepath.Join(dir, book, trashTab+".colors")))
		putFile(t, dir, stockTab, [][]string{{"h"}, {"a"}})
		putFile(t, dir, trashTab, nil)
		must(t, s.TakeRows(t.Context(), book, stockTab, []int{1}, trashTab, 0))
		for _, tab := range []string{stockTab, trashTab} {
			if _, err := os.Stat(filepath.Join(dir, book, tab+".colors")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%q got a colour file: %v", tab, err)
			}
		}
	})
}

func TestStore_TakeRowsRefusals(t *testing.T) {
	s, dir := open(t)
	f := stocktest.Fixture{Store: s, Spreadsheet: book}
	rows := [][]string{{"h"}, {"a"}}
	putFile(t, dir, stockTab, rows)
	putFile(t, dir, trashTab, nil)
	for name, err := range map[string]error{
		"a negative row":       s.TakeRows(t.Context(), book, stockTab, []int{1, -1}, trashTab, 0),
		"a negative at":        s.TakeRows(t.Context(), book, stockTab, []int{1}, trashTab, -1),
		"the trash is the tab": s.TakeRows(t.Context(), book, stockTab, []int{1}, stockTab, 2),
		"an empty trash name":  s.TakeRows(t.Context(), book, stockTab, []int{1}, "", 0),
	} {
		if err == nil {
			t.Errorf("%s: TakeRows worked", name)
		}
	}
	f.WantRows(t, stockTab, rows)
	f.WantRows(t, trashTab, nil)
}

// TestStore_TakeRowsBothWays: takes between two tabs in both directions at
// once neither deadlock (locks are taken in one order) nor lose a row.
func TestStore_TakeRowsBothWays(t *testing.T) {
	s, dir := open(t)
	const n = 20
	var a, b [][]string
	for i := range n {
		a, b = append(a, []string{fmt.Sprint("a", i)}), append(b, []string{fmt.Sprint("b", i)})
	}
	putFile(t, dir, "A", a)
	putFile(t, dir, "B", b)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range n {
		from, to := "A", "B"
		if i%2 == 1 {
			from, to = to, from
		}
		wg.Go(func() {
			// Each paste lands 2n rows past the previous one: takes shift
			// pasted rows up by at most n, so no paste lands on another.
			if err := s.TakeRows(ctx, book, from, []int{0}, to, 2*n*(i+1)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var all []string
	for _, tab := range []string{"A", "B"} {
		rows, err := s.ReadRows(t.Context(), book, tab)
		must(t, err)
		for _, r := range rows {
			if len(r) > 0 {
				all = append(all, r[0])
			}
		}
	}
	if slices.Sort(all); len(all) != 2*n || len(slices.Compact(slices.Clone(all))) != 2*n {
		t.Errorf("%d rows after the takes, want %d distinct: %q", len(all), 2*n, all)
	}
}

func TestStore_EnsureTab(t *testing.T) {
	s, dir := open(t)
	putFile(t, dir, stockTab, [][]string{{"h"}})
	stale := filepath.Join(dir, book, trashTab+".colors")
	must(t, os.WriteFile(stale, []byte("#FFFFFF\n"), 0o644))

	must(t, s.EnsureTab(t.Context(), book, trashTab))
	data, err := os.ReadFile(filepath.Join(dir, book, trashTab+".csv"))
	if err != nil || len(data) != 0 {
		t.Errorf("trash file = %q, %v; want an empty file", data, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("colours of an earlier tab of that name were kept: %v", err)
	}
	must(t, s.AppendRows(t.Context(), book, trashTab, []stocker.Row{{Cells: []string{"kept"}}}))
	must(t, s.EnsureTab(t.Context(), book, trashTab))
	stocktest.Fixture{Store: s, Spreadsheet: book}.WantRows(t, trashTab, [][]string{{"kept"}})

	if err := s.EnsureTab(t.Context(), "no such book", trashTab); !errors.Is(err, stocker.ErrNoTab) {
		t.Errorf("EnsureTab in a missing spreadsheet: %v, want ErrNoTab", err)
	}
	if err := s.EnsureTab(t.Context(), book, ""); err == nil {
		t.Error("EnsureTab with an empty title worked")
	}
}
