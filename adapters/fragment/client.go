package fragment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"allot/adapters/ctxtime"
)

// Defaults of New for the Options left zero.
const (
	DefaultBaseURL         = "https://fragment.com"
	DefaultRate            = 2.0 // requests a second: the page itself polls codes every 1.2 s
	DefaultBurst           = 2
	DefaultTimeout         = 20 * time.Second
	DefaultRetries         = 2
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = 30 * time.Second
	DefaultUserAgent       = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)

// Options configure New. Every zero field takes its default.
type Options struct {
	BaseURL string  // DefaultBaseURL; a fragmenttest.Server's URL in tests
	Cookies Cookies // the operator's browser login; zero leaves the client off until SetCookies
	// HTTP sends the requests. The client uses a copy that does not follow
	// redirects (a redirect to /auth is how a lost session shows) and has
	// no cookie jar (the client sends the cookies itself).
	HTTP    *http.Client
	Rate    float64       // requests a second, all methods together: DefaultRate
	Burst   int           // requests that may go at once after a quiet spell: DefaultBurst
	Timeout time.Duration // one request: DefaultTimeout
	Retries int           // repeats of a request after a 429, 5xx or lost answer: DefaultRetries; negative for none
	Log     *slog.Logger  // warnings and debug lines; never a code or a cookie
	Now     func() time.Time
	// Sleep waits d or until ctx is done (then it returns ctx.Err()). Tests
	// pass one that moves their clock, so that budgets and backoffs cost
	// nothing.
	Sleep           func(ctx context.Context, d time.Duration) error
	BreakerFailures int           // consecutive failed requests that open the breaker: DefaultBreakerFailures
	BreakerCoolDown time.Duration // how long it stays open before one probe: DefaultBreakerCoolDown
	// UserAgent is sent with every request. Give the browser's own when
	// Fragment (or Cloudflare in front of it) ties the login to it.
	UserAgent string
}

// Client is fragment.com's web API as the operator's browser uses it: login
// codes, ending sessions and codes on/off for an anonymous number, and the
// account's numbers. It keeps within its own request budget, retries only
// what is safe, stops calling a failing Fragment for a while, and notices
// a lost login (ErrSessionExpired, Health). It is safe for concurrent use.
type Client struct {
	origin    string // scheme://host[:port] of BaseURL, no trailing slash
	http      *http.Client
	own       *http.Transport // ours to close; nil when Options.HTTP was given
	log       *slog.Logger
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	timeout   time.Duration
	retries   int
	userAgent string
	budget    *budget
	breaker   *breaker
	hashMu    sync.Mutex // one hash fetch at a time

	mu       sync.Mutex
	cookies  Cookies
	gen      uint64 // counts SetCookies: a late reply about older cookies changes nothing
	hash     string // the api hash for gen, "" until fetched
	expired  bool
	lastFail time.Time
	lastWhy  string
	warned   map[string]time.Time // when each call's failure was last logged as a warning
	stats    counters
}

// New makes a Client. It sends nothing: the first call fetches the api hash.
func New(o Options) (*Client, error) {
	o, err := withDefaults(o)
	if err != nil {
		return nil, err
	}
	origin := strings.TrimRight(o.BaseURL, "/")
	c := &Client{
		origin: origin, log: o.Log, now: o.Now, sleep: o.Sleep, timeout: o.Timeout,
		retries: o.Retries, userAgent: o.UserAgent, cookies: o.Cookies,
		budget:  newBudget(o.Rate, o.Burst, o.Now, o.Sleep),
		breaker: &breaker{limit: o.BreakerFailures, coolDown: o.BreakerCoolDown},
		stats:   newCounters(), warned: map[string]time.Time{},
	}
	c.http, c.own = httpClient(o.HTTP)
	return c, nil
}

func withDefaults(o Options) (Options, error) {
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(o.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return o, errors.New("fragment: BaseURL must be http(s)://host[:port], without a path")
	}
	if o.Rate < 0 || o.Burst < 0 || o.Timeout < 0 || o.BreakerFailures < 0 || o.BreakerCoolDown < 0 {
		return o, errors.New("fragment: Rate, Burst, Timeout and the breaker settings cannot be negative")
	}
	o.Rate = orDefault(o.Rate, DefaultRate)
	o.Burst = orDefault(o.Burst, DefaultBurst)
	o.Timeout = orDefault(o.Timeout, DefaultTimeout)
	o.BreakerFailures = orDefault(o.BreakerFailures, DefaultBreakerFailures)
	o.BreakerCoolDown = orDefault(o.BreakerCoolDown, DefaultBreakerCoolDown)
	o.UserAgent = orDefault(o.UserAgent, DefaultUserAgent)
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = ctxtime.Sleep
	}
	return o, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// httpClient copies hc (or makes one) so that it neither follows
// redirects nor keeps cookies of its own.
func httpClient(hc *http.Client) (*http.Client, *http.Transport) {
	var own *http.Transport
	if hc == nil {
		own = http.DefaultTransport.(*http.Transport).Clone()
		hc = &http.Client{Transport: own}
	}
	cp := *hc
	cp.Jar = nil
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp, own
}

// Close drops the idle connections of the transport New made. The Client
// must not be used after.
func (c *Client) Close() error {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// session is the login a call uses from start to end.
type session struct {
	cookies Cookies
	gen     uint64
}

// begin snapshots the login for one call; without one it fails at once.
func (c *Client) begin() (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cookies.IsZero() {
		return session{}, fmt.Errorf("%w: no cookies set", ErrSessionExpired)
	}
	return session{cookies: c.cookies, gen: c.gen}, nil
}

// cookiesFor is what a request of session s sends: the client's cookies
// as Fragment last refreshed them, unless SetCookies replaced them since
// the call began.
func (c *Client) cookiesFor(s session) Cookies {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.gen == c.gen {
		return c.cookies
	}
	return s.cookies
}

// SetCookies replaces the login without a restart: the cached api hash
// is dropped and the session counts as alive until Fragment says
// otherwise. Calls under way finish with the cookies they started with.
func (c *Client) SetCookies(ck Cookies) {
	c.mu.Lock()
	c.cookies = ck
	c.gen++
	c.hash = ""
	c.expired = false
	c.lastFail, c.lastWhy = time.Time{}, ""
	c.mu.Unlock()
	c.log.Info("fragment: cookies replaced")
}

// absorbCookies keeps what a browser would keep of a reply's Set-Cookie:
// a refreshed value of one of the login cookies. A deletion is ignored;
// the next refusal tells that the login is gone.
func (c *Client) absorbCookies(resp *http.Response, gen uint64) {
	for _, ck := range resp.Cookies() {
		if ck.Value == "" || ck.Value == "deleted" || ck.MaxAge < 0 ||
			!ck.Expires.IsZero() && ck.Expires.Before(c.now()) || !validCookieValue(ck.Value) {
			continue
		}
		c.mu.Lock()
		if next, ok := c.cookies.with(ck.Name, ck.Value); ok && gen == c.gen && next.header() != c.cookies.header() {
			c.cookies = next
			c.stats.cookieUpdates++
		}
		c.mu.Unlock()
	}
}

// Health says whether the client can work, for /readyz and the admin.
type Health struct {
	State string // HealthOK, HealthDegraded or HealthOff
	Why   string // empty when ok; never a secret
}

// Health states.
const (
	HealthOK       = "ok"
	HealthDegraded = "degraded"
	HealthOff      = "off"
)

// Health is degraded while the login is expired, while the breaker is
// open, and for a minute after a failed call; off without cookies.
func (c *Client) Health() Health {
	if c == nil {
		return Health{State: HealthOff, Why: "Fragment is not configured"}
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.cookies.IsZero():
		return Health{State: HealthOff, Why: "no Fragment cookies set"}
	case c.expired:
		return Health{State: HealthDegraded, Why: "Fragment session expired: log in again in a browser and set new cookies"}
	case c.breaker.isOpen(now):
		return Health{State: HealthDegraded, Why: "Fragment is failing: calls paused by the circuit breaker"}
	case !c.lastFail.IsZero() && now.Sub(c.lastFail) < time.Minute:
		return Health{State: HealthDegraded, Why: "the last Fragment call failed: " + c.lastWhy}
	}
	return Health{State: HealthOK}
}
