package sheetstest

// valueRange is the API's ValueRange, in requests and answers.
type valueRange struct {
	Range          string  `json:"range,omitempty"`
	MajorDimension string  `json:"majorDimension,omitempty"`
	Values         [][]any `json:"values,omitempty"`
}

type updateResult struct {
	SpreadsheetID  string      `json:"spreadsheetId"`
	UpdatedRange   string      `json:"updatedRange,omitempty"`
	UpdatedRows    int         `json:"updatedRows,omitempty"`
	UpdatedColumns int         `json:"updatedColumns,omitempty"`
	UpdatedCells   int         `json:"updatedCells,omitempty"`
	UpdatedData    *valueRange `json:"updatedData,omitempty"`
}

// readOptions are the query parameters that shape a read.
type readOptions struct {
	unformatted bool
	columns     bool
}

func (c *call) readOptions() (readOptions, *apiError) {
	render, err := c.enum("valueRenderOption", "value_render_option", "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
	if err != nil {
		return readOptions{}, err
	}
	major, err := c.enum("majorDimension", "major_dimension", "ROWS", "COLUMNS")
	if err != nil {
		return readOptions{}, err
	}
	return readOptions{unformatted: render != "FORMATTED_VALUE", columns: major == "COLUMNS"}, nil
}

// read answers one range of a values.get or values.batchGet.
func read(sp *spreadsheet, rng string, o readOptions) (valueRange, *apiError) {
	a, err := resolve(sp, rng)
	if err != nil {
		return valueRange{}, err
	}
	if a, err = a.clip(); err != nil {
		return valueRange{}, err
	}
	major := "ROWS"
	if o.columns {
		major = "COLUMNS"
	}
	return valueRange{Range: a.String(), MajorDimension: major, Values: render(a.cells(o.columns), o.unformatted)}, nil
}

func (s *Server) valuesGet(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	o, err := c.readOptions()
	if err != nil {
		return nil, err
	}
	return read(sp, c.rng, o)
}

func (s *Server) valuesBatchGet(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	o, err := c.readOptions()
	if err != nil {
		return nil, err
	}
	c.ranges = c.query["ranges"]
	out := struct {
		SpreadsheetID string       `json:"spreadsheetId"`
		ValueRanges   []valueRange `json:"valueRanges,omitempty"`
	}{SpreadsheetID: c.id}
	for _, rng := range c.ranges {
		vr, err := read(sp, rng, o)
		if err != nil {
			return nil, err
		}
		out.ValueRanges = append(out.ValueRanges, vr)
	}
	return out, nil
}

// inputOption reads valueInputOption, which Google requires on writes.
func inputOption(v string) (userInput bool, err *apiError) {
	if v == "" {
		return false, errInvalid("'valueInputOption' is required but not specified")
	}
	v, err = checkEnum(v, "value_input_option", "RAW", "USER_ENTERED")
	return v == "USER_ENTERED", err
}

// responseData reads back what a write wrote when includeValuesInResponse
// asks for it; w is the area written.
func responseData(w area, res *updateResult, include bool, option string) *apiError {
	if !include {
		return nil
	}
	if option == "" {
		option = "FORMATTED_VALUE"
	}
	if _, err := checkEnum(option, "response_value_render_option", "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"); err != nil {
		return err
	}
	res.UpdatedData = &valueRange{
		Range: res.UpdatedRange, MajorDimension: "ROWS",
		Values: render(w.cells(false), option != "FORMATTED_VALUE"),
	}
	return nil
}

// update writes one ValueRange, as values.update and each range of
// values.batchUpdate do, and returns the area written.
func update(sp *spreadsheet, rng string, vr valueRange, userInput bool) (updateResult, area, *apiError) {
	a, err := resolve(sp, rng)
	if err != nil {
		return updateResult{}, area{}, err
	}
	vals, err := orient(vr)
	if err != nil {
		return updateResult{}, area{}, err
	}
	if err := a.fits(rng, vals); err != nil {
		return updateResult{}, area{}, err
	}
	res, w := a.writeResult(sp.id, vals, userInput)
	return res, w, nil
}

func (s *Server) valuesUpdate(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	userInput, err := inputOption(c.query.Get("valueInputOption"))
	if err != nil {
		return nil, err
	}
	var vr valueRange
	if err := c.decode(&vr); err != nil {
		return nil, err
	}
	res, w, err := update(sp, c.rng, vr, userInput)
	if err != nil {
		return nil, err
	}
	include := c.query.Get("includeValuesInResponse") == "true"
	return res, responseData(w, &res, include, c.query.Get("responseValueRenderOption"))
}

func (s *Server) valuesBatchUpdate(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	var body struct {
		ValueInputOption          string       `json:"valueInputOption"`
		Data                      []valueRange `json:"data"`
		IncludeValuesInResponse   bool         `json:"includeValuesInResponse"`
		ResponseValueRenderOption string       `json:"responseValueRenderOption"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	userInput, err := inputOption(body.ValueInputOption)
	if err != nil {
		return nil, err
	}
	out := struct {
		SpreadsheetID       string         `json:"spreadsheetId"`
		TotalUpdatedRows    int            `json:"totalUpdatedRows,omitempty"`
		TotalUpdatedColumns int            `json:"totalUpdatedColumns,omitempty"`
		TotalUpdatedCells   int            `json:"totalUpdatedCells,omitempty"`
		TotalUpdatedSheets  int            `json:"totalUpdatedSheets,omitempty"`
		Responses           []updateResult `json:"responses,omitempty"`
	}{SpreadsheetID: c.id}
	for _, vr := range body.Data {
		c.ranges = append(c.ranges, vr.Range)
	}
	next := sp.clone() // all ranges or none
	tabs := map[*tab]bool{}
	for _, vr := range body.Data {
		res, a, err := update(next, vr.Range, vr, userInput)
		if err == nil {
			err = responseData(a, &res, body.IncludeValuesInResponse, body.ResponseValueRenderOption)
		}
		if err != nil {
			return nil, err
		}
		out.Responses = append(out.Responses, res)
		out.TotalUpdatedRows += res.UpdatedRows
		out.TotalUpdatedColumns += res.UpdatedColumns
		out.TotalUpdatedCells += res.UpdatedCells
		tabs[a.t] = true
	}
	out.TotalUpdatedSheets = len(tabs)
	s.sheets[c.id] = next
	return out, nil
}

func (s *Server) valuesAppend(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	userInput, err := inputOption(c.query.Get("valueInputOption"))
	if err != nil {
		return nil, err
	}
	insert, err := c.enum("insertDataOption", "insert_data_option", "OVERWRITE", "INSERT_ROWS")
	if err != nil {
		return nil, err
	}
	var vr valueRange
	if err := c.decode(&vr); err != nil {
		return nil, err
	}
	a, err := resolve(sp, c.rng)
	if err != nil {
		return nil, err
	}
	vals, err := orient(vr)
	if err != nil {
		return nil, err
	}
	return appendValues(c, a, vals, userInput, insert == "INSERT_ROWS")
}

// appendValues writes values after the table the area anchors, inserting
// rows first when asked, so rows below a gap move down instead of being
// overwritten.
func appendValues(c *call, a area, vals [][]any, userInput, insert bool) (any, *apiError) {
	out := struct {
		SpreadsheetID string       `json:"spreadsheetId"`
		TableRange    string       `json:"tableRange,omitempty"`
		Updates       updateResult `json:"updates"`
	}{SpreadsheetID: c.id, Updates: updateResult{SpreadsheetID: c.id}}
	at := area{t: a.t, r1: a.r1, c1: a.c1}
	if tbl, ok := a.findTable(); ok {
		out.TableRange = tbl.String()
		at.r1, at.c1 = tbl.r2+1, tbl.c1
	}
	if len(vals) == 0 {
		return out, nil
	}
	if insert {
		at.t.insertRows(at.r1, len(vals))
	}
	res, w := at.writeResult(c.id, vals, userInput)
	out.Updates = res
	include := c.query.Get("includeValuesInResponse") == "true"
	return out, responseData(w, &out.Updates, include, c.query.Get("responseValueRenderOption"))
}

// clearRange empties the values of a range and keeps its formatting, as
// values.clear does.
func clearRange(sp *spreadsheet, rng string) (string, *apiError) {
	a, err := resolve(sp, rng)
	if err != nil {
		return "", err
	}
	if a, err = a.clip(); err != nil {
		return "", err
	}
	for i := a.r1; i <= a.r2 && i < len(a.t.rows); i++ {
		r := a.t.rows[i]
		for j := a.c1; j <= a.c2 && j < len(r); j++ {
			r[j].value = value{}
		}
	}
	return a.String(), nil
}

func (s *Server) valuesClear(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	cleared, err := clearRange(sp, c.rng)
	if err != nil {
		return nil, err
	}
	return map[string]string{"spreadsheetId": c.id, "clearedRange": cleared}, nil
}

func (s *Server) valuesBatchClear(c *call) (any, *apiError) {
	sp, err := s.spreadsheet(c.id)
	if err != nil {
		return nil, err
	}
	var body struct {
		Ranges []string `json:"ranges"`
	}
	if err := c.decode(&body); err != nil {
		return nil, err
	}
	c.ranges = body.Ranges
	next := sp.clone()
	out := map[string]any{"spreadsheetId": c.id}
	var cleared []string
	for _, rng := range body.Ranges {
		cr, err := clearRange(next, rng)
		if err != nil {
			return nil, err
		}
		cleared = append(cleared, cr)
	}
	if cleared != nil {
		out["clearedRanges"] = cleared
	}
	s.sheets[c.id] = next
	return out, nil
}
