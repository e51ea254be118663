package sheets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/oauth2"
)

// failure sorts an error from the Sheets client by what may be done next.
type failure int

const (
	failNone      failure = iota
	failQuota             // 429: refused before applying, safe to retry
	failNotSent           // could not connect: nothing reached Google
	failTransient         // 5xx, timeout, cut connection: may have been applied
	failCanceled          // the caller gave up; may have been applied if sent
	failPermanent         // 4xx: Google refused the request as it is
)

// classify says what an error from one attempt means. ctx is the caller's:
// its end is the caller giving up, whereas our own per-request timeout
// (http.Client.Timeout, which also wraps context.DeadlineExceeded) is
// Google being slow.
func classify(ctx context.Context, err error) failure {
	var gerr *apiError
	var op *net.OpError
	var tok errToken
	var refused *oauth2.RetrieveError
	switch {
	case err == nil:
		return failNone
	case ctx.Err() != nil:
		return failCanceled
	case errors.As(err, &tok) && errors.As(err, &refused) && refused.Response != nil &&
		refused.Response.StatusCode >= 400 && refused.Response.StatusCode < 500:
		return failPermanent // the token endpoint refused the key: revoked or deleted, say
	case errors.As(err, &tok):
		return failNotSent // no token, so the request never left
	case errors.As(err, &gerr):
		switch {
		case gerr.Code == http.StatusTooManyRequests:
			return failQuota
		case gerr.Code >= 500:
			return failTransient
		}
		return failPermanent
	case errors.As(err, &op) && op.Op == "dial":
		return failNotSent
	}
	return failTransient
}

// op describes one stocker.Store call to the retry policy and names it in errors.
type op struct {
	name       string // "read", "append rows", ...
	tab        string
	write      bool
	idempotent bool // the same request twice leaves what it leaves once
}

func (o op) errorf(format string, args ...any) error {
	return fmt.Errorf("sheets: %s %q: "+format, append([]any{o.name, o.tab}, args...)...)
}

// do runs call within the budget and the breaker, retrying what is safe
// to retry: 429s always (Google refused before applying), dial failures
// always (nothing was sent), and 5xx, timeouts and cut connections only for
// idempotent calls. A non-idempotent write that fails in flight is
// returned as ErrAmbiguous for the caller to check, never retried.
func (c *Client) do(ctx context.Context, o op, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, o, call)
		f := classify(ctx, err)
		switch {
		case f == failNone:
			return nil
		case errors.Is(err, ErrUnavailable):
			return o.errorf("%w", err)
		case f == failCanceled && o.write && !o.idempotent && sent(err):
			c.stats.ambiguous.Add(1)
			return o.errorf("%w: %w", ErrAmbiguous, err)
		case f == failCanceled:
			return o.errorf("%w", err)
		case f == failPermanent:
			return o.errorf("%w", err)
		case f == failTransient && !o.idempotent:
			c.stats.ambiguous.Add(1)
			return o.errorf("%w: %w", ErrAmbiguous, err)
		}
		if attempt >= c.attempts {
			return o.errorf("giving up after %d attempts: %w", attempt, err)
		}
		c.stats.retries.Add(1)
		if err := c.clock.sleep(ctx, c.backoff.delay(attempt)); err != nil {
			return o.errorf("%w", err)
		}
	}
}

// errNotSent marks a call given up before its request left: waiting for
// the budget, say. Such a write is not ambiguous.
var errNotSent = errors.New("sheets: request not sent")

func sent(err error) bool { return !errors.Is(err, errNotSent) }

// attempt makes one request: it asks the breaker, waits for the budget,
// sends, and tells the breaker how it went.
func (c *Client) attempt(ctx context.Context, o op, call func(context.Context) error) error {
	done, err := c.breaker.Allow()
	if err != nil {
		c.stats.breakerOpen.Add(1)
		return fmt.Errorf("%w (%w)", ErrUnavailable, err)
	}
	if err := c.budget.take(ctx, o.write); err != nil {
		done(errBreakerIgnore)
		return fmt.Errorf("%w: waiting for the request budget: %w", errNotSent, err)
	}
	c.count(o.write)
	err = call(ctx)
	f := classify(ctx, err)
	if f == failQuota {
		c.stats.rateLimited.Add(1)
	}
	done(breakerVerdict(f, err))
	return err
}

func (c *Client) count(write bool) {
	if write {
		c.stats.writes.Add(1)
	} else {
		c.stats.reads.Add(1)
	}
}

// errBreakerIgnore makes the breaker count neither a success nor a
// failure: the caller gave up, which says nothing about Google.
var errBreakerIgnore = errors.New("sheets: not counted by the breaker")

// breakerVerdict is what the breaker is told: only Google failing (5xx,
// timeouts, no connection) counts against it. A 429 or a 4xx is Google
// answering, and counts as a success.
func breakerVerdict(f failure, err error) error {
	switch f {
	case failTransient, failNotSent:
		return err
	case failCanceled:
		return errBreakerIgnore
	}
	return nil
}

func newBreaker(failures int, coolDown time.Duration, opened *atomic.Uint64) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "google-sheets",
		MaxRequests: 1, // one probe when half-open
		Timeout:     coolDown,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= uint32(failures) },
		IsExcluded:  func(err error) bool { return errors.Is(err, errBreakerIgnore) },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				opened.Add(1)
			}
		},
	})
}

// isNoTab tells Google's answers for a tab that does not exist: 400
// "Unable to parse range" for a range naming a renamed or deleted tab, and
// 404 for a spreadsheet that does not exist, whose tabs do not either.
func isNoTab(err error) bool {
	var gerr *apiError
	if !errors.As(err, &gerr) {
		return false
	}
	return gerr.Code == http.StatusNotFound ||
		gerr.Code == http.StatusBadRequest && strings.Contains(gerr.Message, "Unable to parse range")
}

// isNoGrid tells Google's answer for a batchUpdate naming a sheetId that
// does not exist: our cached id is stale.
func isNoGrid(err error) bool {
	var gerr *apiError
	return errors.As(err, &gerr) && gerr.Code == http.StatusBadRequest &&
		strings.Contains(gerr.Message, "No grid with id")
}
