package sheets

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// apiError is Google's answer to a request it refused or failed to
// handle: the HTTP status and, when the body is Google's JSON error (a 502
// from its front end is an HTML page), what it says.
type apiError struct {
	Code    int    // the HTTP status
	Status  string // "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", ...
	Message string // "Unable to parse range: ...", "" without a JSON body
	Reason  string // the ErrorInfo's reason: "RATE_LIMIT_EXCEEDED", ...
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("google: %d", e.Code)
	switch {
	case e.Status != "":
		s += " " + e.Status
	case http.StatusText(e.Code) != "":
		s += " " + http.StatusText(e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// maxErrorBody bounds how much of an answer is read for its error.
const maxErrorBody = 64 << 10

// errorBody is Google's JSON error: {"error": {...}}. The reason is in an
// ErrorInfo detail, or in the older "errors" list.
type errorBody struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Reason string `json:"reason"` // an ErrorInfo's
		} `json:"details"`
		Errors []struct {
			Reason string `json:"reason"`
		} `json:"errors"`
	} `json:"error"`
}

// readAPIError reads a non-2xx answer. The status decides what the error
// means; a body that is not Google's JSON adds nothing, and is no error of
// its own.
func readAPIError(resp *http.Response) *apiError {
	e := &apiError{Code: resp.StatusCode}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body errorBody
	if json.Unmarshal(data, &body) != nil {
		return e
	}
	e.Status, e.Message = body.Error.Status, body.Error.Message
	for _, d := range body.Error.Details {
		if d.Reason != "" {
			e.Reason = d.Reason
			break
		}
	}
	if e.Reason == "" && len(body.Error.Errors) > 0 {
		e.Reason = body.Error.Errors[0].Reason
	}
	return e
}
