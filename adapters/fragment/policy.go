package fragment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// budget is the client's own request budget, a token bucket over every
// request it sends: Fragment documents no limit, and its own page polls
// codes no faster than every 1.2 s.
type budget struct {
	l     *rate.Limiter
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func newBudget(perSecond float64, burst int, now func() time.Time, sleep func(context.Context, time.Duration) error) *budget {
	l := rate.NewLimiter(rate.Limit(perSecond), burst)
	l.AllowN(now(), 0) // start the bucket's clock at ours, full
	return &budget{l: l, now: now, sleep: sleep}
}

// take waits for one request's worth, or until ctx is done (the token is
// then given back).
func (b *budget) take(ctx context.Context) error {
	now := b.now()
	r := b.l.ReserveN(now, 1)
	if err := b.sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(b.now())
		return err
	}
	return nil
}

// breaker stops requests after limit consecutive failures (5xx, no
// answer) for coolDown, then lets one probe through: its success closes
// the breaker, its failure opens it again.
type breaker struct {
	mu       sync.Mutex
	limit    int
	coolDown time.Duration
	failures int
	open     bool
	openedAt time.Time
	probing  bool
}

type verdict int

const (
	answered verdict = iota // Fragment answered, whatever it said
	failed                  // 5xx, or no answer
	ignored                 // the caller gave up: says nothing about Fragment
)

// allow asks to send one request; probe is true for the one request let
// through after the cool-down, which must be recorded as a probe.
func (b *breaker) allow(now time.Time) (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return true, false
	case b.probing || now.Sub(b.openedAt) < b.coolDown:
		return false, false
	}
	b.probing = true
	return true, true
}

// record tells how a request went; it reports whether the breaker opened.
func (b *breaker) record(now time.Time, v verdict, probe bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch v {
	case answered:
		b.open, b.failures = false, 0
	case failed:
		b.failures++
		if probe || !b.open && b.failures >= b.limit {
			b.open, b.openedAt = true, now
			return true
		}
	}
	return false
}

// isOpen tells whether requests are refused now (a probe may be due).
func (b *breaker) isOpen(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open && (b.probing || now.Sub(b.openedAt) < b.coolDown)
}

// exchange is one HTTP request that the policy may repeat.
type exchange struct {
	method string // Fragment's method, or "page"
	safe   bool   // the same request twice does what it does once
	send   func(ctx context.Context) error
}

// maxRetryAfter is the longest Retry-After the client waits inside a call;
// a longer one is returned as ErrRateLimited for the caller to schedule.
const maxRetryAfter = 30 * time.Second

// do sends x within the breaker and the budget, repeating it where that is
// safe: a 429 always (Fragment refused it, so nothing was done), a request
// that never left always, and a 5xx or a lost answer only when x is safe.
func (c *Client) do(ctx context.Context, x exchange) error {
	for n := 0; ; n++ {
		err := c.attempt(ctx, x)
		if err != nil && ctx.Err() != nil {
			return given(x, err, ctx.Err())
		}
		wait, again := c.retryAfter(ctx, x, err, n)
		if !again {
			return final(x, err)
		}
		c.count(func(s *counters) { s.retries++ })
		c.log.Debug("fragment: retrying", "method", x.method, "wait", wait, "why", err)
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryAfter says whether the nth repeat (from 0) is due, and after how long.
func (c *Client) retryAfter(ctx context.Context, x exchange, err error, n int) (time.Duration, bool) {
	var se *statusError
	var ne *netError
	backoff := time.Duration(1+n) * time.Second
	switch {
	case err == nil || ctx.Err() != nil || n >= c.retries:
		return 0, false
	case errors.As(err, &se) && se.code == http.StatusTooManyRequests:
		if se.retryAfter >= 0 {
			return se.retryAfter, se.retryAfter <= maxRetryAfter
		}
		return backoff, true
	case errors.As(err, &se):
		return backoff, x.safe
	case errors.As(err, &ne):
		return backoff, x.safe || !ne.sent
	}
	return 0, false
}

// final turns the last attempt's error into one of the package's.
func final(x exchange, err error) error {
	var se *statusError
	var ne *netError
	switch {
	case errors.As(err, &se) && se.code == http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s: %w", ErrRateLimited, x.method, err)
	case errors.As(err, &se), errors.As(err, &ne):
		if !x.safe {
			return fmt.Errorf("%w: %s: %w (it may or may not have been done)", ErrUnavailable, x.method, err)
		}
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, x.method, err)
	}
	return err
}

// given is the error of a call whose caller gave up: an unsafe request
// that left may have been done.
func given(x exchange, err, cause error) error {
	var ne *netError
	if !x.safe && errors.As(err, &ne) && ne.sent {
		return fmt.Errorf("fragment: %s: %w (it may or may not have been done)", x.method, cause)
	}
	return fmt.Errorf("fragment: %s: %w", x.method, cause)
}

// attempt sends x once: it asks the breaker, waits for the budget, sends
// with the per-request timeout and tells the breaker how it went.
func (c *Client) attempt(ctx context.Context, x exchange) error {
	ok, probe := c.breaker.allow(c.now())
	if !ok {
		return fmt.Errorf("%w: circuit breaker open", ErrUnavailable)
	}
	if err := c.budget.take(ctx); err != nil {
		c.breaker.record(c.now(), ignored, probe)
		return err
	}
	c.count(func(s *counters) { s.requests[x.method]++ })
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := x.send(actx)
	if c.breaker.record(c.now(), judge(ctx, err), probe) {
		c.count(func(s *counters) { s.breakerOpens++ })
		c.log.Warn("fragment: circuit breaker open: Fragment keeps failing", "method", x.method)
	}
	return err
}

// judge is what the breaker is told about one request.
func judge(ctx context.Context, err error) verdict {
	var se *statusError
	var ne *netError
	switch {
	case ctx.Err() != nil:
		return ignored
	case errors.As(err, &se) && se.code >= 500, errors.As(err, &ne):
		return failed
	}
	return answered
}
