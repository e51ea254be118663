package sheets

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Client is the stock port (stocker.Store) on the Google Sheets API v4.
// It keeps within Google's per-user quotas (separate read and write
// budgets), retries what is safe to retry, reports writes that may or may
// not have landed as ErrAmbiguous, and stops calling a failing Google for
// a while (its circuit breaker). It is safe for concurrent use.
type Client struct {
	api       *api
	transport *http.Transport // under api, and the token exchange: Close drops its idle connections
	budget    *budget
	breaker   *gobreaker.TwoStepCircuitBreaker[struct{}]
	clock     clock
	backoff   backoff
	attempts  int
	tabs      tabCache
	stats     counters
}

// Defaults of NewClient for the Config fields left zero.
const (
	DefaultTimeout         = 30 * time.Second
	DefaultAttempts        = 8
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = 30 * time.Second
)

// Option changes how NewClient builds a Client, for tests: the Config is
// what an operator sets, Options are what a test injects.
type Option func(*Client)

// WithClock makes the client read the time from now and wait with sleep,
// for budgets and backoffs. A test passes a clock it moves by hand (and the
// same clock to sheetstest.WithClock) so that minutes of quota pass in
// microseconds. sleep must return ctx.Err() once ctx is done.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.clock = clock{now: now, sleep: sleep} }
}

// NewClient connects to Google Sheets as cfg says: with the service
// account key, or without authentication to cfg.Endpoint (a fake). It
// makes no request; the first call exchanges the key for a token.
func NewClient(ctx context.Context, cfg Config, opts ...Option) (*Client, error) {
	if !cfg.Enabled {
		return nil, errors.New("sheets: the config is not enabled (no credentials and no endpoint)")
	}
	cfg = withDefaults(cfg)
	c := &Client{
		clock:    realClock(),
		backoff:  defaultBackoff(),
		attempts: cfg.Attempts,
		tabs:     tabCache{ids: map[tabKey]int64{}},
	}
	c.breaker = newBreaker(cfg.BreakerFailures, cfg.BreakerCoolDown, &c.stats.breakerOpens)
	for _, o := range opts {
		o(c)
	}
	c.budget = newBudget(cfg.ReadsPerMinute, cfg.WritesPerMinute, c.clock)
	c.transport = newTransport(cfg.Timeout)
	hc, err := newHTTPClient(ctx, c.transport, cfg)
	if err != nil {
		return nil, err
	}
	endpoint := googleEndpoint
	if cfg.Endpoint != "" {
		endpoint = cfg.Endpoint
	}
	c.api = &api{http: hc, base: endpoint + "/"}
	return c, nil
}

func withDefaults(cfg Config) Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.ReadsPerMinute, DefaultReadsPerMinute)
	def(&cfg.WritesPerMinute, DefaultWritesPerMinute)
	def(&cfg.Attempts, DefaultAttempts)
	def(&cfg.BreakerFailures, DefaultBreakerFailures)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BreakerCoolDown <= 0 {
		cfg.BreakerCoolDown = DefaultBreakerCoolDown
	}
	return cfg
}

// newTransport is the pooled transport every request goes through, the
// token exchange's included.
func newTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
	}
}

// newHTTPClient is the HTTP client of the API calls: with the timeout of
// one exchange and, given a key, the OAuth transport. Without a key (a
// fake endpoint) requests carry no authorization.
func newHTTPClient(ctx context.Context, base *http.Transport, cfg Config) (*http.Client, error) {
	var rt http.RoundTripper = base
	if len(cfg.Credentials) > 0 {
		var err error
		if rt, err = authorized(ctx, base, cfg.Credentials, cfg.Timeout); err != nil {
			return nil, err
		}
	}
	return &http.Client{Transport: rt, Timeout: cfg.Timeout}, nil
}

// Close releases idle connections. The Client must not be used after.
func (c *Client) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

// Healthy is false while the circuit breaker is open, that is while calls
// fail at once with ErrUnavailable: /readyz reports it.
func (c *Client) Healthy() bool { return c.breaker.State() != gobreaker.StateOpen }

// ClientStats counts what the Client did since it was created, for
// metrics. Every field only grows.
type ClientStats struct {
	Reads       uint64 // read requests sent to Google, retries included
	Writes      uint64 // write requests sent to Google, retries included
	RateLimited uint64 // requests Google answered 429
	Retries     uint64 // requests repeated after a 429, 5xx, timeout or failed connection
	Ambiguous   uint64 // writes that may or may not have been applied (ErrAmbiguous)
	BreakerOpen uint64 // calls refused at once by the open breaker (ErrUnavailable)
	// BreakerOpens counts the times the breaker opened. Unlike BreakerOpen
	// it does not depend on whether a call came while it was still open.
	BreakerOpens uint64
}

type counters struct {
	reads, writes, rateLimited, retries, ambiguous, breakerOpen, breakerOpens atomic.Uint64
}

// Stats returns the counters, for metrics and tests.
func (c *Client) Stats() ClientStats {
	s := &c.stats
	return ClientStats{
		Reads: s.reads.Load(), Writes: s.writes.Load(), RateLimited: s.rateLimited.Load(),
		Retries: s.retries.Load(), Ambiguous: s.ambiguous.Load(), BreakerOpen: s.breakerOpen.Load(),
		BreakerOpens: s.breakerOpens.Load(),
	}
}
