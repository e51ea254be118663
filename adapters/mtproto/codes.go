package mtproto

import (
	"context"
	"fmt"
	"maps"
	"time"

	"allot/domain"
)

// Codes reads the login codes fragment.com shows for an anonymous number;
// allot/adapters/fragment's Client is one.
//
// LoginCodes returns them newest first, an empty list when there is none
// yet. A check calls it once before asking for a code and then every
// CodePoll from its own goroutine, until a new code shows or CodeWait
// passes; an error is tried again at the next poll. Codes are secrets:
// its errors must not carry them, and the checker never logs them.
type Codes interface {
	LoginCodes(ctx context.Context, number string) ([]domain.LoginCode, error)
}

// seenCodes is what Fragment showed before the code was asked for: each
// code with how often it was shown, and when the newest arrived.
type seenCodes struct {
	count  map[string]int
	newest time.Time
}

func noteCodes(codes []domain.LoginCode) seenCodes {
	s := seenCodes{count: map[string]int{}}
	for _, c := range codes {
		s.count[c.Code]++
		if c.At.After(s.newest) {
			s.newest = c.At
		}
	}
	return s
}

// fresh returns the newest code of codes that was not shown before. A
// code shown once more than before is new too (same digits, new code),
// unless Fragment dates it before the newest old one.
func (s seenCodes) fresh(codes []domain.LoginCode) (string, bool) {
	left := maps.Clone(s.count)
	for _, c := range codes {
		switch {
		case left[c.Code] > 0:
			left[c.Code]--
		case c.Code == "", !c.At.IsZero() && c.At.Before(s.newest):
		default:
			return c.Code, true
		}
	}
	return "", false
}

// awaitCode polls Codes until a fresh code shows, for at most CodeWait.
func (a *attempt) awaitCode(ctx context.Context) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, a.c.codeWait)
	defer cancel()
	tick := time.NewTicker(a.c.codePoll)
	defer tick.Stop()
	var lastErr error
	for {
		codes, err := a.c.codes.LoginCodes(wctx, a.number)
		if code, ok := a.seen.fresh(codes); err == nil && ok {
			a.c.log.Debug("mtproto: login code arrived on Fragment", "number", a.number)
			return code, nil
		}
		if err != nil && wctx.Err() == nil {
			lastErr = err
			a.c.log.Debug("mtproto: reading codes failed; trying again", "number", a.number)
		}
		select {
		case <-wctx.Done():
			return "", a.noCode(ctx, lastErr)
		case <-tick.C:
		}
	}
}

// noCode says why no code came: the caller gave up, the connection died,
// or the wait ran out (with Fragment failing, when its last look did).
func (a *attempt) noCode(ctx context.Context, last error) error {
	switch {
	case a.outer.Err() != nil:
		return fmt.Errorf("mtproto: wait for the login code: %w", a.outer.Err())
	case ctx.Err() != nil:
		return fmt.Errorf("%w: connection lost while waiting for the login code", ErrUnavailable)
	case last != nil:
		return fmt.Errorf("%w within %v; the last look failed: %w", ErrNoCode, a.c.codeWait, last)
	}
	return fmt.Errorf("%w within %v", ErrNoCode, a.c.codeWait)
}
