// Package sheetstest is a fake Google Sheets API v4 server with state,
// quotas and faults, close enough to Google where it matters to a client
// that must never lose or duplicate a row. The Sheets adapter's tests, the
// load test (loadtest -mode sheets) and the offline demo talk to it with
// the real Go client:
//
//	srv := sheetstest.New()
//	defer srv.Close()
//	srv.SetRows("stock", "Accounts", [][]string{{"login", "password"}, {"a", "1"}})
//	svc, err := sheets.NewService(ctx,
//		option.WithEndpoint(srv.URL()+"/"), // the trailing slash matters
//		option.WithoutAuthentication())
//
// # What it reproduces, because clients get these wrong
//
//   - Paths and ranges: GET /v4/spreadsheets/{id}, values/{range} (GET, PUT,
//     :append, :clear), values:batchGet, values:batchUpdate,
//     values:batchClear and {id}:batchUpdate. The range is one escaped path
//     segment ('Выданные'!A1:F, Sheet1!A2:C, A:C, 2:5, Sheet1; a quote in a
//     quoted title is doubled);
//     a range without a title means the first tab; an unknown title is 400
//     "Unable to parse range: ..."; an unknown spreadsheet is 404.
//   - Values as Google returns them: trailing empty cells and rows trimmed,
//     ragged rows, "values" omitted for an empty range, UNFORMATTED_VALUE
//     numbers as JSON numbers (79991234567 decodes as a float64), COLUMNS.
//   - Values as Google stores them: USER_ENTERED turns "+79991234567" and
//     "007" into numbers (losing the plus and the zeros) and TRUE into a
//     boolean; "'007" stays text; RAW keeps strings; JSON null leaves a cell
//     alone. SetRows and human edits type like USER_ENTERED.
//   - values.append finds the table anchored at the range (the first run
//     of non-empty rows at or below it) and writes after it, from the
//     table's first column: in a sheet with an empty row, rows land in the
//     gap, not at the end. INSERT_ROWS moves the rows below down; OVERWRITE
//     writes over them. updates.updatedRange says where the rows went.
//   - spreadsheets.batchUpdate is atomic and one write however many
//     requests it carries: appendCells (values and backgrounds together,
//     after the last row with a value), updateCells, repeatCell,
//     deleteDimension and insertDimension (0-based, end exclusive, applied
//     in order, so several deletes must go bottom-up), appendDimension,
//     addSheet, deleteSheet, updateSheetProperties (title) and copyPaste.
//     Missing numbers mean 0, as the Go client omits zeros (sheetId 0,
//     startIndex 0); a missing end index means the end of the grid. Field
//     masks are required and honoured for values and backgrounds.
//   - copyPaste: PASTE_NORMAL (and PASTE_NO_BORDERS) copies values and
//     backgrounds, PASTE_VALUES values, PASTE_FORMAT backgrounds. The
//     source is read before anything is pasted, so the two may overlap. A
//     destination smaller than the source takes it whole from its top-left
//     cell (one cell is how a corner is given), and the paste must fit the
//     grid, else "exceeds grid limits".
//   - Grids: a tab has 1000 rows and 26 columns until writes grow it;
//     reads starting outside it are "exceeds grid limits"; deleting every
//     row is refused.
//   - Quotas: 60 read and 60 write requests a minute per user, in a
//     sliding minute (WithQuota, WithoutQuotas, WithClock), answered with
//     Google's 429 RESOURCE_EXHAUSTED / RATE_LIMIT_EXCEEDED body. Requests
//     that fail with 400 or 404 are charged too.
//   - Errors in Google's shape {"error":{"code","message","status",
//     "details"}}, which the Go client turns into *googleapi.Error. A 502
//     is an HTML page, as from Google's front end.
//   - Request bodies are held to the API's schema (the Go client's types):
//     a field the API does not have is 400 "Invalid JSON payload received.
//     Unknown name "x" at 'requests[0].append_cells': Cannot find field.",
//     with a google.rpc.BadRequest detail, so a misspelt field in a
//     hand-written client fails here as it would on Google. Fields the API
//     has and the fake does not model are accepted and ignored.
//   - Faults: FailNext fails calls before they apply; FailAfterApply applies
//     the change and then fails or cuts the connection, the ambiguous case
//     after which a blind retry duplicates rows; SetDelay adds latency.
//   - People: HumanEdit changes a tab between two calls (InsertRowAt,
//     DeleteRowAt, SortBy, ShuffleRows, Below), and HumanEditEvery does so
//     before every nth call, so row indices read earlier go stale exactly
//     as they do on Google, which has no conditional delete.
//
// # What it leaves out
//
// Formulas are stored as their text, not evaluated. Dates, times,
// percentages and currencies typed with USER_ENTERED stay text (Google
// turns them into numbers with a format). Number formats, fonts, borders,
// merges, notes, protected ranges, filters and named ranges do not exist;
// only the background color of a cell is kept, and new rows inherit none.
// copyPaste neither repeats the source over a larger destination nor
// transposes it, and a pasted formula keeps its text where Google shifts
// its relative references. spreadsheets.get returns properties only (no
// grid data) and ignores fields. Title matching is exact. Authentication is not checked.
// Google also takes a body's fields under their proto names ("sheet_id");
// the fake takes the lowerCamel names only, as every Go client sends them.
//
// Observability: Stats counts reads, writes, 429s, faults, the most
// requests in any minute and calls per method; Requests is the call log.
//
// Everything is safe for concurrent use; each call is applied atomically.
// Close cuts delayed calls short and returns when every call is answered.
package sheetstest
