package fragmenttest

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// The fake's markup follows the real samples in ../../../../shared
// (rows tr.tm-row-selectable, /number/ links, tm-status-* classes,
// "Show more" with data-next-offset) and the classes Fragment's script
// reads on the codes page (js-codes-main, codes-disabled,
// js-toggle-receive, js-terminate-sessions-wrap). The codes table itself
// is a guess in the same style: no real capture exists.

const frontHTML = `<section class="tm-section tm-main-intro"><h1>Buy and sell usernames and anonymous numbers</h1></section>`

const loggedOutHTML = `<section class="tm-section"><div class="tm-section-header"><h2 class="tm-section-header-text">Connect TON to view your collectibles</h2></div><button class="btn btn-primary js-connect-ton">Connect TON</button></section>`

// fullPage is a whole document, as a browser loads it.
func fullPage(title, body, apiURL, wallet string) string {
	return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>` + html.EscapeString(title) + `</title></head>
<body>
<div class="tm-main js-main-content">` + body + `</div>
<script>ajInit({"version":1,"apiUrl":"` + apiURL + `","unauth":false,"state":{}});</script>
<script>` + wallet + `</script>
</body>
</html>`
}

// walletInit is the wallet's state script, as FJS's Wallet.init takes it.
func walletInit(loggedIn bool) string {
	if !loggedIn {
		return `Wallet.init({address: "", logged_in: false, ton_proof: "` + randomHex(16) + `", version: 2});`
	}
	return `Wallet.init({address: "UQBfakeWa11etAddre55ForTheTestsOfA11otXXXXXXXXXX", logged_in: true, ton_proof: false, version: 2});`
}

// display writes a number as Fragment does: "+888 0123 4567".
func display(d string) string {
	rest := strings.TrimPrefix(d, "888")
	if len(rest) == 8 {
		return "+888 " + rest[:4] + " " + rest[4:]
	}
	return "+888 " + rest
}

func timeTag(at time.Time) string {
	at = at.UTC()
	return `<time datetime="` + at.Format("2006-01-02T15:04:05-07:00") + `">` + at.Format("2 Jan 2006 at 15:04") + `</time>`
}

// codesHTML is the .js-main-content of a number's codes page: newest code
// first, the toggle, and the terminate button while sessions are open.
func codesHTML(n *number) string {
	var b strings.Builder
	disabled, checked := " codes-disabled", ""
	if n.codesOn {
		disabled, checked = "", " checked"
	}
	b.WriteString(`<section class="tm-section js-codes-main` + disabled + `">
<div class="tm-section-header"><h2 class="tm-section-header-text">Login codes</h2>
<label class="tm-toggle js-toggle-receive"><input type="checkbox"` + checked + `> Receive login codes</label></div>
`)
	switch {
	case !n.codesOn:
		b.WriteString(`<div class="tm-section-desc">Receiving login codes is off for this number.</div>`)
	case len(n.codes) == 0:
		b.WriteString(`<div class="tm-table-empty">No login codes yet.</div>`)
	default:
		b.WriteString(codesTable(n.codes))
	}
	if n.sessions > 0 {
		fmt.Fprintf(&b, `<div class="tm-section-footer js-terminate-sessions-wrap"><div class="tm-section-desc">%d active sessions</div><button class="btn btn-primary js-terminate-sessions">Terminate all sessions</button></div>`, n.sessions)
	}
	b.WriteString("\n</section>")
	return b.String()
}

func codesTable(codes []code) string {
	var b strings.Builder
	b.WriteString(`<div class="tm-table-wrap"><table class="table tm-table tm-table-fixed">
<thead><tr><th>Login code</th><th class="wide-last-col">Received</th></tr></thead>
<tbody class="js-codes-list">
`)
	for i := len(codes) - 1; i >= 0; i-- {
		c := codes[i]
		b.WriteString(`<tr><td><div class="table-cell"><div class="table-cell-value tm-value">` + html.EscapeString(c.code) +
			`</div><div class="table-cell-desc">Telegram</div></div></td><td class="wide-last-col"><div class="table-cell"><div class="table-cell-value tm-value">` +
			timeTag(c.at) + `</div></div></td></tr>
`)
	}
	b.WriteString("</tbody>\n</table></div>")
	return b.String()
}

// oddCodesHTML is a codes page of a new shape: cards, no table, none of
// the classes the script knows.
func oddCodesHTML(n *number) string {
	var b strings.Builder
	b.WriteString(`<div class="tm-login-cards">`)
	for i := len(n.codes) - 1; i >= 0; i-- {
		b.WriteString(`<div class="tm-login-card"><span class="tm-login-card-code">` + html.EscapeString(n.codes[i].code) + `</span></div>`)
	}
	return b.String() + `<p class="tm-login-card-note">Codes appear here.</p></div>`
}

// numbersHTML is one page of /my/numbers from offset: the tab with the
// count, the table, and a "Show more" row when more follow.
func numbersHTML(list []listed, offset, size int, nextHref bool) string {
	var b strings.Builder
	b.WriteString(`<div class="tm-section-header"><div class="tm-section-tabs"><a href="/my/numbers" class="tm-section-tab active">Numbers <span class="tm-section-tab-count">` +
		strconv.Itoa(len(list)) + `</span></a><a href="/my/usernames" class="tm-section-tab">Usernames <span class="tm-section-tab-count">0</span></a></div></div>
<div class="tm-table-wrap js-autoscrollable">
<table class="table tm-table tm-table-fixed">
<thead>
<tr><th>Collectible Number</th><th class="thin-last-col">Value</th><th class="wide-last-col wide-only">Status</th></tr>
</thead>
<tbody class="tm-high-cells js-autoscroll-body">
`)
	end := min(len(list), offset+size)
	for _, l := range list[min(offset, end):end] {
		b.WriteString(numberRow(l))
	}
	b.WriteString("</tbody>\n")
	if end < len(list) {
		href := ""
		if nextHref {
			href = ` href="/my/numbers?offset=` + strconv.Itoa(end) + `"`
		}
		fmt.Fprintf(&b, "<tfoot class=\"js-autoscroll-foot\">\n<tr class=\"tm-row-selectable\">\n<td colspan=\"3\">\n<a%s class=\"table-cell table-cell-more js-load-more\" data-next-offset=\"%d\">\nShow more\n</a>\n</td>\n</tr>\n</tfoot>\n", href, end)
	}
	b.WriteString("</table>\n</div>")
	return b.String()
}

// numberRow is one row in the samples' style.
func numberRow(l listed) string {
	class, status := "tm-status-unavail", "Not for sale"
	if l.restricted {
		class, status = "tm-status-restricted", "Restricted"
	}
	link := `<a href="/number/` + l.digits + `" class="table-cell">`
	return `<tr class="tm-row-selectable">
<td>
` + link + `
<div class="table-cell-value-row">
<div class="table-cell-value tm-value">` + display(l.digits) + `</div>
<div class="table-cell-status-thin thin-only ` + class + `">` + status + `</div>
</div>
<div class="table-cell-desc tm-nowrap"></div>
</a>
</td>
<td class="thin-last-col">
` + link + `
<div class="table-cell-value tm-value">Anonymous number</div>
<div class="table-cell-desc">Collectible</div>
</a>
</td>
<td class="wide-last-col wide-only">
` + link + `
<div class="table-cell-value tm-value ` + class + `">` + status + `</div>
</a>
</td>
</tr>
`
}

// oddNumbersHTML lists the numbers in a new shape: a grid of cards.
func oddNumbersHTML(list []listed) string {
	var b strings.Builder
	b.WriteString(`<div class="tm-section-tabs"><a href="/my/numbers" class="tm-section-tab active">Numbers <span>` + strconv.Itoa(len(list)) + `</span></a></div><div class="tm-grid">`)
	for _, l := range list {
		b.WriteString(`<div class="tm-grid-item"><a href="/number/` + l.digits + `">` + display(l.digits) + `</a></div>`)
	}
	return b.String() + `</div>`
}

// numberPageHTML is the public page of a number: its status header, and
// the warning of a restricted one.
func numberPageHTML(d string, n *number) string {
	class, status := "tm-status-unavail", "Not for sale"
	if n.restricted {
		class, status = "tm-status-restricted", "Restricted"
	}
	page := `<section class="tm-section"><div class="tm-section-header"><h1 class="tm-section-header-text">` + display(d) +
		`</h1><span class="tm-section-header-status ` + class + `">` + status + `</span></div>`
	if n.restricted {
		page += `<blockquote class="tm-section-blockquote tm-warning">This number is restricted on Telegram.</blockquote>`
	}
	return page + `</section>`
}
