package csvstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"

	"allot/adapters/sheets/stocker"
	"allot/persistence"
)

// Colors returns the background colour of every row of a tab, "" for
// none, in the order of ReadRows; nil when the tab cannot be read. Google
// shows colours to people and the port never reads them back, so this is
// how tests and the playground check what AppendRows coloured.
func (s *Store) Colors(spreadsheet, tab string) []string {
	var colors []string
	err := s.withTable(context.Background(), spreadsheet, tab, func(t *table) bool {
		colors = fit(t.colors, len(t.rows))
		return false
	})
	if err != nil {
		return nil
	}
	return colors
}

// readColors reads a colour sidecar; nil, nil when there is none.
func readColors(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil || len(data) == 0 {
		return []string{}, err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i, line := range lines {
		lines[i] = strings.TrimSuffix(line, "\r")
	}
	return lines, nil
}

// writeColors replaces a colour sidecar, one colour a line.
func writeColors(path string, perm fs.FileMode, colors []string) error {
	return persistence.WriteFileAtomic(path, perm, func(w io.Writer) error {
		for _, c := range colors {
			if _, err := io.WriteString(w, c+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkColors refuses a colour the sidecar could not hold or Google would
// not take.
func checkColors(rows []stocker.Row) error {
	for _, r := range rows {
		if r.Color != "" && !isRGB(r.Color) {
			return errColor
		}
	}
	return nil
}

// isRGB recognises "#RRGGBB" in either case.
func isRGB(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	return strings.Trim(strings.ToLower(c[1:]), "0123456789abcdef") == ""
}
