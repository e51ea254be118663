package csvstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"allot/adapters/sheets/stocker"
	"allot/persistence"
)

// newFilePerm is the permission of tab files the store creates; a rewrite
// keeps the permission a file already has.
const newFilePerm fs.FileMode = 0o644

// Store keeps spreadsheets as directories of CSV files under one data
// directory (see the package doc). It is safe for concurrent use.
type Store struct {
	dir   string
	locks locks
}

var _ stocker.Store = (*Store)(nil)

// Open returns the store kept under dir, creating dir if it is missing,
// so that a fresh data directory works without a setup step. A
// spreadsheet is a subdirectory; tabs are created by WriteSample or by
// hand, as on Google they are created by a person, and by EnsureTab.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("csvstore: open: %w", err)
	}
	return &Store{dir: dir}, nil
}

// ReadRows implements stocker.Store: the rows of the file as it is now. A
// missing tab or spreadsheet is stocker.ErrNoTab.
func (s *Store) ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error) {
	var rows [][]string
	err := s.withTable(ctx, spreadsheet, tab, func(t *table) bool {
		rows = t.rows
		return false
	})
	return rows, err
}

// SetCells implements stocker.Store, growing the tab and short rows with
// empty cells to reach a cell; writing "" where no cell exists adds none.
func (s *Store) SetCells(ctx context.Context, spreadsheet, tab string, cells []stocker.Cell) error {
	if slices.ContainsFunc(cells, func(c stocker.Cell) bool { return c.Row < 0 || c.Col < 0 }) {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.setCells(cells) })
}

// DeleteRows implements stocker.Store. A repeated index deletes its row
// once; an index past the last row is ignored (it names an empty row).
func (s *Store) DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error {
	if slices.ContainsFunc(rows, func(i int) bool { return i < 0 }) {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.deleteRows(rows) })
}

// InsertRows implements stocker.Store; an index past the end leaves empty
// rows between the last row and the new ones.
func (s *Store) InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error {
	if at < 0 {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.insertRows(at, rows) })
}

// AppendRows implements stocker.Store: the rows go after the last row with
// a value and their colours into the sidecar (see Colors).
func (s *Store) AppendRows(ctx context.Context, spreadsheet, tab string, rows []stocker.Row) error {
	if err := checkColors(rows); err != nil {
		return err
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.appendRows(rows) })
}

// AppendTabs implements stocker.Store: AppendRows for each tab under all of
// their locks, so a reader never sees some tabs appended and not others.
// Files cannot change together atomically: a crash between two writes
// leaves some appended, which the caller's look for its ids settles.
func (s *Store) AppendTabs(ctx context.Context, spreadsheet string, rows map[string][]stocker.Row) error {
	tabs := slices.Sorted(maps.Keys(rows))
	for _, tab := range tabs {
		if err := checkColors(rows[tab]); err != nil {
			return err
		}
	}
	if len(tabs) == 0 {
		return nil
	}
	return s.withTables(ctx, spreadsheet, tabs, func(ts []*table) bool {
		changed := false
		for i, t := range ts {
			changed = t.appendRows(rows[tabs[i]]) || changed
		}
		return changed
	})
}

// EnsureTab implements stocker.Store: it creates the tab's file, empty,
// unless it exists. A missing spreadsheet (directory) is stocker.ErrNoTab,
// as Google has no tab in a spreadsheet that does not exist.
func (s *Store) EnsureTab(ctx context.Context, spreadsheet, tab string) error {
	base, err := s.tabPath(spreadsheet, tab)
	if err != nil {
		return err
	}
	release, err := s.locks.acquire(ctx, base)
	if err != nil {
		return fmt.Errorf("csvstore: tab %q: %w", tab, err)
	}
	defer release()
	if _, err := os.Stat(filepath.Dir(base)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: spreadsheet %q", stocker.ErrNoTab, spreadsheet)
	}
	if err := writeNewTab(filepath.Dir(base), tab, nil); err != nil {
		return fmt.Errorf("csvstore: create tab %q of %q: %w", tab, spreadsheet, err)
	}
	return nil
}

// TakeRows implements stocker.Store. Indices past the last row name empty
// rows: they are taken as empty rows of trash. Both tabs are locked (in
// the order of their paths, so two calls cannot wait on each other) and
// rewritten, trash first: a crash between the two files leaves the rows
// in the tab and their copies in trash, never a row gone without its
// copy.
func (s *Store) TakeRows(ctx context.Context, spreadsheet, tab string, rows []int, trash string, at int) error {
	switch {
	case at < 0 || slices.ContainsFunc(rows, func(i int) bool { return i < 0 }):
		return errNegative
	case tab == trash:
		return fmt.Errorf("csvstore: take rows of %q: the trash must be another tab", tab)
	case len(rows) == 0:
		return nil
	}
	return s.withTables(ctx, spreadsheet, []string{trash, tab}, func(t []*table) bool {
		taken, colors := t[1].takeRows(rows)
		t[0].paste(at, taken, colors)
		return true
	})
}

// takeRows removes the rows at the given indices and returns them in
// ascending order of index, with their colours (nil when the tab has no
// colour file).
func (t *table) takeRows(indices []int) (taken [][]string, colors []string) {
	sorted := slices.Compact(slices.Sorted(slices.Values(indices)))
	for _, i := range sorted {
		var row []string
		if i < len(t.rows) {
			row = t.rows[i]
		}
		taken = append(taken, row)
		if t.colors != nil {
			colors = append(colors, nth(t.colors, i))
		}
	}
	t.deleteRows(sorted)
	return taken, colors
}

// paste writes rows over the tab from row at on, growing it as needed,
// and their colours ("" for none when colors is nil) into the sidecar,
// creating it only for a colour to keep.
func (t *table) paste(at int, rows [][]string, colors []string) {
	t.rows = grow(t.rows, at+len(rows))
	copy(t.rows[at:], rows)
	if t.colors == nil && slices.ContainsFunc(colors, func(c string) bool { return c != "" }) {
		t.colors = []string{}
	}
	if t.colors != nil {
		t.colors = grow(t.colors, at+len(rows))
		for i := range rows {
			t.colors[at+i] = nth(colors, i)
		}
	}
}

// nth is s[i], or the zero value past its end.
func nth[T any](s []T, i int) T {
	var zero T
	if i < len(s) {
		return s[i]
	}
	return zero
}

// withTable reads a tab under its lock, lets change edit it and writes it
// back when change reports a change.
func (s *Store) withTable(ctx context.Context, spreadsheet, tab string, change func(*table) bool) error {
	return s.withTables(ctx, spreadsheet, []string{tab}, func(t []*table) bool { return change(t[0]) })
}

// withTables is withTable for several tabs of one spreadsheet changed
// together: it takes their locks in the order of their paths, reads them
// all, and writes them back in the order given when change reports a
// change. Each file is replaced atomically; the set is not.
func (s *Store) withTables(ctx context.Context, spreadsheet string, tabs []string, change func([]*table) bool) error {
	bases := make([]string, len(tabs))
	for i, tab := range tabs {
		var err error
		if bases[i], err = s.tabPath(spreadsheet, tab); err != nil {
			return err
		}
	}
	order := make([]int, len(tabs)) // by path: two calls lock in one order
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(bases[i], bases[j]) })
	for _, i := range order {
		release, err := s.locks.acquire(ctx, bases[i])
		if err != nil {
			return fmt.Errorf("csvstore: tab %q: %w", tabs[i], err)
		}
		defer release()
	}
	ts, perms := make([]*table, len(tabs)), make([]fs.FileMode, len(tabs))
	for i, base := range bases {
		var err error
		if ts[i], perms[i], err = load(base); err != nil {
			return fmt.Errorf("csvstore: read tab %q of %q: %w", tabs[i], spreadsheet, err)
		}
	}
	if !change(ts) {
		return nil
	}
	for i, base := range bases {
		ts[i].normalize()
		if err := save(base, perms[i], ts[i]); err != nil {
			return fmt.Errorf("csvstore: write tab %q of %q: %w", tabs[i], spreadsheet, err)
		}
	}
	return nil
}

// tabPath is the path of a tab's files without their extension.
func (s *Store) tabPath(spreadsheet, tab string) (string, error) {
	dir, err := fileName(spreadsheet)
	if err != nil {
		return "", err
	}
	name, err := fileName(tab)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.dir, dir, name), nil
}

// load reads a tab's rows and colours and the permission of its file.
func load(base string) (*table, fs.FileMode, error) {
	f, err := os.Open(base + tabExt)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, stocker.ErrNoTab
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close() // opened for reading: closing cannot lose data
	info, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	t := &table{}
	if t.rows, t.dialect, err = parseRows(data); err != nil {
		return nil, 0, err
	}
	if t.colors, err = readColors(base + colorExt); err != nil {
		return nil, 0, err
	}
	t.normalize()
	return t, info.Mode().Perm(), nil
}

// save writes the rows, then the colours: a crash between the two costs
// colours, never rows.
func save(base string, perm fs.FileMode, t *table) error {
	err := persistence.WriteFileAtomic(base+tabExt, perm, func(w io.Writer) error {
		return writeRows(w, t.rows, t.dialect)
	})
	if err != nil || t.colors == nil {
		return err
	}
	return writeColors(base+colorExt, perm, t.colors)
}
