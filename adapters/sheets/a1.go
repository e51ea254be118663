package sheets

import (
	"fmt"
	"strconv"
	"strings"
)

// quoteTitle quotes a tab's title for A1 notation, doubling each quote
// inside it. Quoting every title is always valid and spares deciding
// which titles need it (spaces, Cyrillic, ones that look like cells).
func quoteTitle(tab string) string {
	return "'" + strings.ReplaceAll(tab, "'", "''") + "'"
}

// columnName is the A1 name of a 0-based column: 0 is A, 25 Z, 26 AA.
func columnName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append(b, byte('A'+(col-1)%26))
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// cellRange is the A1 range of one cell of a tab, by 0-based row and column.
func cellRange(tab string, row, col int) string {
	return quoteTitle(tab) + "!" + columnName(col) + strconv.Itoa(row+1)
}

// parseColor reads "#RRGGBB" as the API's colour, components from 0 to 1.
// Zero components are sent anyway, so that black is black to any reader.
func parseColor(s string) (*color, error) {
	if len(s) != 7 || s[0] != '#' {
		return nil, fmt.Errorf("colour %q is not #RRGGBB", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return nil, fmt.Errorf("colour %q is not #RRGGBB", s)
	}
	return &color{
		Red:   float64(v>>16&0xff) / 255,
		Green: float64(v>>8&0xff) / 255,
		Blue:  float64(v&0xff) / 255,
	}, nil
}

// textRow is a row of cells typed as text, as RAW input stores them: a
// phone number keeps its plus and a code its leading zeros. An empty
// string is an empty cell, not a cell holding "".
func textRow(cells []string, bg *color) rowData {
	r := rowData{Values: make([]cellData, len(cells))}
	for i, s := range cells {
		if s != "" {
			r.Values[i].UserEnteredValue = &extendedValue{StringValue: &s}
		}
		if bg != nil {
			r.Values[i].UserEnteredFormat = &cellFormat{BackgroundColor: bg}
		}
	}
	return r
}

// cellText is a cell of a values response as text. FORMATTED_VALUE
// returns strings; the other cases guard against a number slipping
// through, which must not read as 7.9991234567e+10.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	}
	return fmt.Sprint(v)
}
