package sheetstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is Google's error object, the value of "error" in the body.
// The Go client decodes code, message and details into *googleapi.Error.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []any  `json:"details,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message) }

func errInvalid(format string, args ...any) *apiError {
	return &apiError{Code: 400, Status: "INVALID_ARGUMENT", Message: fmt.Sprintf(format, args...)}
}

// errParseRange is what Google answers for a range naming no tab it has,
// or one it cannot read; the message quotes the range as sent.
func errParseRange(rng string) *apiError { return errInvalid("Unable to parse range: %s", rng) }

func errNotFound() *apiError {
	return &apiError{Code: 404, Status: "NOT_FOUND", Message: "Requested entity was not found."}
}

func errNotFoundPath(path string) *apiError {
	return &apiError{Code: 404, Status: "NOT_FOUND", Message: "sheetstest: no API method at " + path}
}

func errUnavailable() *apiError {
	return &apiError{Code: 503, Status: "UNAVAILABLE", Message: "The service is currently unavailable."}
}

// errQuota is Google's 429 for a per-user per-minute limit, word for word
// apart from the project number.
func errQuota(read bool, limit int) *apiError {
	name, metric := "Write", "write_requests"
	if read {
		name, metric = "Read", "read_requests"
	}
	return &apiError{
		Code:   429,
		Status: "RESOURCE_EXHAUSTED",
		Message: fmt.Sprintf("Quota exceeded for quota metric '%s requests' and limit '%s requests per minute per user' "+
			"of service 'sheets.googleapis.com' for consumer 'project_number:%s'.", name, name, projectNumber),
		Details: []any{
			map[string]any{
				"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
				"reason": "RATE_LIMIT_EXCEEDED",
				"domain": "googleapis.com",
				"metadata": map[string]string{
					"service":           "sheets.googleapis.com",
					"consumer":          "projects/" + projectNumber,
					"quota_metric":      "sheets.googleapis.com/" + metric,
					"quota_limit":       name + "RequestsPerMinutePerUser",
					"quota_limit_value": strconv.Itoa(limit),
					"quota_location":    "global",
				},
			},
			map[string]any{
				"@type": "type.googleapis.com/google.rpc.Help",
				"links": []map[string]string{{
					"description": "Request a higher quota limit.",
					"url":         "https://cloud.google.com/docs/quotas/help/request_increase",
				}},
			},
		},
	}
}

// projectNumber stands in for the Cloud project the service account is in.
const projectNumber = "123456789012"

// errForCode is the error Google sends with a given status, for injected
// faults.
func errForCode(code int) *apiError {
	switch code {
	case 429:
		return errQuota(false, 60)
	case 500:
		return &apiError{Code: 500, Status: "INTERNAL", Message: "Internal error encountered."}
	case 503:
		return errUnavailable()
	case 504:
		return &apiError{Code: 504, Status: "DEADLINE_EXCEEDED", Message: "The request timed out. Please try again."}
	case 403:
		return &apiError{Code: 403, Status: "PERMISSION_DENIED", Message: "The caller does not have permission"}
	case 404:
		return errNotFound()
	}
	status := strings.ToUpper(strings.ReplaceAll(http.StatusText(code), " ", "_"))
	return &apiError{Code: code, Status: status, Message: "sheetstest: injected failure"}
}

// badGatewayPage is what Google's front end answers with a 502: HTML, not
// JSON, so the client's error has a Code and a Body but no Message.
const badGatewayPage = `<!DOCTYPE html>
<html lang=en><meta charset=utf-8><title>Error 502 (Server Error)!!1</title>
<p><b>502.</b> <ins>That’s an error.</ins>
<p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>
`

// outcome is the answer to one call, decided under the lock and written
// after it is released.
type outcome struct {
	status int
	body   []byte
	html   bool
	cut    bool // close the connection without an answer
}

func success(v any) outcome {
	b, err := json.Marshal(v)
	if err != nil { // our own types always marshal
		panic(err)
	}
	return outcome{status: http.StatusOK, body: b}
}

func failure(e *apiError) outcome {
	if e.Code == http.StatusBadGateway {
		return outcome{status: e.Code, body: []byte(badGatewayPage), html: true}
	}
	b, _ := json.Marshal(map[string]*apiError{"error": e})
	return outcome{status: e.Code, body: b}
}

func writeOutcome(w http.ResponseWriter, o outcome) {
	ct := "application/json; charset=UTF-8"
	if o.html {
		ct = "text/html; charset=UTF-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(o.status)
	_, _ = w.Write(o.body)
}

// cutConnection closes the TCP connection without answering, as a proxy
// or a crashed front end does: the client cannot tell what happened.
func cutConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // HTTP/2 cannot hijack: abort the stream instead
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
