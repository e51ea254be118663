package fragment

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"allot/domain"
)

// OwnedNumber is one of the account's numbers as /my/numbers lists it.
type OwnedNumber struct {
	Number     string // canonical "+888…"
	Restricted bool   // Fragment shows it restricted (tm-status-restricted, a warning, or the word)
	Status     string // the row's status as Fragment words it ("Restricted", "For sale"…); "" when none
}

const (
	myNumbersPath = "/my/numbers"
	maxPages      = 100 // of /my/numbers; a loop guard, far above any account
)

// MyNumbers lists the account's numbers, following the list's "show more"
// pages when it has them. A redirect away from the list means the login
// is gone (ErrSessionExpired).
func (c *Client) MyNumbers(ctx context.Context) ([]OwnedNumber, error) {
	s, err := c.begin()
	if err != nil {
		return nil, c.finish(CallMyNumbers, s, err)
	}
	nums, err := c.myNumbers(ctx, s)
	return nums, c.finish(CallMyNumbers, s, err)
}

func (c *Client) myNumbers(ctx context.Context, s session) ([]OwnedNumber, error) {
	var all []OwnedNumber
	seen := map[string]bool{}
	path := myNumbersPath
	for range maxPages {
		p, err := c.numbersPage(ctx, s, path)
		if err != nil {
			return nil, fmt.Errorf("fragment: my numbers: %w", err)
		}
		fresh := 0
		for _, n := range p.numbers {
			if !seen[n.Number] {
				seen[n.Number] = true
				all = append(all, n)
				fresh++
			}
		}
		if p.next == "" || p.next == path || fresh == 0 {
			return all, nil
		}
		path = p.next
	}
	return nil, badReply("my numbers: more than %d pages", maxPages)
}

// numbersPage loads and parses one page of the list.
func (c *Client) numbersPage(ctx context.Context, s session, path string) (numbersPage, error) {
	pg, err := c.loadPage(ctx, s, path, true)
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return numbersPage{}, fmt.Errorf("%w: %s", ErrSessionExpired, re.Error())
	case errors.Is(err, errNotFound):
		return numbersPage{}, badReply("%s is not there", myNumbersPath)
	case err != nil:
		return numbersPage{}, err
	}
	p, err := parseNumbers(pg.html)
	if err != nil {
		c.log.Warn("fragment: numbers page of an unknown shape", "shape", shapeOf(pg.html))
	}
	return p, err
}

// numbersPage is what one page of /my/numbers says.
type numbersPage struct {
	numbers []OwnedNumber
	next    string // path of the next page; "" on the last
	total   int    // the tab's count of numbers; -1 when the page has no tab
}

var numberHref = regexp.MustCompile(`^/number/(\d{7,13})/?$`)

// parseNumbers reads rows tr.tm-row-selectable whose link goes to
// /number/<digits>, with their status, and the "show more" link.
func parseNumbers(h string) (numbersPage, error) {
	root := parseMarkup(h)
	p := numbersPage{total: tabTotal(root), next: nextPage(root)}
	odd := 0
	for _, r := range root.findAll(func(n *node) bool { return n.tag == "tr" && n.hasClass("tm-row-selectable") }) {
		n, ok := numberOfRow(r)
		switch {
		case ok:
			p.numbers = append(p.numbers, n)
		case r.find(isMoreLink) == nil:
			odd++
		}
	}
	return p, p.check(odd, root.find(byTag("table")) != nil)
}

// check refuses a page that lists no number where it should.
func (p numbersPage) check(odd int, table bool) error {
	switch {
	case len(p.numbers) > 0:
		return nil
	case odd > 0:
		return badReply("my numbers: rows without a /number/ link")
	case p.total > 0:
		return badReply("my numbers: the Numbers tab says %d, the page lists none", p.total)
	case !table && p.total < 0:
		return badReply("my numbers: wanted a table of numbers")
	}
	return nil
}

func numberOfRow(r *node) (OwnedNumber, bool) {
	link := r.find(func(n *node) bool { return n.tag == "a" && numberHref.MatchString(n.attr("href")) })
	if link == nil {
		return OwnedNumber{}, false
	}
	canon, err := domain.ParseNumber("+" + numberHref.FindStringSubmatch(link.attr("href"))[1])
	if err != nil {
		return OwnedNumber{}, false
	}
	status := statusOf(r)
	restricted := strings.EqualFold(status, "restricted") || r.find(func(n *node) bool {
		return n.hasClass("tm-status-restricted") || n.hasClass("tm-warning")
	}) != nil
	return OwnedNumber{Number: canon, Restricted: restricted, Status: status}, true
}

// statusOf is the text of the row's tm-status-* element, else of its
// thin status cell ("Resale" in the samples has no status class).
func statusOf(r *node) string {
	if n := r.find(func(n *node) bool { return n.classWithPrefix("tm-status-") != "" }); n != nil {
		return n.innerText()
	}
	if n := r.find(byClass("table-cell-status-thin")); n != nil {
		return n.innerText()
	}
	return ""
}

func isMoreLink(n *node) bool {
	return n.attr("data-next-offset") != "" || n.hasClass("js-load-more") || n.hasClass("table-cell-more")
}

// nextPage is where the "show more" link leads: its own href on this
// site, else /my/numbers?offset=<data-next-offset>. How Fragment pages
// this list is not known; both are read.
func nextPage(root *node) string {
	more := root.find(isMoreLink)
	if more == nil {
		return ""
	}
	if u, err := url.Parse(more.attr("href")); err == nil && u.Host == "" && strings.HasPrefix(u.Path, myNumbersPath) {
		return u.RequestURI()
	}
	if off := more.attr("data-next-offset"); off != "" && strings.Trim(off, "0123456789") == "" && len(off) < 10 {
		return myNumbersPath + "?offset=" + off
	}
	return ""
}

// tabTotal reads the count of the "Numbers" tab (<a href="/my/numbers">
// Numbers <span>N</span></a>); -1 without one.
func tabTotal(root *node) int {
	tab := root.find(func(n *node) bool { return n.tag == "a" && n.attr("href") == myNumbersPath })
	if tab == nil {
		return -1
	}
	for _, sp := range tab.findAll(byTag("span")) {
		if n, err := strconv.Atoi(strings.ReplaceAll(sp.innerText(), ",", "")); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}
