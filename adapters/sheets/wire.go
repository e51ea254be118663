package sheets

// The JSON of the Sheets API v4, as far as the client sends and reads it.
// Google reads a missing number as 0, but a field is sent whenever 0 is
// meant (sheetId 0 is the first tab, startIndex 0 the header): only a
// field whose absence means something else (an unbounded column, a
// sheetId for Google to choose, an empty cell) is left out.

// valueRange is cells of one A1 range, row by row. A read returns strings
// (FORMATTED_VALUE); a write sends strings, "" clearing a cell.
type valueRange struct {
	Range          string  `json:"range,omitempty"`
	MajorDimension string  `json:"majorDimension,omitempty"`
	Values         [][]any `json:"values,omitempty"`
}

// batchUpdateValuesRequest is the body of values:batchUpdate.
type batchUpdateValuesRequest struct {
	ValueInputOption string       `json:"valueInputOption"`
	Data             []valueRange `json:"data"`
}

// spreadsheetResponse is the answer of spreadsheets.get, as far as the fields
// asked for go: the tabs' properties.
type spreadsheetResponse struct {
	Sheets []struct {
		Properties *sheetProperties `json:"properties"`
	} `json:"sheets"`
}

// sheetProperties is a tab's properties. The sheetId is left out when 0
// only in addSheet, where its absence lets Google choose one; every
// answer carries it.
type sheetProperties struct {
	SheetID        int64           `json:"sheetId,omitempty"`
	Title          string          `json:"title,omitempty"`
	GridProperties *gridProperties `json:"gridProperties,omitempty"`
}

type gridProperties struct {
	RowCount    int64 `json:"rowCount"`
	ColumnCount int64 `json:"columnCount"`
}

// batchUpdateRequest is the body of spreadsheets:batchUpdate: requests
// applied in order, all or none.
type batchUpdateRequest struct {
	Requests []request `json:"requests"`
}

// request is one request of a batchUpdate: exactly one field is set.
type request struct {
	AddSheet        *addSheetRequest        `json:"addSheet,omitempty"`
	AppendCells     *appendCellsRequest     `json:"appendCells,omitempty"`
	UpdateCells     *updateCellsRequest     `json:"updateCells,omitempty"`
	DeleteDimension *deleteDimensionRequest `json:"deleteDimension,omitempty"`
	InsertDimension *insertDimensionRequest `json:"insertDimension,omitempty"`
	AppendDimension *appendDimensionRequest `json:"appendDimension,omitempty"`
	CopyPaste       *copyPasteRequest       `json:"copyPaste,omitempty"`
}

type addSheetRequest struct {
	Properties sheetProperties `json:"properties"`
}

type appendCellsRequest struct {
	SheetID int64     `json:"sheetId"`
	Rows    []rowData `json:"rows"`
	Fields  string    `json:"fields"`
}

type updateCellsRequest struct {
	Start  gridCoordinate `json:"start"`
	Rows   []rowData      `json:"rows"`
	Fields string         `json:"fields"`
}

type deleteDimensionRequest struct {
	Range dimensionRange `json:"range"`
}

type insertDimensionRequest struct {
	Range             dimensionRange `json:"range"`
	InheritFromBefore bool           `json:"inheritFromBefore"`
}

type appendDimensionRequest struct {
	SheetID   int64  `json:"sheetId"`
	Dimension string `json:"dimension"`
	Length    int64  `json:"length"`
}

type copyPasteRequest struct {
	Source           gridRange `json:"source"`
	Destination      gridRange `json:"destination"`
	PasteType        string    `json:"pasteType"`
	PasteOrientation string    `json:"pasteOrientation"`
}

// dimensionRange is rows (or columns) [StartIndex, EndIndex) of a tab.
type dimensionRange struct {
	SheetID    int64  `json:"sheetId"`
	Dimension  string `json:"dimension"`
	StartIndex int64  `json:"startIndex"`
	EndIndex   int64  `json:"endIndex"`
}

// gridRange is rows [StartRowIndex, EndRowIndex) of a tab, within column
// bounds when they are given; a missing bound is the edge of the grid.
type gridRange struct {
	SheetID          int64  `json:"sheetId"`
	StartRowIndex    int64  `json:"startRowIndex"`
	EndRowIndex      int64  `json:"endRowIndex"`
	StartColumnIndex *int64 `json:"startColumnIndex,omitempty"`
	EndColumnIndex   *int64 `json:"endColumnIndex,omitempty"`
}

type gridCoordinate struct {
	SheetID     int64 `json:"sheetId"`
	RowIndex    int64 `json:"rowIndex"`
	ColumnIndex int64 `json:"columnIndex"`
}

type rowData struct {
	Values []cellData `json:"values,omitempty"`
}

// cellData is a cell to write. A missing value, with userEnteredValue in
// the fields mask, leaves the cell empty.
type cellData struct {
	UserEnteredValue  *extendedValue `json:"userEnteredValue,omitempty"`
	UserEnteredFormat *cellFormat    `json:"userEnteredFormat,omitempty"`
}

type extendedValue struct {
	StringValue *string `json:"stringValue,omitempty"`
}

type cellFormat struct {
	BackgroundColor *color `json:"backgroundColor,omitempty"`
}

// color components go from 0 to 1, and a 0 is sent: black is black to
// any reader.
type color struct {
	Red   float64 `json:"red"`
	Green float64 `json:"green"`
	Blue  float64 `json:"blue"`
}

// batchUpdateResponse is the answer of spreadsheets:batchUpdate, one
// reply per request; only addSheet's is read.
type batchUpdateResponse struct {
	Replies []struct {
		AddSheet *struct {
			Properties *sheetProperties `json:"properties"`
		} `json:"addSheet"`
	} `json:"replies"`
}
