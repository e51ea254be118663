package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Stock rows as the spreadsheet holds them. The first row of a stock tab
// is its header; the columns are the kind's, left to right, and the column
// right after them (ClaimColumn) is Allot's: the claim marker of a row it
// is taking. The issued tab's rows start with the item's unique id, so a
// write whose outcome is unknown is settled by looking for the ids.

// ClaimColumn is the 0-based column of a stock tab's claim markers.
func (k ResourceKind) ClaimColumn() int { return len(k.Columns) }

// ColumnIndex returns the 0-based index of a named column, or -1.
func (k ResourceKind) ColumnIndex(name string) int {
	if name == "" {
		return -1
	}
	return slices.Index(k.Columns, name)
}

// StockTab is one tab rows are taken from, and the variant every row of it
// has ("" when the rows name their variant, or the kind has none).
type StockTab struct {
	Tab     string
	Variant string
}

// StockTabs lists the tabs k's rows are taken from.
func (k ResourceKind) StockTabs() []StockTab {
	var out []StockTab
	if k.StockTab != "" {
		out = append(out, StockTab{Tab: k.StockTab})
	}
	for _, v := range k.Variants {
		if t, ok := k.VariantTabs[v]; ok {
			out = append(out, StockTab{Tab: t, Variant: v})
		}
	}
	return out
}

// StockVariants are the variants that have stock of their own: every
// variant but VariantAny, or the single "" for a kind without variants.
func (k ResourceKind) StockVariants() []string {
	if len(k.Variants) == 0 {
		return []string{""}
	}
	var out []string
	for _, v := range k.Variants {
		if v != VariantAny {
			out = append(out, v)
		}
	}
	return out
}

// RowError says what is wrong with one stock row, by its cell address, for
// the operator's log.
type RowError struct {
	Tab    string
	Cell   string // A1 notation, e.g. "C14"
	Reason string
}

// Error names the cell as the sheet does ("Accounts!C14") and what is wrong.
func (e *RowError) Error() string { return fmt.Sprintf("%s!%s: %s", e.Tab, e.Cell, e.Reason) }

// sciNumber is how a sheet shows a long number (a phone number) in a column
// formatted as a number: 7.99912E+10 has lost digits and must not be issued.
var sciNumber = regexp.MustCompile(`^[0-9](\.[0-9]+)?[Ee][+-]?[0-9]+$`)

// maxCellRunes bounds a stock cell: a 50 KB paste is a mistake, not an account.
const maxCellRunes = 2000

// Route decides which pool a stock row of tab belongs to. row is 0-based
// in the tab. A row that cannot be routed gets a RowError naming the cell.
func (k ResourceKind) Route(t StockTab, row int, cells []string) (region, variant string, err error) {
	cell := func(name string) (string, int) {
		i := k.ColumnIndex(name)
		if i < 0 || i >= len(cells) {
			return "", i
		}
		return strings.TrimSpace(cells[i]), i
	}
	fail := func(col int, format string, args ...any) error {
		return &RowError{Tab: t.Tab, Cell: A1(row, max(col, 0)), Reason: fmt.Sprintf(format, args...)}
	}
	for i, c := range cells {
		if len(c) > maxCellRunes*4 || len([]rune(c)) > maxCellRunes {
			return "", "", fail(i, "cell is %d characters long; at most %d", len([]rune(c)), maxCellRunes)
		}
		if strings.HasPrefix(c, "#") && strings.HasSuffix(c, "!") || c == "#N/A" {
			return "", "", fail(i, "the cell shows a formula error %q", c)
		}
	}
	for i, c := range cells {
		if sciNumber.MatchString(strings.TrimSpace(c)) {
			return "", "", fail(i, "the cell shows %q, a number in scientific notation: format the column as plain text", c)
		}
	}
	if len(cells) == 0 || strings.TrimSpace(cells[0]) == "" {
		return "", "", fail(0, "the first column is empty")
	}
	if k.RegionColumn != "" {
		var col int
		if region, col = cell(k.RegionColumn); region == "" {
			return "", "", fail(col, "no region in column %q", k.RegionColumn)
		}
	}
	variant = t.Variant
	if variant == "" && len(k.Variants) > 0 {
		v, col := cell(k.VariantColumn)
		i := slices.IndexFunc(k.StockVariants(), func(s string) bool { return strings.EqualFold(s, v) })
		if i < 0 {
			return "", "", fail(col, "variant %q is not one of %s", v, strings.Join(k.StockVariants(), ", "))
		}
		variant = k.StockVariants()[i]
	}
	return region, variant, nil
}

// A1 names a 0-based cell in A1 notation.
func A1(row, col int) string {
	name := ""
	for col++; col > 0; col = (col - 1) / 26 {
		name = string(rune('A'+(col-1)%26)) + name
	}
	return fmt.Sprintf("%s%d", name, row+1)
}

// stockDateLayouts are the ways people type a date in a stock tab.
var stockDateLayouts = []string{"02.01.06", "02.01.2006", "2006-01-02", "02/01/2006", "2.1.2006", "2.1.06"}

// ParseStockDate reads a stock row's date as people type it.
func ParseStockDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range stockDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// DatedToday reports whether an item's date column holds today's date (in
// loc). A kind without a "date" column has no dates: every item is fresh.
func (k ResourceKind) DatedToday(cells []string, now time.Time, loc *time.Location) bool {
	i := k.ColumnIndex("date")
	if i < 0 {
		return true
	}
	if i >= len(cells) {
		return false
	}
	d, ok := ParseStockDate(cells[i])
	y1, m1, d1 := d.Date()
	y2, m2, d2 := now.In(loc).Date()
	return ok && y1 == y2 && m1 == m2 && d1 == d2
}

// ReturnPosition is where a returned dated row goes back into a stock tab
// (rows as read, header first): after the last row with the same date, or
// after the last row with an earlier date, so a tab sorted by date stays
// sorted. Without a date column, or when nothing matches, it is the end.
func (k ResourceKind) ReturnPosition(rows [][]string, cells []string) int {
	i := k.ColumnIndex("date")
	if i < 0 || i >= len(cells) {
		return len(rows)
	}
	want, ok := ParseStockDate(cells[i])
	if !ok {
		return len(rows)
	}
	same, earlier := -1, -1
	for r := 1; r < len(rows); r++ {
		if i >= len(rows[r]) {
			continue
		}
		d, ok := ParseStockDate(rows[r][i])
		switch {
		case !ok:
		case d.Equal(want):
			same = r
		case d.Before(want):
			earlier = r
		}
	}
	switch {
	case same >= 0:
		return same + 1
	case earlier >= 0:
		return earlier + 1
	}
	return len(rows)
}

// IssuedRow is the row an item's fate gets in the issued tab: its id (for
// finding it again), the kind, region and variant, the stock cells, the
// status label, who got it and when, and whether the timer confirmed it;
// and the row's colour, the status's ("#RRGGBB" or "").
func (k ResourceKind) IssuedRow(e FeedbackEntry, who string) (cells []string, color string) {
	_, region, variant, _ := SplitPoolKey(strings.SplitN(e.Item.ID, "#", 2)[0])
	st, _ := k.Status(e.Status)
	label := st.LabelIn("ru")
	if label == "" {
		label = e.Status
	}
	auto := ""
	if e.Auto {
		auto = "auto"
	}
	cells = []string{e.Item.ID, k.Code, region, variant}
	cells = append(cells, e.Item.Cells[:min(len(e.Item.Cells), len(k.Columns))]...)
	for len(cells) < 4+len(k.Columns) {
		cells = append(cells, "")
	}
	cells = append(cells, label, who, e.At.UTC().Format("2006-01-02 15:04:05"), auto)
	return cells, st.Color
}
