// Package ctxtime holds the one wait the adapters share: a sleep that a
// cancelled context ends at once, so that retries and rate limits never
// hold a shutdown. It is a package of its own so that every client (the
// Sheets and Fragment clients) waits the same way; the Telegram outbox
// keeps its own copy because it imports nothing of Allot's.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, whichever comes first, and returns
// ctx's error in the second case. A d of zero or less returns at once,
// with ctx's error if it is already done.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
