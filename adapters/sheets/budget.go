package sheets

import (
	"context"
	"math/rand/v2"
	"time"

	"allot/adapters/ctxtime"

	"golang.org/x/time/rate"
)

// clock is where the client reads the time and how it waits: the real
// one in production, a hand-moved one in tests, so that budgets and
// backoffs are exercised without sleeping.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func realClock() clock { return clock{now: time.Now, sleep: ctxtime.Sleep} }

// budget paces requests to Google's per-user quotas, reads and writes
// apart: Google counts them apart, and one shared limiter fast enough for
// both would let writes alone exceed the write quota.
type budget struct {
	reads, writes *rate.Limiter
	clock         clock
}

func newBudget(readsPerMinute, writesPerMinute int, c clock) *budget {
	return &budget{reads: perMinute(readsPerMinute, c.now()), writes: perMinute(writesPerMinute, c.now()), clock: c}
}

// perMinute is a token bucket refilled at n a minute. Its burst is small
// and chosen so that n plus the burst, less one, stays within
// MaxPerMinute: a bucket passes at most n+burst-1 requests in any minute
// (burst saved up, then n-1 refills inside the minute).
func perMinute(n int, now time.Time) *rate.Limiter {
	l := rate.NewLimiter(rate.Limit(float64(n)/60), burstFor(n))
	l.AllowN(now, 0) // start the bucket's clock at ours, full
	return l
}

func burstFor(n int) int { return max(1, min(5, MaxPerMinute+1-n)) }

// take waits for one request's worth of budget, or until ctx is done (the
// token is then given back).
func (b *budget) take(ctx context.Context, write bool) error {
	l := b.reads
	if write {
		l = b.writes
	}
	now := b.clock.now()
	r := l.ReserveN(now, 1)
	if err := b.clock.sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(b.clock.now())
		return err
	}
	return nil
}

// backoff is truncated exponential backoff with full jitter, as Google
// advises for 429s: the nth retry waits a random time in [0, min(max,
// base*2^(n-1))), which spreads clients that failed together.
type backoff struct {
	base, max time.Duration
	jitter    func(limit time.Duration) time.Duration
}

func defaultBackoff() backoff {
	return backoff{base: time.Second, max: 32 * time.Second, jitter: fullJitter}
}

func fullJitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// delay is the wait before retry n (1 for the first retry).
func (b backoff) delay(n int) time.Duration {
	limit := b.max
	if n <= 30 { // beyond that the shift overflows; the cap binds long before
		limit = min(b.max, b.base<<(n-1))
	}
	return b.jitter(limit)
}
