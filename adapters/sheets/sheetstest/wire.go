package sheetstest

import "strings"

// The request types of spreadsheets.batchUpdate, as far as the fake reads
// them. Every number the Go client may omit because it is zero is either a
// plain field (missing means 0, as on Google) or, where "missing" means
// something else, a pointer.

type wireColor struct {
	Red   float64 `json:"red"`
	Green float64 `json:"green"`
	Blue  float64 `json:"blue"`
}

type wireFormat struct {
	BackgroundColor      *wireColor `json:"backgroundColor"`
	BackgroundColorStyle *struct {
		RgbColor *wireColor `json:"rgbColor"`
	} `json:"backgroundColorStyle"`
}

type wireValue struct {
	StringValue  *string  `json:"stringValue"`
	NumberValue  *float64 `json:"numberValue"`
	BoolValue    *bool    `json:"boolValue"`
	FormulaValue *string  `json:"formulaValue"`
}

type wireCell struct {
	UserEnteredValue  *wireValue  `json:"userEnteredValue"`
	UserEnteredFormat *wireFormat `json:"userEnteredFormat"`
}

type wireRow struct {
	Values []wireCell `json:"values"`
}

// gridRange: a missing start is 0 and a missing end is unbounded, which is
// also what an end of 0 becomes once the Go client has omitted it.
type gridRange struct {
	SheetID          int64 `json:"sheetId"`
	StartRowIndex    int   `json:"startRowIndex"`
	EndRowIndex      *int  `json:"endRowIndex"`
	StartColumnIndex int   `json:"startColumnIndex"`
	EndColumnIndex   *int  `json:"endColumnIndex"`
}

type gridCoordinate struct {
	SheetID     int64 `json:"sheetId"`
	RowIndex    int   `json:"rowIndex"`
	ColumnIndex int   `json:"columnIndex"`
}

type dimensionRange struct {
	SheetID    int64  `json:"sheetId"`
	Dimension  string `json:"dimension"`
	StartIndex int    `json:"startIndex"`
	EndIndex   *int   `json:"endIndex"`
}

// value is what a userEnteredValue stores. A stringValue stays text even
// when it looks like a number: only valueInputOption USER_ENTERED parses.
func (v *wireValue) value() value {
	switch {
	case v == nil:
		return value{}
	case v.StringValue != nil:
		if *v.StringValue == "" {
			return value{}
		}
		return value{kind: text, text: *v.StringValue}
	case v.NumberValue != nil:
		return value{kind: number, num: *v.NumberValue}
	case v.BoolValue != nil:
		return value{kind: boolean, b: *v.BoolValue}
	case v.FormulaValue != nil:
		return value{kind: text, text: *v.FormulaValue}
	}
	return value{}
}

// background reads a format's background; backgroundColorStyle wins over
// backgroundColor, as the API documents. A theme color reads as none.
func (f *wireFormat) background() *Color {
	if f == nil {
		return nil
	}
	c := f.BackgroundColor
	if f.BackgroundColorStyle != nil {
		c = f.BackgroundColorStyle.RgbColor
	}
	if c == nil {
		return nil
	}
	return &Color{Red: c.Red, Green: c.Green, Blue: c.Blue}
}

// mask is a field mask such as "userEnteredValue,userEnteredFormat.backgroundColor"
// or "userEnteredFormat(backgroundColor,textFormat)".
type mask []string

func parseMask(s string) mask {
	var out mask
	prefix := ""
	for _, part := range splitMask(s) {
		if i := strings.IndexByte(part, '('); i >= 0 {
			prefix = part[:i] + "."
			part = part[i+1:]
		}
		closing := strings.HasSuffix(part, ")")
		part = strings.TrimSuffix(part, ")")
		if part != "" {
			out = append(out, prefix+part)
		}
		if closing {
			prefix = ""
		}
	}
	return out
}

func splitMask(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// has says whether the mask selects path: "*" and parents select it.
func (m mask) has(path string) bool {
	for _, e := range m {
		if e == "*" || e == path || strings.HasPrefix(path, e+".") {
			return true
		}
	}
	return false
}

// apply writes the fields of src the mask selects into c. A selected field
// src leaves out is cleared, as Google clears it.
func (m mask) apply(c *cell, src wireCell) {
	if m.has("userEnteredValue") {
		c.value = src.UserEnteredValue.value()
	}
	if m.has("userEnteredFormat.backgroundColor") || m.has("userEnteredFormat.backgroundColorStyle") {
		c.bg = src.UserEnteredFormat.background()
	}
}
