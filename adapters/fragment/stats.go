package fragment

import (
	"maps"
	"strings"
	"time"
)

// Names of the client's calls, as Stats and the logs give them.
const (
	CallLoginCodes        = "login_codes"
	CallTerminateSessions = "terminate_sessions"
	CallSetLoginCodes     = "set_login_codes"
	CallMyNumbers         = "my_numbers"
)

// Call is a Stats key: a call of the client and how it ended ("ok",
// "session_expired", "not_owned", "bad_number", "rate_limited",
// "unavailable", "bad_reply", "canceled" or "error"). Neither ever holds a number or a code.
type Call struct {
	Method, Outcome string
}

// Stats counts what the Client did since New, for metrics and tests.
// Every count only grows.
type Stats struct {
	Calls         map[Call]uint64   // calls by name and outcome
	Requests      map[string]uint64 // HTTP requests by Fragment method; "page" for page loads, retries included
	Retries       uint64            // requests repeated after a 429, 5xx or lost answer
	HashFetches   uint64            // api hashes fetched: the first, and each after a "Bad request"
	BreakerOpens  uint64            // times the circuit breaker opened
	CookieUpdates uint64            // login cookies refreshed by Fragment's Set-Cookie
}

type counters struct {
	calls                                             map[Call]uint64
	requests                                          map[string]uint64
	retries, hashFetches, breakerOpens, cookieUpdates uint64
}

func newCounters() counters {
	return counters{calls: map[Call]uint64{}, requests: map[string]uint64{}}
}

// Stats returns a copy of the counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.stats
	return Stats{
		Calls: maps.Clone(s.calls), Requests: maps.Clone(s.requests), Retries: s.retries,
		HashFetches: s.hashFetches, BreakerOpens: s.breakerOpens, CookieUpdates: s.cookieUpdates,
	}
}

// count runs f on the counters under the lock.
func (c *Client) count(f func(*counters)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// finish counts a call, updates what Health reports, logs a failure and
// returns err unchanged.
func (c *Client) finish(name string, s session, err error) error {
	out := outcome(err)
	now := c.now()
	c.mu.Lock()
	c.stats.calls[Call{name, out}]++
	newlyExpired := c.note(s.gen, out, now)
	again := c.warnedLately(name+" "+out, now)
	c.mu.Unlock()
	switch {
	case newlyExpired:
		c.log.Warn("fragment: session expired; log in to fragment.com again and set new cookies", "call", name)
	case out == "ok" || out == "canceled" || out == "not_owned" || out == "bad_number" || again:
		c.log.Debug("fragment: call done", "call", name, "outcome", out, "err", err)
	default:
		c.log.Warn("fragment: call failed", "call", name, "outcome", out, "err", err)
	}
	return err
}

// warnedLately tells whether the same failure was logged as a warning in
// the last minute (the engine polls codes every few seconds: one line a
// minute is enough), and notes this one. Call with c.mu held.
func (c *Client) warnedLately(key string, now time.Time) bool {
	if at, ok := c.warned[key]; ok && now.Sub(at) < time.Minute {
		return true
	}
	c.warned[key] = now
	return false
}

// note keeps the session's state for Health, under c.mu. It reports a
// session that has just expired. A call made with replaced cookies
// changes nothing.
func (c *Client) note(gen uint64, out string, now time.Time) bool {
	if gen != c.gen {
		return false
	}
	switch out {
	case "ok":
		c.expired, c.lastFail, c.lastWhy = false, time.Time{}, ""
	case "not_owned", "canceled", "bad_number":
	case "session_expired":
		was := c.expired
		c.expired, c.lastFail, c.lastWhy = true, now, "session expired"
		return !was
	default:
		c.lastFail, c.lastWhy = now, strings.ReplaceAll(out, "_", " ")
	}
	return false
}
