package fragment

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"allot/domain"
)

// Errors of the client. Every error it returns wraps at most one of these
// and never carries a login code, a cookie or Fragment's markup.
var (
	// ErrSessionExpired: fragment.com no longer knows the cookies (an
	// "Access denied" reply, HTTP 401 or 403, a page that shows the wallet
	// logged out, a redirect to /auth). Log in again in a browser and pass
	// the new cookies to SetCookies.
	ErrSessionExpired = errors.New("fragment: session expired")
	// ErrNotOwned: the number is not the account's, or Fragment says so.
	ErrNotOwned = errors.New("fragment: number not owned by this account")
	// ErrRateLimited: Fragment answered 429 on every attempt.
	ErrRateLimited = errors.New("fragment: rate limited")
	// ErrUnavailable: the circuit breaker is open, or Fragment failed (5xx,
	// no connection) on every attempt the call may make.
	ErrUnavailable = errors.New("fragment: unavailable")
	// ErrBadReply: a reply of a shape the client does not know (HTML where
	// JSON was due, a page without the table it should have). The error
	// says what was expected.
	ErrBadReply = errors.New("fragment: unexpected reply")
	// ErrBadCookies: ParseCookies refused the header.
	ErrBadCookies = errors.New("fragment: bad cookies")
)

// errStaleHash is Fragment's {"error":"Bad request"}: the api hash is no
// longer valid. The transport refreshes it and tries once more.
var errStaleHash = errors.New("fragment: api hash refused")

// replyError is an {"error": "..."} from Fragment that means nothing
// the client knows. Its text is Fragment's, scrubbed of digit runs.
type replyError struct {
	method, text string
}

func (e *replyError) Error() string {
	return fmt.Sprintf("fragment: %s: Fragment says %q", e.method, scrub(e.text))
}

// Is makes an error that reads like "not yours" or "not found" match
// ErrNotOwned. The wording is a guess: no real reply was captured.
func (e *replyError) Is(target error) bool {
	return target == ErrNotOwned && notOwnedText(e.text)
}

var notOwnedPhrases = []string{
	"not found", "not your", "not the owner", "not owned", "not an owner",
	"do not own", "don't own", "no such", "not belong", "doesn't belong",
}

func notOwnedText(s string) bool {
	s = strings.ToLower(s)
	for _, p := range notOwnedPhrases {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// expiredText tells the error texts that mean the login is gone.
// "Access denied" is what the framework answers; the other two are what
// other clients watch for.
func expiredText(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return s == "access denied" || strings.Contains(s, "session expired") || s == "unauthorized"
}

var digitRun = regexp.MustCompile(`\d{4,}`)

// scrub cuts Fragment's text to a sane length and masks digit runs, so a
// code or a number in it never reaches a log through an error.
func scrub(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return digitRun.ReplaceAllString(s, "…")
}

// statusError is an HTTP status the client may retry: 429 or 5xx.
type statusError struct {
	code       int
	retryAfter time.Duration // from Retry-After; -1 when absent
}

func (e *statusError) Error() string {
	return "HTTP " + strconv.Itoa(e.code) // always wrapped by a sentinel
}

// netError is a request that got no answer. sent is false when the
// connection was never made, so nothing reached Fragment.
type netError struct {
	err  error
	sent bool
}

func (e *netError) Error() string { return "no answer: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// badReply wraps ErrBadReply with what was expected.
func badReply(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadReply}, args...)...)
}

// outcome names an error for Stats and logs: no numbers, no codes.
func outcome(err error) string {
	var se *statusError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrSessionExpired):
		return "session_expired"
	case errors.Is(err, ErrNotOwned):
		return "not_owned"
	case errors.Is(err, domain.ErrBadNumber):
		return "bad_number"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrUnavailable), errors.As(err, &se):
		return "unavailable"
	case errors.Is(err, ErrBadReply):
		return "bad_reply"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}
