package sheetstest

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Color is a cell's background. Components run from 0 to 1, as in the API;
// alpha is left out because Sheets draws every background solid.
type Color struct {
	Red, Green, Blue float64
}

// Cell is one cell as a test sees it: what a person reads in the browser,
// what UNFORMATTED_VALUE returns, and the background. The zero Cell is an
// empty cell without formatting.
type Cell struct {
	Value      string // as FORMATTED_VALUE shows it
	Raw        any    // as UNFORMATTED_VALUE returns it: string, float64, bool or nil
	Background *Color // nil when no background was set
}

type kind uint8

const (
	empty kind = iota
	text
	number
	boolean
)

// value is what a cell holds. Formulas are kept as their text: the fake
// does not evaluate them.
type value struct {
	kind kind
	text string
	num  float64
	b    bool
}

type cell struct {
	value
	bg *Color // shared, never modified in place
}

type row []cell

// numberPattern is what Sheets reads as a number when a person types it:
// "+79991234567" and "007" become numbers, losing the plus and the zeros.
var numberPattern = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// userEntered parses a string as Sheets parses what a person types, or
// what valueInputOption USER_ENTERED sends: numbers and TRUE/FALSE are
// recognised, a leading apostrophe forces text and is dropped. Dates,
// percentages and currencies stay text here (see the package doc).
func userEntered(s string) value {
	switch {
	case s == "":
		return value{}
	case strings.HasPrefix(s, "'"):
		return value{kind: text, text: s[1:]}
	case strings.EqualFold(s, "TRUE"), strings.EqualFold(s, "FALSE"):
		return value{kind: boolean, b: strings.EqualFold(s, "TRUE")}
	case numberPattern.MatchString(strings.TrimSpace(s)):
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err == nil && !math.IsInf(f, 0) {
			return value{kind: number, num: f}
		}
	}
	return value{kind: text, text: s}
}

// fromJSON turns one decoded JSON cell of a ValueRange into a value; ok is
// false for null, which leaves the cell as it is.
func fromJSON(v any, userInput bool) (val value, ok bool) {
	switch v := v.(type) {
	case nil:
		return value{}, false
	case string:
		if userInput {
			return userEntered(v), true
		}
		if v == "" {
			return value{}, true
		}
		return value{kind: text, text: v}, true
	case float64:
		return value{kind: number, num: v}, true
	case bool:
		return value{kind: boolean, b: v}, true
	default: // objects and arrays: Google refuses them
		return value{}, false
	}
}

// formatted is what FORMATTED_VALUE shows: numbers in Sheets' automatic
// format, booleans as TRUE and FALSE.
func (v value) formatted() string {
	switch v.kind {
	case text:
		return v.text
	case number:
		return formatNumber(v.num)
	case boolean:
		if v.b {
			return "TRUE"
		}
		return "FALSE"
	}
	return ""
}

// raw is what UNFORMATTED_VALUE returns: a JSON number for numbers.
func (v value) raw() any {
	switch v.kind {
	case text:
		return v.text
	case number:
		return v.num
	case boolean:
		return v.b
	}
	return nil
}

// formatNumber approximates the automatic format: whole numbers in full
// up to 15 digits, others with up to 10 significant decimals, scientific
// notation outside that.
func formatNumber(f float64) string {
	a := math.Abs(f)
	if a != 0 && (a >= 1e15 || a < 1e-9) {
		return strings.ToUpper(strconv.FormatFloat(f, 'g', 6, 64))
	}
	s := strconv.FormatFloat(f, 'f', 10, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// export turns a cell into what tests see.
func (c cell) export() Cell {
	return Cell{Value: c.formatted(), Raw: c.raw(), Background: c.bg}
}

// isEmpty is true for a cell without a value, even one with a background:
// Google trims those from value responses and does not count them as data.
func (c cell) isEmpty() bool { return c.kind == empty }

// lastValue is the index after the last non-empty cell of a row.
func (r row) lastValue() int {
	n := len(r)
	for n > 0 && r[n-1].isEmpty() {
		n--
	}
	return n
}

// texts shows a row as FORMATTED_VALUE does, trailing empties trimmed.
func (r row) texts() []string {
	out := make([]string, r.lastValue())
	for i := range out {
		out[i] = r[i].formatted()
	}
	return out
}

// rowFromStrings builds a row as if a person typed the strings.
func rowFromStrings(ss []string) row {
	r := make(row, len(ss))
	for i, s := range ss {
		r[i].value = userEntered(s)
	}
	return r
}
