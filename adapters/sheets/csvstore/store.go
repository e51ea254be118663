package csvstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"allot/adapters/sheets"
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

var _ sheets.Store = (*Store)(nil)

// Open returns the store kept under dir, creating dir if it is missing,
// so that a fresh data directory works without a setup step. A
// spreadsheet is a subdirectory; tabs are created by WriteSample or by
// hand, as on Google they are created by a person.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("csvstore: open: %w", err)
	}
	return &Store{dir: dir}, nil
}

// ReadRows implements sheets.Store: the rows of the file as it is now. A
// missing tab or spreadsheet is sheets.ErrNoTab.
func (s *Store) ReadRows(ctx context.Context, spreadsheet, tab string) ([][]string, error) {
	var rows [][]string
	err := s.withTable(ctx, spreadsheet, tab, func(t *table) bool {
		rows = t.rows
		return false
	})
	return rows, err
}

// SetCells implements sheets.Store, growing the tab and short rows with
// empty cells to reach a cell; writing "" where no cell exists adds none.
func (s *Store) SetCells(ctx context.Context, spreadsheet, tab string, cells []sheets.CellValue) error {
	if slices.ContainsFunc(cells, func(c sheets.CellValue) bool { return c.Row < 0 || c.Col < 0 }) {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.setCells(cells) })
}

// DeleteRows implements sheets.Store. A repeated index deletes its row
// once; an index past the last row is ignored (it names an empty row).
func (s *Store) DeleteRows(ctx context.Context, spreadsheet, tab string, rows []int) error {
	if slices.ContainsFunc(rows, func(i int) bool { return i < 0 }) {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.deleteRows(rows) })
}

// InsertRows implements sheets.Store; an index past the end leaves empty
// rows between the last row and the new ones.
func (s *Store) InsertRows(ctx context.Context, spreadsheet, tab string, at int, rows [][]string) error {
	if at < 0 {
		return errNegative
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.insertRows(at, rows) })
}

// AppendRows implements sheets.Store: the rows go after the last row with
// a value and their colours into the sidecar (see Colors).
func (s *Store) AppendRows(ctx context.Context, spreadsheet, tab string, rows []sheets.ColoredRow) error {
	if err := checkColors(rows); err != nil {
		return err
	}
	return s.withTable(ctx, spreadsheet, tab, func(t *table) bool { return t.appendRows(rows) })
}

// withTable reads a tab under its lock, lets change edit it and writes it
// back when change reports a change.
func (s *Store) withTable(ctx context.Context, spreadsheet, tab string, change func(*table) bool) error {
	base, err := s.tabPath(spreadsheet, tab)
	if err != nil {
		return err
	}
	release, err := s.locks.acquire(ctx, base)
	if err != nil {
		return fmt.Errorf("csvstore: tab %q: %w", tab, err)
	}
	defer release()
	t, perm, err := load(base)
	if err != nil {
		return fmt.Errorf("csvstore: read tab %q of %q: %w", tab, spreadsheet, err)
	}
	if !change(t) {
		return nil
	}
	t.normalize()
	if err := save(base, perm, t); err != nil {
		return fmt.Errorf("csvstore: write tab %q of %q: %w", tab, spreadsheet, err)
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
		return nil, 0, sheets.ErrNoTab
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
