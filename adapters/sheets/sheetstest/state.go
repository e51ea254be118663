package sheetstest

import "slices"

// AddSpreadsheet creates a spreadsheet with the given tabs, in order, or
// adds the missing tabs to an existing one. Without tabs it has one,
// "Sheet1", as a new spreadsheet has. The first tab gets sheetId 0.
func (s *Server) AddSpreadsheet(id string, tabs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.sheets[id]
	if sp == nil {
		sp = &spreadsheet{id: id}
		s.sheets[id] = sp
		if len(tabs) == 0 {
			tabs = []string{"Sheet1"}
		}
	}
	for _, title := range tabs {
		if sp.tab(title) == nil {
			sp.addTab(title)
		}
	}
}

// SetRows replaces a tab's contents with rows, read as a person typing them
// would be (numbers become numbers, "'" forces text), and clears its
// formatting. It creates the spreadsheet and the tab if needed, so a test
// can seed a sheet in one line.
func (s *Server) SetRows(spreadsheetID, tab string, rows [][]string) {
	s.AddSpreadsheet(spreadsheetID, tab)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.sheets[spreadsheetID].tab(tab)
	t.rows = make([]row, len(rows))
	for i, r := range rows {
		t.rows[i] = rowFromStrings(r)
		t.colCount = max(t.colCount, len(r))
	}
	t.rowCount = max(t.rowCount, len(rows))
}

// Rows shows a tab as a person reads it and as a full-sheet values.get
// with FORMATTED_VALUE returns it: trailing empty cells and rows trimmed,
// rows ragged. It is nil for an empty or missing tab.
func (s *Server) Rows(spreadsheetID, tab string) [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tab(spreadsheetID, tab); t != nil {
		return t.texts()
	}
	return nil
}

// Cell returns one cell with its background, by 0-based row and column
// (the API's grid indices: A1 is 0, 0). Missing cells are zero Cells.
func (s *Server) Cell(spreadsheetID, tab string, row, col int) Cell {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tab(spreadsheetID, tab); t != nil && row >= 0 && col >= 0 {
		return t.cell(row, col).export()
	}
	return Cell{}
}

// Tabs lists a spreadsheet's tab titles in order; nil if it is missing.
func (s *Server) Tabs(spreadsheetID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.sheets[spreadsheetID]
	if sp == nil {
		return nil
	}
	out := make([]string, len(sp.tabs))
	for i, t := range sp.tabs {
		out[i] = t.title
	}
	return out
}

// SheetID returns a tab's sheetId, which spreadsheets.batchUpdate requests
// name tabs by, so a test can build requests without a spreadsheets.get.
func (s *Server) SheetID(spreadsheetID, tab string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tab(spreadsheetID, tab); t != nil {
		return t.id, true
	}
	return 0, false
}

// RenameTab renames a tab as a person would in the browser; its sheetId
// stays, and ranges naming the old title stop working.
func (s *Server) RenameTab(spreadsheetID, from, to string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.sheets[spreadsheetID]
	if sp == nil {
		return ErrNoSpreadsheet
	}
	t := sp.tab(from)
	if t == nil {
		return ErrNoTab
	}
	if from != to && sp.tab(to) != nil {
		return ErrTabExists
	}
	t.title = to
	return nil
}

// DeleteTab deletes a tab as a person would. Google keeps at least one tab
// in a spreadsheet, and so does the fake.
func (s *Server) DeleteTab(spreadsheetID, title string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.sheets[spreadsheetID]
	if sp == nil {
		return ErrNoSpreadsheet
	}
	i := slices.IndexFunc(sp.tabs, func(t *tab) bool { return t.title == title })
	if i < 0 {
		return ErrNoTab
	}
	if len(sp.tabs) == 1 {
		return ErrLastTab
	}
	sp.tabs = slices.Delete(sp.tabs, i, i+1)
	return nil
}

// tab finds a tab; the caller holds s.mu.
func (s *Server) tab(spreadsheetID, title string) *tab {
	if sp := s.sheets[spreadsheetID]; sp != nil {
		return sp.tab(title)
	}
	return nil
}
