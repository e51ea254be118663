package sheetstest

import (
	"encoding/json"
	"fmt"
)

// span resolves a DimensionRange to a tab and [start, end) within its grid
// along the dimension; a missing end means the end of the grid.
func span(sp *spreadsheet, d dimensionRange) (t *tab, rows bool, start, end int, problem string) {
	if t = sp.tabByID(d.SheetID); t == nil {
		return nil, false, 0, 0, noGrid(d.SheetID)
	}
	size := t.colCount
	switch d.Dimension {
	case "ROWS":
		rows, size = true, t.rowCount
	case "COLUMNS":
	default:
		return nil, false, 0, 0, fmt.Sprintf("range.dimension must be ROWS or COLUMNS, got %q", d.Dimension)
	}
	start, end = d.StartIndex, size
	if d.EndIndex != nil {
		end = *d.EndIndex
	}
	if start < 0 || start >= end {
		return nil, false, 0, 0, fmt.Sprintf("range.startIndex (%d) must be less than range.endIndex (%d)", start, end)
	}
	return t, rows, start, end, ""
}

// deleteDimension removes rows or columns [startIndex, endIndex). Several
// in one batch apply one after another, each to what the previous left,
// which is why a client deletes from the bottom up.
func deleteDimension(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Range dimensionRange `json:"range"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	t, rows, start, end, p := span(sp, req.Range)
	if p != "" {
		return nil, p
	}
	size, what := t.colCount, "columns"
	if rows {
		size, what = t.rowCount, "rows"
	}
	if end > size {
		return nil, fmt.Sprintf("Cannot delete %s [%d, %d): the sheet %q has only %d %s.", what, start, end, t.title, size, what)
	}
	if start == 0 && end == size {
		return nil, fmt.Sprintf("You can't delete all the %s on the sheet.", what)
	}
	if rows {
		t.deleteRows(start, end)
	} else {
		t.deleteColumns(start, end)
	}
	return struct{}{}, ""
}

// insertDimension inserts empty rows or columns before startIndex. The
// new cells carry no formatting here (Google may copy it from a neighbor).
func insertDimension(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Range             dimensionRange `json:"range"`
		InheritFromBefore bool           `json:"inheritFromBefore"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	if req.Range.EndIndex == nil {
		return nil, "range.endIndex must be set"
	}
	t, rows, start, end, p := span(sp, req.Range)
	if p != "" {
		return nil, p
	}
	size := t.colCount
	if rows {
		size = t.rowCount
	}
	if start > size {
		return nil, fmt.Sprintf("Cannot insert at index %d: the sheet %q has only %d.", start, t.title, size)
	}
	if start == 0 && req.InheritFromBefore {
		return nil, "Cannot inherit from the dimension before index 0."
	}
	if rows {
		t.insertRows(start, end-start)
	} else {
		t.insertColumns(start, end-start)
	}
	return struct{}{}, ""
}

// appendDimension grows the grid at its end.
func appendDimension(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		SheetID   int64  `json:"sheetId"`
		Dimension string `json:"dimension"`
		Length    int    `json:"length"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	t := sp.tabByID(req.SheetID)
	switch {
	case t == nil:
		return nil, noGrid(req.SheetID)
	case req.Length <= 0:
		return nil, "length must be positive"
	case req.Dimension == "ROWS":
		t.rowCount += req.Length
	case req.Dimension == "COLUMNS":
		t.colCount += req.Length
	default:
		return nil, fmt.Sprintf("dimension must be ROWS or COLUMNS, got %q", req.Dimension)
	}
	return struct{}{}, ""
}

type newSheetProperties struct {
	SheetID        *int64          `json:"sheetId"`
	Title          string          `json:"title"`
	GridProperties *gridProperties `json:"gridProperties"`
}

// addSheet adds a tab at the end and replies with its properties, the way
// a client learns the sheetId Google chose.
func addSheet(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Properties newSheetProperties `json:"properties"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	pr := req.Properties
	for n := len(sp.tabs) + 1; pr.Title == ""; n++ {
		if name := fmt.Sprintf("Sheet%d", n); sp.tab(name) == nil {
			pr.Title = name
		}
	}
	if sp.tab(pr.Title) != nil {
		return nil, fmt.Sprintf("A sheet with the name %q already exists. Please enter another name.", pr.Title)
	}
	if pr.SheetID != nil && sp.tabByID(*pr.SheetID) != nil {
		return nil, fmt.Sprintf("Sheet with id %d already exists.", *pr.SheetID)
	}
	t := sp.addTab(pr.Title)
	if pr.SheetID != nil {
		t.id = *pr.SheetID
	}
	if g := pr.GridProperties; g != nil && g.RowCount > 0 && g.ColumnCount > 0 {
		t.rowCount, t.colCount = g.RowCount, g.ColumnCount
	}
	return map[string]any{"addSheet": map[string]any{"properties": t.properties(len(sp.tabs) - 1)}}, ""
}

func deleteSheet(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		SheetID int64 `json:"sheetId"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	for i, t := range sp.tabs {
		if t.id != req.SheetID {
			continue
		}
		if len(sp.tabs) == 1 {
			return nil, "You can't remove all the visible sheets in a document."
		}
		sp.tabs = append(sp.tabs[:i:i], sp.tabs[i+1:]...)
		return struct{}{}, ""
	}
	return nil, fmt.Sprintf("No sheet with id: %d", req.SheetID)
}

// updateSheetProperties renames a tab; other properties are accepted and
// ignored.
func updateSheetProperties(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Properties newSheetProperties `json:"properties"`
		Fields     string             `json:"fields"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	m := parseMask(req.Fields)
	if len(m) == 0 {
		return nil, noFields
	}
	var id int64
	if req.Properties.SheetID != nil {
		id = *req.Properties.SheetID
	}
	t := sp.tabByID(id)
	if t == nil {
		return nil, fmt.Sprintf("No sheet with id: %d", id)
	}
	if m.has("title") {
		if other := sp.tab(req.Properties.Title); other != nil && other != t {
			return nil, fmt.Sprintf("A sheet with the name %q already exists. Please enter another name.", req.Properties.Title)
		}
		t.title = req.Properties.Title
	}
	return struct{}{}, ""
}
