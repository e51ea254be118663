package sheetstest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

type gridProperties struct {
	RowCount    int `json:"rowCount"`
	ColumnCount int `json:"columnCount"`
}

type sheetProperties struct {
	SheetID        int64          `json:"sheetId"`
	Title          string         `json:"title"`
	Index          int            `json:"index"`
	SheetType      string         `json:"sheetType"`
	GridProperties gridProperties `json:"gridProperties"`
}

func (t *tab) properties(index int) sheetProperties {
	return sheetProperties{
		SheetID: t.id, Title: t.title, Index: index, SheetType: "GRID",
		GridProperties: gridProperties{RowCount: t.rowCount, ColumnCount: t.colCount},
	}
}

// getSpreadsheet answers spreadsheets.get with the tabs' properties. Grid
// data is not returned even with includeGridData; fields is ignored.
func (s *Server) getSpreadsheet(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	type sheet struct {
		Properties sheetProperties `json:"properties"`
	}
	out := struct {
		SpreadsheetID  string            `json:"spreadsheetId"`
		Properties     map[string]string `json:"properties"`
		Sheets         []sheet           `json:"sheets"`
		SpreadsheetURL string            `json:"spreadsheetUrl"`
	}{
		SpreadsheetID:  sp.id,
		Properties:     map[string]string{"title": sp.id, "locale": "ru_RU", "autoRecalc": "ON_CHANGE", "timeZone": "Europe/Moscow"},
		SpreadsheetURL: "https://docs.google.com/spreadsheets/d/" + sp.id + "/edit",
	}
	for i, t := range sp.tabs {
		out.Sheets = append(out.Sheets, sheet{Properties: t.properties(i)})
	}
	return out, nil
}

// subrequest applies one request of a batchUpdate to the spreadsheet and
// returns its reply, or the reason it is invalid.
type subrequest func(sp *spreadsheet, body json.RawMessage) (reply any, problem string)

var subrequests = map[string]subrequest{
	"appendCells":           appendCells,
	"updateCells":           updateCells,
	"repeatCell":            repeatCell,
	"deleteDimension":       deleteDimension,
	"insertDimension":       insertDimension,
	"appendDimension":       appendDimension,
	"addSheet":              addSheet,
	"deleteSheet":           deleteSheet,
	"updateSheetProperties": updateSheetProperties,
	"copyPaste":             copyPaste,
}

// batchUpdate applies every request in order to a copy and keeps the copy
// only if all succeed: Google's batchUpdate is atomic, and counts as one
// write request however many requests it carries.
func (s *Server) batchUpdate(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	var body struct {
		Requests []map[string]json.RawMessage `json:"requests"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	if len(body.Requests) == 0 {
		return nil, errInvalid("Must specify at least one request.")
	}
	for _, req := range body.Requests {
		for kind := range req {
			c.kinds = append(c.kinds, kind)
		}
	}
	next := sp.clone()
	replies := make([]any, 0, len(body.Requests))
	for i, req := range body.Requests {
		reply, err := applyRequest(next, i, req)
		if err != nil {
			return nil, err
		}
		replies = append(replies, reply)
	}
	s.sheets[c.id] = next
	return map[string]any{"spreadsheetId": c.id, "replies": replies}, nil
}

func applyRequest(sp *spreadsheet, i int, req map[string]json.RawMessage) (any, *apiError) {
	if len(req) != 1 {
		kinds := make([]string, 0, len(req))
		for k := range req {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return nil, errInvalid("Invalid requests[%d]: exactly one kind of request must be set, got [%s]", i, strings.Join(kinds, ", "))
	}
	for kind, raw := range req {
		apply, ok := subrequests[kind]
		if !ok {
			return nil, errInvalid("Invalid requests[%d].%s: sheetstest does not implement this request", i, kind)
		}
		reply, problem := apply(sp, raw)
		if problem != "" {
			return nil, errInvalid("Invalid requests[%d].%s: %s", i, kind, problem)
		}
		return reply, nil
	}
	panic("unreachable")
}

func decodeRequest(raw json.RawMessage, v any) string {
	if err := json.Unmarshal(raw, v); err != nil {
		return "Invalid JSON payload received. " + err.Error()
	}
	return ""
}

func noGrid(id int64) string { return fmt.Sprintf("No grid with id: %d", id) }

const noFields = "At least one field must be updated, but none specified."

// appendCells adds rows after the last row holding a value, values and
// formats in one go, growing the grid as needed.
func appendCells(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		SheetID int64     `json:"sheetId"`
		Rows    []wireRow `json:"rows"`
		Fields  string    `json:"fields"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	t := sp.tabByID(req.SheetID)
	if t == nil {
		return nil, noGrid(req.SheetID)
	}
	m := parseMask(req.Fields)
	if len(m) == 0 {
		return nil, noFields
	}
	at := t.lastRow()
	for i, r := range req.Rows {
		for j, src := range r.Values {
			m.apply(t.at(at+i, j), src)
		}
	}
	t.rowCount = max(t.rowCount, at+len(req.Rows))
	return struct{}{}, ""
}

// updateCells writes rows from a start cell, or into a range, clearing the
// selected fields of the range's cells that the rows do not cover.
func updateCells(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Rows   []wireRow       `json:"rows"`
		Fields string          `json:"fields"`
		Start  *gridCoordinate `json:"start"`
		Range  *gridRange      `json:"range"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	m := parseMask(req.Fields)
	if len(m) == 0 {
		return nil, noFields
	}
	if (req.Start == nil) == (req.Range == nil) {
		return nil, "exactly one of start and range must be set"
	}
	if req.Start != nil {
		t := sp.tabByID(req.Start.SheetID)
		if t == nil {
			return nil, noGrid(req.Start.SheetID)
		}
		for i, r := range req.Rows {
			for j, src := range r.Values {
				m.apply(t.at(req.Start.RowIndex+i, req.Start.ColumnIndex+j), src)
			}
		}
		return struct{}{}, ""
	}
	a, p := gridArea(sp, *req.Range)
	if p != "" {
		return nil, p
	}
	a.each(func(c *cell, i, j int) {
		var src wireCell
		if i < len(req.Rows) && j < len(req.Rows[i].Values) {
			src = req.Rows[i].Values[j]
		}
		m.apply(c, src)
	})
	return struct{}{}, ""
}

// repeatCell sets the same cell fields all over a range: how a client
// colors a whole row after writing it.
func repeatCell(sp *spreadsheet, raw json.RawMessage) (any, string) {
	var req struct {
		Range  *gridRange `json:"range"`
		Cell   wireCell   `json:"cell"`
		Fields string     `json:"fields"`
	}
	if p := decodeRequest(raw, &req); p != "" {
		return nil, p
	}
	m := parseMask(req.Fields)
	if len(m) == 0 {
		return nil, noFields
	}
	if req.Range == nil {
		req.Range = &gridRange{}
	}
	a, p := gridArea(sp, *req.Range)
	if p != "" {
		return nil, p
	}
	a.each(func(c *cell, _, _ int) { m.apply(c, req.Cell) })
	return struct{}{}, ""
}

// gridArea resolves a GridRange within its tab's grid.
func gridArea(sp *spreadsheet, g gridRange) (area, string) {
	t := sp.tabByID(g.SheetID)
	if t == nil {
		return area{}, noGrid(g.SheetID)
	}
	a := area{t: t, r1: g.StartRowIndex, c1: g.StartColumnIndex, r2: t.rowCount - 1, c2: t.colCount - 1}
	if g.EndRowIndex != nil {
		a.r2 = *g.EndRowIndex - 1
	}
	if g.EndColumnIndex != nil {
		a.c2 = *g.EndColumnIndex - 1
	}
	if a.r1 < 0 || a.c1 < 0 || a.r2 >= t.rowCount || a.c2 >= t.colCount {
		return area{}, fmt.Sprintf("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			formatRange(t.title, max(a.r1, 0), max(a.c1, 0), max(a.r2, 0), max(a.c2, 0)), t.rowCount, t.colCount)
	}
	return a, ""
}

// each visits every cell of a bounded area, with its offset in the area.
func (a area) each(f func(c *cell, i, j int)) {
	for r := a.r1; r <= a.r2; r++ {
		for col := a.c1; col <= a.c2; col++ {
			f(a.t.at(r, col), r-a.r1, col-a.c1)
		}
	}
}
