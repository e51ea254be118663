package fragment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody caps a reply: Fragment's pages are tens of kilobytes.
const maxBody = 4 << 20

const (
	acceptJSON = "application/json, text/javascript, */*; q=0.01"
	acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	formType   = "application/x-www-form-urlencoded; charset=UTF-8"
	// apiReferer is the page the API calls seem to come from; Fragment's
	// own pages and other clients use /numbers or /my/numbers.
	apiReferer = "/my/numbers"
)

// answer is a reply as read off the wire.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request with the session's cookies and reads the reply.
// Its errors never carry the URL (it holds the api hash).
func (c *Client) send(ctx context.Context, s session, method, path string, body string, hdr http.Header) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.origin+path, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("fragment: building a request: %w", unwrapURL(err))
	}
	req.Header = hdr
	req.Header.Set("Cookie", c.cookiesFor(s).header())
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, netFailure(err)
	}
	defer resp.Body.Close()
	c.absorbCookies(resp, s.gen)
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &netError{err: unwrapURL(err), sent: true}
	}
	if len(b) > maxBody {
		return nil, badReply("a reply over %d bytes", maxBody)
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// netFailure wraps a failed Do. A connection that was never made (dial,
// DNS) sent nothing.
func netFailure(err error) error {
	err = unwrapURL(err)
	var op *net.OpError
	var dns *net.DNSError
	sent := !(errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns))
	return &netError{err: err, sent: sent}
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// checkStatus maps what an HTTP status says; nil for 200.
func checkStatus(a *answer) error {
	switch code := a.status; {
	case code == http.StatusOK:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Errorf("%w: HTTP %d", ErrSessionExpired, code)
	case code == http.StatusTooManyRequests || code >= 500:
		return &statusError{code: code, retryAfter: parseRetryAfter(a.header.Get("Retry-After"), time.Now())}
	case code >= 300 && code < 400:
		return redirected(a.header.Get("Location"))
	case code == http.StatusNotFound:
		return errNotFound
	default:
		return badReply("HTTP %d", code)
	}
}

// parseRetryAfter reads seconds or an HTTP date; -1 when there is none.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return -1
}

// errNotFound is a page that is not there: HTTP 404, or a redirect away
// from it (Fragment sends unknown numbers elsewhere).
var errNotFound = errors.New("fragment: page not found")

// redirectError is a redirect anywhere but /auth.
type redirectError struct{ path string }

func (e *redirectError) Error() string { return "fragment: redirected to " + e.path }
func (e *redirectError) Is(target error) bool {
	return target == errNotFound
}

// redirected classifies a redirect: to /auth, the login is gone. Only
// the path is kept: a query may carry anything.
func redirected(location string) error {
	path := location
	if u, err := url.Parse(location); err == nil {
		path = u.Path
	}
	if path == "/auth" || strings.HasPrefix(path, "/auth/") {
		return fmt.Errorf("%w: redirected to /auth", ErrSessionExpired)
	}
	if len(path) > 64 {
		path = path[:64] + "…"
	}
	return &redirectError{path: path}
}

// post is one API request: method and its parameters in form, to the
// api hash. It returns the reply's fields.
func (c *Client) post(ctx context.Context, s session, hash string, form url.Values) (map[string]json.RawMessage, error) {
	hdr := http.Header{}
	hdr.Set("X-Requested-With", "XMLHttpRequest")
	hdr.Set("Origin", c.origin)
	hdr.Set("Referer", c.origin+apiReferer)
	hdr.Set("Content-Type", formType)
	hdr.Set("Accept", acceptJSON)
	a, err := c.send(ctx, s, http.MethodPost, "/api?hash="+url.QueryEscape(hash), form.Encode(), hdr)
	if err != nil {
		return nil, err
	}
	method := form.Get("method")
	if err := checkStatus(a); errors.Is(err, errNotFound) {
		return nil, badReply("%s: %v", method, err) // the API is never "not found": something stands in front of it
	} else if err != nil {
		return nil, err
	}
	return decodeReply(method, a)
}

// decodeReply reads an API reply: a JSON object, or nothing at all. An
// "error" field becomes an error.
func decodeReply(method string, a *answer) (map[string]json.RawMessage, error) {
	body := bytes.TrimSpace(a.body)
	if len(body) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	if body[0] != '{' {
		return nil, badReply("%s: wanted a JSON object, got %s", method, describe(a))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, badReply("%s: wanted a JSON object, got broken JSON", method)
	}
	raw, ok := fields["error"]
	if !ok || string(raw) == "null" {
		return fields, nil
	}
	return nil, replyFailure(method, raw)
}

// replyFailure classifies Fragment's {"error": ...}.
func replyFailure(method string, raw json.RawMessage) error {
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return badReply("%s: an error that is not text", method)
	}
	switch {
	case strings.EqualFold(strings.TrimSpace(text), "Bad request"):
		return errStaleHash
	case expiredText(text):
		return fmt.Errorf("%w: %s: Fragment says %q", ErrSessionExpired, method, scrub(text))
	}
	return &replyError{method: method, text: text}
}

// describe names what came instead of JSON, without quoting it.
func describe(a *answer) string {
	ct := a.header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("%s (%d bytes)", ct, len(a.body))
}

// page is a fetched page: the markup and, in AJAX mode, its script.
type page struct {
	html, script string
}

// ajaxReply is a page in AJAX mode ({v,t,h,j,s,rc}); r is a redirect.
type ajaxReply struct {
	H string          `json:"h"`
	J string          `json:"j"`
	R json.RawMessage `json:"r"`
}

// getPage loads path, in AJAX mode (JSON with the markup) or as a browser
// would (the whole page).
func (c *Client) getPage(ctx context.Context, s session, path string, ajax bool) (page, error) {
	hdr := http.Header{}
	hdr.Set("Referer", c.origin+"/")
	hdr.Set("Accept", acceptHTML)
	if ajax {
		hdr.Set("X-Requested-With", "XMLHttpRequest")
		hdr.Set("X-Aj-Referer", c.origin+path)
		hdr.Set("Accept", acceptJSON)
	}
	a, err := c.send(ctx, s, http.MethodGet, path, "", hdr)
	if err != nil {
		return page{}, err
	}
	if err := checkStatus(a); err != nil {
		return page{}, err
	}
	body := bytes.TrimSpace(a.body)
	if !ajax || len(body) == 0 || body[0] != '{' {
		return page{html: string(a.body)}, nil // a whole page where JSON was asked for is read as one
	}
	return decodeAJAX(body)
}

func decodeAJAX(body []byte) (page, error) {
	var r ajaxReply
	if err := json.Unmarshal(body, &r); err != nil {
		return page{}, badReply("a page: wanted AJAX JSON {h,s,j}, got broken JSON")
	}
	if len(r.R) > 0 && string(r.R) != "null" && string(r.R) != "false" {
		var to string
		_ = json.Unmarshal(r.R, &to)
		return page{}, redirected(to)
	}
	return page{html: r.H, script: r.J}, nil
}

// loadPage fetches path under the retry policy and checks that it does
// not show the login gone.
func (c *Client) loadPage(ctx context.Context, s session, path string, ajax bool) (page, error) {
	var p page
	err := c.do(ctx, exchange{method: "page", safe: true, send: func(ctx context.Context) error {
		var err error
		p, err = c.getPage(ctx, s, path, ajax)
		return err
	}})
	if err != nil {
		return page{}, err
	}
	if loggedOut(p.script) || loggedOut(p.html) {
		return page{}, fmt.Errorf("%w: the page shows the wallet logged out", ErrSessionExpired)
	}
	return p, nil
}
