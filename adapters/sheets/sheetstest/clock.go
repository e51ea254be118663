package sheetstest

import (
	"context"
	"sync"
	"time"
)

// Clock is simulated time shared by a Client (sheets.WithClock), the fake
// (WithClock) and a test or the load test: the Client's waits (request
// budgets, backoffs) move it instead of sleeping, so minutes of Google's
// quota pass in microseconds. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock by d instead of waiting; a done ctx moves nothing.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the clock by d (a negative d moves nothing).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
}
