package sheets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// googleEndpoint is Google's Sheets API, used when Config.Endpoint is
// empty.
const googleEndpoint = "https://sheets.googleapis.com"

// api makes the Sheets API v4 calls the client uses, one HTTP exchange
// each: no retries, no budget (Client.do adds them). A refusal or failure
// Google answers is an *apiError.
type api struct {
	http *http.Client
	base string // the endpoint with a trailing slash
}

// lookUpFields are the tabs' properties that spreadsheets.get returns:
// ids, titles and grid sizes, no cells.
const lookUpFields = "sheets.properties(sheetId,title,gridProperties(rowCount,columnCount))"

// getSpreadsheet is spreadsheets.get with a field mask.
func (a *api) getSpreadsheet(ctx context.Context, id, fields string) (*spreadsheetResponse, error) {
	var out spreadsheetResponse
	q := url.Values{"fields": {fields}}
	return &out, a.send(ctx, http.MethodGet, spreadsheetPath(id), q, nil, &out)
}

// getValues is values.get of an A1 range, as a person sees the cells
// (FORMATTED_VALUE), row by row.
func (a *api) getValues(ctx context.Context, id, rng string) (*valueRange, error) {
	var out valueRange
	q := url.Values{"valueRenderOption": {"FORMATTED_VALUE"}, "majorDimension": {"ROWS"}}
	return &out, a.send(ctx, http.MethodGet, spreadsheetPath(id)+"/values/"+escapeSegment(rng), q, nil, &out)
}

// batchUpdateValues is values:batchUpdate.
func (a *api) batchUpdateValues(ctx context.Context, id string, req *batchUpdateValuesRequest) error {
	return a.send(ctx, http.MethodPost, spreadsheetPath(id)+"/values:batchUpdate", nil, req, nil)
}

// batchUpdate is spreadsheets:batchUpdate.
func (a *api) batchUpdate(ctx context.Context, id string, req *batchUpdateRequest) (*batchUpdateResponse, error) {
	var out batchUpdateResponse
	return &out, a.send(ctx, http.MethodPost, spreadsheetPath(id)+":batchUpdate", nil, req, &out)
}

func spreadsheetPath(id string) string { return "v4/spreadsheets/" + escapeSegment(id) }

// send makes one request: in, if any, as the JSON body; a 2xx answer
// decoded into out, if any; any other answer as an *apiError.
func (a *api) send(ctx context.Context, method, path string, query url.Values, in, out any) error {
	req, err := a.newRequest(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody)) // lets the connection be reused
		_ = resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readAPIError(resp)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}

func (a *api) newRequest(ctx context.Context, method, path string, query url.Values, in any) (*http.Request, error) {
	if query == nil {
		query = url.Values{}
	}
	query.Set("alt", "json")
	query.Set("prettyPrint", "false")
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path+"?"+query.Encode(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// escapeSegment escapes s as one path segment, leaving only the
// unreserved characters of RFC 3986 as they are: a range's quotes, "!"
// and ":" go escaped too, as Google's own clients send them (a ":" in the
// last segment would otherwise read as a custom verb).
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b = append(b, c)
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}
