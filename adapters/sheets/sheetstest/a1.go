package sheetstest

import (
	"errors"
	"strconv"
	"strings"
)

// unbounded marks an open end of a range: "A2:C" has no last row.
const unbounded = -1

// maxColumns is Google's column limit (ZZZ); it also bounds what we parse.
const maxColumns = 18278

var errA1 = errors.New("sheetstest: bad A1 notation")

// a1 is a parsed A1 range. Rows and columns are 0-based and inclusive, as
// the grid indices of the API are 0-based; an end may be unbounded.
type a1 struct {
	sheet    string // the title as written, unquoted; "" when absent
	hasSheet bool
	whole    bool // no cell part: the whole sheet
	r1, c1   int
	r2, c2   int
}

// parseA1 splits a range such as 'Выданные'!A1:F into its title and cells.
// A range without "!" is a sheet title if such a tab exists (isTitle says),
// and otherwise cells of the first tab, which is what Google does.
func parseA1(s string, isTitle func(string) bool) (a1, error) {
	if strings.HasPrefix(s, "'") {
		return parseQuoted(s)
	}
	if i := strings.LastIndexByte(s, '!'); i >= 0 {
		if i == 0 {
			return a1{}, errA1
		}
		return withCells(a1{sheet: s[:i], hasSheet: true}, s[i+1:])
	}
	if s == "" {
		return a1{}, errA1
	}
	if isTitle(s) {
		return a1{sheet: s, hasSheet: true, whole: true}, nil
	}
	return withCells(a1{}, s)
}

// parseQuoted reads a quoted title, in which a doubled quote stands for
// one quote, as Sheets writes the title It's.
func parseQuoted(s string) (a1, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		r := a1{sheet: b.String(), hasSheet: true}
		rest := s[i+1:]
		if r.sheet == "" {
			return a1{}, errA1
		}
		if rest == "" {
			r.whole = true
			return r, nil
		}
		if rest[0] != '!' {
			return a1{}, errA1
		}
		return withCells(r, rest[1:])
	}
	return a1{}, errA1 // no closing quote
}

// withCells parses the part after "!": A1, A1:C5, A:C, A2:C, 2:5.
func withCells(r a1, cells string) (a1, error) {
	from, to, isSpan := strings.Cut(cells, ":")
	c1, r1, err := parseCorner(from)
	if err != nil {
		return a1{}, err
	}
	if !isSpan {
		if c1 == unbounded || r1 == unbounded {
			return a1{}, errA1 // "A" or "5" alone is not a range
		}
		r.r1, r.c1, r.r2, r.c2 = r1, c1, r1, c1
		return r, nil
	}
	c2, r2, err := parseCorner(to)
	if err != nil {
		return a1{}, err
	}
	if c1 == unbounded && r2 == unbounded || r1 == unbounded && c2 == unbounded {
		return a1{}, errA1 // "5:C" and "A:5" mix a row with a column
	}
	r.r1, r.c1, r.r2, r.c2 = max(r1, 0), max(c1, 0), r2, c2
	if r.r2 != unbounded && r.r2 < r.r1 {
		r.r1, r.r2 = r.r2, r.r1
	}
	if r.c2 != unbounded && r.c2 < r.c1 {
		r.c1, r.c2 = r.c2, r.c1
	}
	return r, nil
}

// parseCorner reads "B12", "B" or "12" into a 0-based column and row,
// either of which may be unbounded; lower case letters are accepted.
func parseCorner(s string) (col, row int, err error) {
	i := 0
	for i < len(s) && isLetter(s[i]) {
		i++
	}
	letters, digits := s[:i], s[i:]
	if letters == "" && digits == "" || len(letters) > 3 || len(digits) > 7 {
		return 0, 0, errA1
	}
	col, row = unbounded, unbounded
	if letters != "" {
		if col = columnIndex(letters); col >= maxColumns {
			return 0, 0, errA1
		}
	}
	if digits != "" {
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || strings.Trim(digits, "0123456789") != "" {
			return 0, 0, errA1
		}
		row = n - 1
	}
	return col, row, nil
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' }

// columnIndex turns "A" into 0 and "AA" into 26.
func columnIndex(letters string) int {
	n := 0
	for _, b := range []byte(strings.ToUpper(letters)) {
		n = n*26 + int(b-'A') + 1
	}
	return n - 1
}

// columnName turns 0 into "A" and 26 into "AA".
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// quoteTitle writes a title as Google writes it in a range: bare when it is
// a plain ASCII word that cannot be read as a cell, quoted otherwise.
func quoteTitle(title string) string {
	plain := title != ""
	for i := 0; i < len(title); i++ {
		c := title[i]
		plain = plain && (isLetter(c) || c >= '0' && c <= '9' || c == '_')
	}
	if plain && !looksLikeCell(title) {
		return title
	}
	return "'" + strings.ReplaceAll(title, "'", "''") + "'"
}

// looksLikeCell is true for titles such as "A1" or "Q4" that a reader
// would take for a cell.
func looksLikeCell(s string) bool {
	col, row, err := parseCorner(s)
	return err == nil && col != unbounded && row != unbounded
}

// formatRange writes rows r1..r2 and columns c1..c2 (0-based, inclusive)
// of a tab as 'Title'!A1:C5, or 'Title'!A1 for a single cell.
func formatRange(title string, r1, c1, r2, c2 int) string {
	s := quoteTitle(title) + "!" + columnName(c1) + strconv.Itoa(r1+1)
	if r1 == r2 && c1 == c2 {
		return s
	}
	return s + ":" + columnName(c2) + strconv.Itoa(r2+1)
}
