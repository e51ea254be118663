package fragment

import (
	"strings"

	"golang.org/x/net/html"
)

// node is an element or a text of a forgiving parse of Fragment's markup.
// It is not the HTML5 tree builder: that one drops table rows that come
// without their table, and Fragment's AJAX replies are fragments (the
// samples even close a <tfoot> with </tbody>). This one keeps every
// element where it opened, closes an end tag's nearest open match, and
// lets a new <tr> or <td> close the one left open.
type node struct {
	tag    string // "" for text
	attrs  []html.Attribute
	text   string
	kids   []*node
	parent *node
}

// maxDepth caps nesting so that hostile markup cannot make walks deep.
const maxDepth = 256

var voidTags = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// parseMarkup reads s into a tree under a root node. It never fails.
func parseMarkup(s string) *node {
	root := &node{tag: "#root"}
	cur, depth := root, 0
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return root
		case html.TextToken:
			cur.kids = append(cur.kids, &node{text: string(z.Text()), parent: cur})
		case html.StartTagToken:
			n := startNode(z)
			cur, depth = closeImplied(cur, depth, n.tag)
			n.parent = cur
			cur.kids = append(cur.kids, n)
			if !voidTags[n.tag] && depth < maxDepth {
				cur, depth = n, depth+1
			}
		case html.SelfClosingTagToken:
			n := startNode(z)
			n.parent = cur
			cur.kids = append(cur.kids, n)
		case html.EndTagToken:
			name, _ := z.TagName()
			cur, depth = closeTo(cur, depth, string(name))
		}
	}
}

func startNode(z *html.Tokenizer) *node {
	name, more := z.TagName()
	n := &node{tag: string(name)}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		n.attrs = append(n.attrs, html.Attribute{Key: string(k), Val: string(v)})
	}
	return n
}

// closeTo closes the nearest open element named tag and all inside it; an
// end tag with no open match is ignored.
func closeTo(cur *node, depth int, tag string) (*node, int) {
	for n, d := cur, depth; n.parent != nil; n, d = n.parent, d-1 {
		if n.tag == tag {
			return n.parent, d - 1
		}
	}
	return cur, depth
}

// closeImplied closes what HTML lets a start tag close: an open row for a
// new row, an open cell for a new cell, an open section for a new one,
// each only within its own table.
func closeImplied(cur *node, depth int, tag string) (*node, int) {
	switch tag {
	case "tr":
		return closeOpen(cur, depth, rowTags, sectionTags)
	case "td", "th":
		return closeOpen(cur, depth, cellTags, rowTags)
	case "tbody", "thead", "tfoot":
		return closeOpen(cur, depth, sectionTags, nil)
	}
	return cur, depth
}

var (
	sectionTags = set("tbody", "thead", "tfoot")
	rowTags     = set("tr")
	cellTags    = set("td", "th")
)

// closeOpen closes the nearest open element in closes, looking no further
// out than the nearest one in stops, nor ever past a table: rows of a table
// nested in a cell do not close the outer row.
func closeOpen(cur *node, depth int, closes, stops map[string]bool) (*node, int) {
	for n, d := cur, depth; n.parent != nil; n, d = n.parent, d-1 {
		if closes[n.tag] {
			return n.parent, d - 1
		}
		if stops[n.tag] || n.tag == "table" {
			break
		}
	}
	return cur, depth
}

func set(tags ...string) map[string]bool {
	m := make(map[string]bool, len(tags))
	for _, t := range tags {
		m[t] = true
	}
	return m
}

// attr returns the value of attribute key, or "".
func (n *node) attr(key string) string {
	for _, a := range n.attrs {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasClass tells whether class is one of n's classes.
func (n *node) hasClass(class string) bool {
	for _, c := range strings.Fields(n.attr("class")) {
		if c == class {
			return true
		}
	}
	return false
}

// classWithPrefix returns n's first class that starts with prefix.
func (n *node) classWithPrefix(prefix string) string {
	for _, c := range strings.Fields(n.attr("class")) {
		if strings.HasPrefix(c, prefix) && len(c) > len(prefix) {
			return c
		}
	}
	return ""
}

// walk visits n and everything under it in document order, without
// recursion, until visit returns false.
func (n *node) walk(visit func(*node) bool) {
	stack := []*node{n}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !visit(top) {
			return
		}
		for i := len(top.kids) - 1; i >= 0; i-- {
			stack = append(stack, top.kids[i])
		}
	}
}

// find returns the first element under n (n included) that match accepts.
func (n *node) find(match func(*node) bool) *node {
	var found *node
	n.walk(func(m *node) bool {
		if m.tag != "" && match(m) {
			found = m
		}
		return found == nil
	})
	return found
}

// findAll returns every element under n that match accepts.
func (n *node) findAll(match func(*node) bool) []*node {
	var all []*node
	n.walk(func(m *node) bool {
		if m.tag != "" && match(m) {
			all = append(all, m)
		}
		return true
	})
	return all
}

// innerText is n's text with runs of white space (no-break spaces
// included) made one space, trimmed.
func (n *node) innerText() string {
	var b strings.Builder
	n.walk(func(m *node) bool {
		if m.tag == "" {
			b.WriteString(m.text)
			b.WriteByte(' ')
		}
		return true
	})
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
}

func byClass(class string) func(*node) bool {
	return func(n *node) bool { return n.hasClass(class) }
}

func byTag(tag string) func(*node) bool {
	return func(n *node) bool { return n.tag == tag }
}
