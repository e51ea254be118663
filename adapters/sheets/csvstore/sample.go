package csvstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"allot/persistence"
)

// WriteSample creates the tabs of one spreadsheet under dir with the given
// rows (title to rows, the header first), so that the playground and
// tests have stock to hand out without Google. A tab that already exists
// is left as it is: a restart must not put back stock that was issued, nor
// undo a person's edits. Call it before a Store uses the same tabs.
func WriteSample(dir, spreadsheet string, tabs map[string][][]string) error {
	name, err := fileName(spreadsheet)
	if err != nil {
		return err
	}
	sheetDir := filepath.Join(dir, name)
	if err := os.MkdirAll(sheetDir, 0o755); err != nil {
		return fmt.Errorf("csvstore: write sample: %w", err)
	}
	for _, title := range slices.Sorted(maps.Keys(tabs)) {
		if err := writeNewTab(sheetDir, title, tabs[title]); err != nil {
			return fmt.Errorf("csvstore: write sample tab %q: %w", title, err)
		}
	}
	return nil
}

// writeNewTab creates a tab file unless it exists, removing colours left
// from an earlier tab of that name.
func writeNewTab(sheetDir, title string, rows [][]string) error {
	name, err := fileName(title)
	if err != nil {
		return err
	}
	base := filepath.Join(sheetDir, name)
	if _, err := os.Lstat(base + tabExt); !errors.Is(err, fs.ErrNotExist) {
		return err // nil when the tab exists
	}
	if err := os.Remove(base + colorExt); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return persistence.WriteFileAtomic(base+tabExt, newFilePerm, func(w io.Writer) error {
		return writeRows(w, trimEmpty(rows), dialect{})
	})
}
