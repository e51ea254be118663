package fragmenttest

import "strconv"

// Option configures a Server: mostly which of the unconfirmed variants of
// Fragment's protocol it plays.
type Option func(*config)

type config struct {
	pageSize        int
	expiry          Expiry
	toggle          ToggleReply
	omitUnchanged   bool
	hashWhenIdle    bool
	retryAfter      string
	apiURL          APIURLStyle
	nextHref        bool
	notOwnedMessage string
}

// Expiry is how an expired login shows; the real one is unconfirmed.
type Expiry int

const (
	// ExpiryAccessDenied: the API answers {"error":"Access denied"}; pages
	// show Wallet.init with logged_in false and an empty address.
	ExpiryAccessDenied Expiry = iota
	// ExpiryUnauthorized: HTTP 401 from the API and the pages that need a login.
	ExpiryUnauthorized
	// ExpiryForbidden: HTTP 403 from the API and the pages that need a login.
	ExpiryForbidden
	// ExpiryLoggedOut: as ExpiryAccessDenied, and the api hash changes
	// with the session, so a client first meets {"error":"Bad request"}
	// and then a front page that shows it logged out.
	ExpiryLoggedOut
	// ExpiryRedirect: the API answers "Access denied"; pages redirect to
	// /auth (HTTP 302, or {"r":"/auth"} in AJAX mode).
	ExpiryRedirect
)

// ToggleReply is what toggleLoginCodes answers on success; unconfirmed.
type ToggleReply int

// The replies of toggleLoginCodes.
const (
	ToggleOK        ToggleReply = iota // {"ok":true}
	ToggleEmptyJSON                    // {}
	ToggleNoBody                       // HTTP 200 with an empty body
)

// APIURLStyle is how the front page writes ajInit's apiUrl.
type APIURLStyle int

// The ways of writing apiUrl.
const (
	APIURLEscaped  APIURLStyle = iota // "\/api?hash=…", as Fragment does
	APIURLPlain                       // "/api?hash=…"
	APIURLAbsolute                    // "https:\/\/host\/api?hash=…"
)

// WithPageSize sets how many numbers a page of /my/numbers lists before a
// "Show more" row (default 50).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = max(1, n) } }

// WithExpiry chooses how an expired login shows (default ExpiryAccessDenied).
func WithExpiry(e Expiry) Option { return func(c *config) { c.expiry = e } }

// WithToggleReply chooses toggleLoginCodes' reply (default ToggleOK).
func WithToggleReply(r ToggleReply) Option { return func(c *config) { c.toggle = r } }

// WithUnchangedHTMLOmitted makes updateLoginCodes leave html out when
// nothing changed since the client's lt (with lt=0: when the number never
// had a code nor a change).
func WithUnchangedHTMLOmitted(on bool) Option { return func(c *config) { c.omitUnchanged = on } }

// WithTerminateHashWhenIdle makes the first terminatePhoneSessions return a
// terminate_hash even when the number has no session (default: none).
func WithTerminateHashWhenIdle(on bool) Option { return func(c *config) { c.hashWhenIdle = on } }

// WithRetryAfter sets the Retry-After of injected 429s in seconds (default
// 1); negative leaves the header out.
func WithRetryAfter(seconds int) Option {
	return func(c *config) {
		c.retryAfter = ""
		if seconds >= 0 {
			c.retryAfter = strconv.Itoa(seconds)
		}
	}
}

// WithAPIURL sets how the front page writes the api URL.
func WithAPIURL(style APIURLStyle) Option { return func(c *config) { c.apiURL = style } }

// WithNextHref gives the "Show more" row an href to the next page as
// well as data-next-offset.
func WithNextHref(on bool) Option { return func(c *config) { c.nextHref = on } }

// WithNotOwnedMessage sets the error the API gives for a number that is
// not the account's (default NotOwnedMessage).
func WithNotOwnedMessage(text string) Option { return func(c *config) { c.notOwnedMessage = text } }

// NotOwnedMessage is the fake's error for a number not the account's. The
// real wording is unknown.
const NotOwnedMessage = "Number not found"

// FailNext answers the next n requests of kind (a Method or Page constant)
// with HTTP status: 429 carries Retry-After, any other status an HTML
// error page, as Cloudflare gives.
func (s *Server) FailNext(kind string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails[kind] = append(s.fails[kind], status)
	}
}

// OddHTML switches markup of a new shape on or off: the codes page
// without its table, /my/numbers rows that are not table rows.
func (s *Server) OddHTML(on bool) {
	s.mu.Lock()
	s.odd = on
	s.mu.Unlock()
}
