// Package fragmenttest is a fake fragment.com for the Fragment adapter's
// tests, the load test and the offline demo. It follows the web protocol
// of ../PROTOCOL.md (in the shared notes) as far as it is known, and plays
// each unconfirmed variant on request:
//
//	srv := fragmenttest.New(fragmenttest.WithPageSize(2))
//	defer srv.Close()
//	srv.AddNumber("+88801234567")
//	ck, _ := fragment.ParseCookies(srv.Cookies())
//	c, _ := fragment.New(fragment.Options{BaseURL: srv.URL(), Cookies: ck})
//	srv.ArriveCode("+88801234567", "52817", time.Now())
//	codes, _ := c.LoginCodes(ctx, "+88801234567")
//
// # What it serves
//
//   - GET / (public): the page with ajInit({"apiUrl":"\/api?hash=…"}) and
//     Wallet.init({address, logged_in, …}) showing whether the cookies are
//     a live login.
//   - GET /my/numbers[?offset=N]: the account's numbers, WithPageSize at a
//     time, in the markup of the real samples (tr.tm-row-selectable,
//     /number/ links, tm-status-unavail or tm-status-restricted, a
//     "Show more" row with data-next-offset), under a "Numbers N" tab.
//   - GET /number/<digits> and /number/<digits>/code: a number's status
//     page and its codes page; a number not the account's is redirected.
//   - Pages in AJAX mode (X-Requested-With and X-Aj-Referer) come as JSON
//     {v,t,h,j,s}; a redirect as {"r":…}.
//   - POST /api?hash=… with updateLoginCodes, toggleLoginCodes,
//     terminatePhoneSessions (two steps) and canSellItem, checking the hash (a stale one
//     is {"error":"Bad request"}), X-Requested-With, Accept, the form body,
//     Origin and Referer (a foreign one is "Access denied"), and the
//     cookies.
//
// # Faults and variants
//
// ExpireSession (shown as WithExpiry chose), Renew, RotateHash,
// RefreshSSID, FailNext (429 with Retry-After, 5xx), OddHTML, and the
// options for what no capture shows: WithToggleReply,
// WithUnchangedHTMLOmitted, WithTerminateHashWhenIdle, WithAPIURL,
// WithNextHref, WithNotOwnedMessage.
package fragmenttest
