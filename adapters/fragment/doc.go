// Package fragment drives fragment.com's web API with the operator's
// browser cookies: the login codes of an anonymous +888 number, ending
// every session on it, turning its codes on and off, and listing the
// account's numbers. Fragment has no official API; the protocol is what
// its own front end does, collected in the shared notes
// (fragment/PROTOCOL.md). fragmenttest is a fake that follows it.
//
// # Protocol
//
// Calls are POST <base>/api?hash=<hex> with a form body (method=… and its
// parameters, numbers as digits without "+"), the headers of the page's
// XMLHttpRequest (X-Requested-With, Origin, Referer, Content-Type,
// Accept) and the cookies stel_ssid, stel_dt, stel_token, stel_ton_token.
// The hash is read from ajInit's "apiUrl" on the front page, kept, and
// read again when a reply is {"error":"Bad request"} (the call is then
// made once more). Pages are loaded in AJAX mode (X-Requested-With and
// X-Aj-Referer) as JSON {h,s,j,…}; an "r" field or an HTTP redirect sends
// the page elsewhere.
//
//   - LoginCodes: updateLoginCodes(number, lt=0, from_app=1); the codes are
//     the first .table-cell-value of each row of the html's table, with the
//     row's <time datetime> when there is one.
//   - TerminateSessions: terminatePhoneSessions(number) returns a
//     terminate_hash; terminatePhoneSessions(number, terminate_hash) ends
//     the sessions. No terminate_hash means nothing to end.
//   - SetLoginCodes: toggleLoginCodes(number, can_receive=1|0).
//   - MyNumbers: /my/numbers, rows tr.tm-row-selectable with a link to
//     /number/<digits> and a tm-status-* status.
//
// # Keeping within bounds
//
// Every request, retries and hash fetches included, draws from one token
// bucket (Options.Rate, Burst). A 429 is retried after its Retry-After or
// (1+n) s; a 5xx or a lost answer only for requests that may be repeated
// (every read, toggleLoginCodes, the first terminate step), never for the
// second terminate step, which may have been done. After
// Options.BreakerFailures consecutive 5xx or lost answers the breaker
// refuses calls (ErrUnavailable) for BreakerCoolDown, then lets one probe
// through.
//
// # A lost login
//
// {"error":"Access denied"}, HTTP 401 or 403, a page whose Wallet.init
// says logged_in false or has an empty address, and a redirect to /auth
// (or away from /my/numbers) are ErrSessionExpired, and Health is
// degraded until a call succeeds or SetCookies brings new cookies.
//
// # Guesses
//
// No real capture exists of the codes page, of the /my/numbers page, of
// the replies of toggleLoginCodes and the second terminate step, or of an
// expired session. The client therefore tolerates: a reply to
// updateLoginCodes without html (no code), an empty codes page (no table,
// but one of the classes of Fragment's codes page), an empty reply, {} or
// {"ok":true} from toggleLoginCodes, a first terminate step with or
// without terminate_hash when there is nothing to end, a "Show more" row
// with an href or only data-next-offset (read as /my/numbers?offset=N) or
// none, and a refreshed login cookie in a Set-Cookie. An error reads as
// ErrNotOwned when it says "not found", "not yours" and the like. Markup
// of any other shape is ErrBadReply, logged by its classes only.
//
// # Secrets
//
// Cookies print redacted with every verb and in slog. Codes and cookies
// never appear in an error, a log line or Stats; Fragment's own error
// texts are quoted with their digit runs masked.
package fragment
