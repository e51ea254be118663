package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	ta "github.com/mymmrac/telego/telegoapi"
)

// Retries: what Telegram asks to be retried is, after the wait it names;
// anything else is returned wrapped, a refusal to deliver as ErrBlocked.

// do makes one Bot API call, retrying up to MaxRetries times what Telegram
// asks to be retried: a 429 after exactly its retry_after, a 5xx after a
// short backoff. Anything else is returned at once, a 403 wrapping ErrBlocked.
func (o *Outbox) do(ctx context.Context, method string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		wait, again := o.retryAfter(err, attempt)
		if !again || attempt >= o.opts.MaxRetries || ctx.Err() != nil {
			return wrapCall(method, err)
		}
		o.retries.Add(1)
		o.log.Debug("telegram: retrying", "method", method, "in", wait, "err", err)
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
	}
}

// retryAfter says whether err is worth another attempt and after how long.
// telego returns a 5xx as a plain error, "internal server error: NNN", as
// it does not read the body of one.
func (o *Outbox) retryAfter(err error, attempt int) (time.Duration, bool) {
	var api *ta.Error
	switch {
	case errors.As(err, &api) && api.ErrorCode == 429:
		o.tooMany.Add(1)
		o.troubleAt.Store(o.now().UnixNano())
		secs := 1
		if api.Parameters != nil && api.Parameters.RetryAfter > 0 {
			secs = api.Parameters.RetryAfter
		}
		o.log.Info("telegram: flood control", "retry_after", secs)
		return time.Duration(secs) * time.Second, true
	case api != nil && api.ErrorCode < 500:
		return 0, false
	case api != nil || strings.Contains(err.Error(), "internal server error: "):
		return min(backoffFirst<<min(attempt, 8), backoffLongest), true
	}
	return 0, false
}

func wrapCall(method string, err error) error {
	var api *ta.Error
	if errors.As(err, &api) && api.ErrorCode == 403 {
		return fmt.Errorf("%s: %w: %w", method, ErrBlocked, err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// apiSays reports whether err is a 400 from Telegram whose description
// contains one of phrases. Telegram has no codes finer than the HTTP status,
// so its wording is all there is to go on.
func apiSays(err error, phrases ...string) bool {
	var api *ta.Error
	if !errors.As(err, &api) || api.ErrorCode != 400 {
		return false
	}
	for _, p := range phrases {
		if strings.Contains(api.Description, p) {
			return true
		}
	}
	return false
}

// truncateRunes cuts s to at most n runes, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
