package sheetstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
)

// maxBody bounds a request body. Google advises payloads under 2 MB and
// refuses far larger ones; the fake only guards its memory.
const maxBody = 32 << 20

// call is one API request as the handlers see it.
type call struct {
	method string
	id     string // spreadsheet ID
	query  url.Values
	body   []byte
	rng    string   // the range in the path, decoded
	ranges []string // for the request log
	kinds  []string // batchUpdate request kinds, for the request log
}

func newCall(method string, r *http.Request) (*call, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errInvalid("sheetstest: reading the body: %v", err)
	}
	if len(body) > maxBody {
		return nil, &apiError{Code: 413, Status: "INVALID_ARGUMENT", Message: "Request payload size exceeds the limit."}
	}
	c := &call{method: method, id: r.PathValue("id"), query: r.URL.Query(), body: body, rng: r.PathValue("range")}
	if c.rng != "" {
		c.ranges = []string{c.rng}
	}
	return c, nil
}

// decode reads the JSON body into v, which holds the fields the fake
// models. A field the API does not have is refused first, as Google
// refuses it (checkNames); one the API has and v lacks is ignored.
func (c *call) decode(v any) *apiError {
	if len(c.body) == 0 {
		return nil
	}
	if err := checkNames(c.method, c.body); err != nil {
		return err
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errInvalid("Invalid JSON payload received. %v", err)
	}
	return nil
}

// enum reads a query parameter that must be one of the given values, the
// first being the default, and answers like Google for anything else.
func (c *call) enum(param, field string, allowed ...string) (string, *apiError) {
	v := c.query.Get(param)
	if v == "" {
		return allowed[0], nil
	}
	return checkEnum(v, field, allowed...)
}

func checkEnum(v, field string, allowed ...string) (string, *apiError) {
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", errInvalid("Invalid value at '%s' (%s), %q", field, "TYPE_ENUM", v)
}
