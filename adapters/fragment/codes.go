package fragment

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"allot/domain"
)

// LoginCodes returns the login codes Fragment shows for number (a +888
// number), newest first. No code yet is an empty list, not an error. The
// codes never reach a log line, an error or Stats.
func (c *Client) LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error) {
	s, digits, err := c.start(number)
	if err != nil {
		return nil, c.finish(CallLoginCodes, s, err)
	}
	codes, err := c.loginCodes(ctx, s, digits)
	return codes, c.finish(CallLoginCodes, s, err)
}

func (c *Client) loginCodes(ctx context.Context, s session, digits string) ([]domain.LoginCode, error) {
	form := url.Values{"number": {digits}, "lt": {"0"}, "from_app": {"1"}}
	fields, err := c.api(ctx, s, "updateLoginCodes", form, true)
	if err != nil {
		return nil, fmt.Errorf("fragment: login codes: %w", err)
	}
	raw, ok := fields["html"]
	if !ok || string(raw) == "null" {
		// Fragment leaves html out when nothing changed since lt; since 0,
		// that is nothing at all (an inference: not seen in a capture).
		c.log.Debug("fragment: updateLoginCodes without html: no codes")
		return nil, nil
	}
	var h string
	if json.Unmarshal(raw, &h) != nil {
		return nil, badReply("updateLoginCodes: wanted html as text")
	}
	codes, err := parseCodes(h)
	if err != nil {
		c.log.Warn("fragment: login codes page of an unknown shape", "shape", shapeOf(h))
		return nil, fmt.Errorf("fragment: login codes: %w", err)
	}
	return codes, nil
}

// start checks number and takes the session for one call on it.
func (c *Client) start(number string) (session, string, error) {
	canon, err := domain.ParseNumber(number)
	if err != nil {
		return session{}, "", fmt.Errorf("fragment: %w", err)
	}
	s, err := c.begin()
	return s, strings.TrimPrefix(canon, "+"), err
}

// codesPageMarks are classes of Fragment's codes page (FJS): a page with
// one of them and no table shows no code yet.
var codesPageMarks = []string{"js-codes-main", "codes-disabled", "js-toggle-receive", "js-terminate-sessions-wrap", "tm-table-empty"}

// looseCode is a code-like run of digits outside the table: its presence
// with no table means codes are shown some new way.
var looseCode = regexp.MustCompile(`(?:^|[^\d+])\d{5,6}(?:[^\d]|$)`)

// parseCodes reads the html of updateLoginCodes: a table whose rows each
// hold a code, the text of the row's first .table-cell-value, and maybe
// a <time datetime>. Rows of other shapes, or a page that is neither a
// table nor the codes page, are ErrBadReply; the error never quotes them.
func parseCodes(h string) ([]domain.LoginCode, error) {
	root := parseMarkup(h)
	rows := dataRows(root)
	if len(rows) == 0 {
		return nil, emptyCodesPage(root)
	}
	var codes []domain.LoginCode
	for _, r := range rows {
		code, ok, err := codeOfRow(r)
		if err != nil {
			return nil, err
		}
		if ok {
			codes = append(codes, domain.LoginCode{Code: code, At: timeOf(r)})
		}
	}
	newestFirst(codes)
	return codes, nil
}

// emptyCodesPage tells a page with no code yet from one of a new shape.
func emptyCodesPage(root *node) error {
	text := root.innerText()
	marked := root.find(byTag("table")) != nil
	for _, m := range codesPageMarks {
		marked = marked || root.find(byClass(m)) != nil
	}
	switch {
	case text == "" && !marked:
		return nil // an empty html: nothing to show
	case !marked:
		return badReply("updateLoginCodes: wanted a table of login codes or the codes page")
	case looseCode.MatchString(text):
		return badReply("updateLoginCodes: digits outside the table of login codes")
	}
	return nil
}

// dataRows are the <tr> that are not headers: not in <thead>, no <th>.
func dataRows(root *node) []*node {
	return root.findAll(func(n *node) bool {
		return n.tag == "tr" && n.find(byTag("th")) == nil && !inside(n, "thead")
	})
}

func inside(n *node, tag string) bool {
	for p := n.parent; p != nil; p = p.parent {
		if p.tag == tag {
			return true
		}
	}
	return false
}

// codeOfRow reads a row's code. A row of filler (an "empty" or "more"
// row) has none; any other row without a code is a new shape.
func codeOfRow(r *node) (string, bool, error) {
	v := r.find(byClass("table-cell-value"))
	if v == nil {
		if filler(r) {
			return "", false, nil
		}
		return "", false, badReply("updateLoginCodes: a row without .table-cell-value")
	}
	code := strings.NewReplacer(" ", "", "-", "").Replace(v.innerText())
	if len(code) < 4 || len(code) > 8 || strings.Trim(code, "0123456789") != "" {
		return "", false, badReply("updateLoginCodes: a row whose first value is not a code of 4 to 8 digits")
	}
	return code, true, nil
}

func filler(r *node) bool {
	return r.find(func(n *node) bool {
		cl := n.attr("class")
		return strings.Contains(cl, "empty") || strings.Contains(cl, "more") || strings.Contains(cl, "placeholder")
	}) != nil
}

// timeOf reads the first <time datetime> of a row; zero without one.
func timeOf(r *node) time.Time {
	t := r.find(func(n *node) bool { return n.tag == "time" && n.attr("datetime") != "" })
	if t == nil {
		return time.Time{}
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(t.attr("datetime")))
	if err != nil {
		return time.Time{}
	}
	return at
}

// newestFirst sorts codes by arrival, newest first, when every code has
// a time; otherwise it keeps the page's order (newest first on the page).
func newestFirst(codes []domain.LoginCode) {
	for _, c := range codes {
		if c.At.IsZero() {
			return
		}
	}
	slices.SortStableFunc(codes, func(a, b domain.LoginCode) int { return b.At.Compare(a.At) })
}

// shapeOf describes markup for a log line without its text: the count of
// each class seen (codes live in the text, never in a class).
func shapeOf(h string) string {
	counts := map[string]int{}
	parseMarkup(h).walk(func(n *node) bool {
		for _, c := range strings.Fields(n.attr("class")) {
			if len(counts) < 40 && !strings.ContainsAny(c, "0123456789") {
				counts[c]++
			}
		}
		return true
	})
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%s×%d ", k, counts[k])
	}
	return strings.TrimSpace(b.String())
}
