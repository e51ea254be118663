package outbox

import (
	"context"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// Flood limits: a token bucket per chat and one for the whole bot, taken
// together so that messages do not bunch up past either.

// acquire returns chatID's limiter, marked busy so it is not forgotten while
// in use, and forgets chats idle for a while (at most once per chatIdle).
func (o *Outbox) acquire(chatID int64) *chatLimiter {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now := o.now(); now.Sub(o.swept) >= chatIdle {
		o.swept = now
		for id, c := range o.chats {
			if c.busy == 0 && now.Sub(c.last) > o.idle {
				delete(o.chats, id)
			}
		}
	}
	c := o.chats[chatID]
	if c == nil {
		c = &chatLimiter{lim: rate.NewLimiter(rateLimit(o.opts.PerChat*(1-floodMargin)), o.opts.ChatBurst)}
		o.chats[chatID] = c
	}
	c.busy++
	return c
}

func (o *Outbox) release(c *chatLimiter) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.busy--
	c.last = o.now()
}

// admit waits until one more message may go out, to the chat whose limiter
// is chat (nil for an edit) and overall, and takes both tokens at the same
// instant: waiting for one and then the other would let messages bunch up
// past the first limit.
func (o *Outbox) admit(ctx context.Context, chat *rate.Limiter) error {
	for {
		if chat != nil {
			if err := waitToken(ctx, chat); err != nil {
				return err
			}
		}
		select {
		case o.gate <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		ok, err := o.take(ctx, chat)
		<-o.gate
		if ok || err != nil {
			return err
		}
	}
}

// take runs holding the gate, so nobody else takes tokens meanwhile. It
// fails (false, nil) when another message to the same chat took the chat's
// token while this one queued.
func (o *Outbox) take(ctx context.Context, chat *rate.Limiter) (bool, error) {
	if err := waitToken(ctx, o.global); err != nil {
		return false, err
	}
	now := time.Now()
	if chat != nil {
		if tokenDelay(chat, now) > 0 {
			return false, nil
		}
		chat.AllowN(now, 1)
	}
	o.global.AllowN(now, 1)
	return true, nil
}

// waitToken waits until lim holds a token, without taking it.
func waitToken(ctx context.Context, lim *rate.Limiter) error {
	for {
		d := tokenDelay(lim, time.Now())
		if d <= 0 {
			return nil
		}
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

func tokenDelay(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if lim.Limit() == rate.Inf || missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(lim.Limit()) * float64(time.Second)))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
