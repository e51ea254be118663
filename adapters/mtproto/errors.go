package mtproto

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gotd/td/tgerr"
)

// Errors of CheckAccount. Every error it returns wraps at most one of
// them, and never carries a login code, the app hash or a key.
var (
	// ErrFloodWait: Telegram wants no more tries for a while (FLOOD_WAIT_x
	// and the like); RetryAfter says how long when Telegram said.
	ErrFloodWait = errors.New("mtproto: flood wait")
	// ErrCodeRejected: Telegram refused the code read on Fragment
	// (PHONE_CODE_INVALID, _EXPIRED, _EMPTY): another code may have come
	// in between. Check again.
	ErrCodeRejected = errors.New("mtproto: login code rejected")
	// ErrNoCode: no new code showed on Fragment within CodeWait. Are the
	// number's login codes on there?
	ErrNoCode = errors.New("mtproto: no login code arrived")
	// ErrBadNumber: the number is not "+888" and digits, or Telegram says
	// it is invalid (PHONE_NUMBER_INVALID).
	ErrBadNumber = errors.New("mtproto: bad number")
	// ErrUnavailable: Telegram could not be reached, the connection was
	// lost, or Telegram failed internally (a 5xx RPC error). Check again
	// later.
	ErrUnavailable = errors.New("mtproto: telegram unavailable")
	// ErrUnexpected: Telegram answered something a check does not know.
	ErrUnexpected = errors.New("mtproto: unexpected answer")
)

// rpcError is an RPC error Telegram answered to one step of a check. It
// wraps the sentinel that sorts it, if any, and gotd's *tgerr.Error.
type rpcError struct {
	step string
	kind error
	rpc  *tgerr.Error
}

func (e *rpcError) Error() string {
	prefix := "mtproto"
	if e.kind != nil {
		prefix = e.kind.Error()
	}
	return fmt.Sprintf("%s: %s: telegram says %d %s", prefix, e.step, e.rpc.Code, clip(e.rpc.Message))
}

// RetryAfter is the wait Telegram asked for (a flood wait), or 0: the
// engine's hand-over worker waits at least that long before the next try
// (actors.AccountChecker).
func (e *rpcError) RetryAfter() time.Duration { return RetryAfter(e.rpc) }

func (e *rpcError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.rpc}
	}
	return []error{e.kind, e.rpc}
}

// classify wraps an error of a step: Telegram's RPC errors by their
// sentinel, the end of the caller's ctx as itself, anything else (the
// connection) as ErrUnavailable. gotd's text of a lost connection is
// kept but not wrapped, so that its context.Canceled does not read as
// the caller's.
func classify(outer context.Context, step string, err error) error {
	if rpc, ok := tgerr.As(err); ok {
		return &rpcError{step: step, kind: kindOf(rpc), rpc: rpc}
	}
	if outer.Err() != nil {
		return fmt.Errorf("mtproto: %s: %w", step, outer.Err())
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, step, err)
}

func kindOf(rpc *tgerr.Error) error {
	switch {
	case rpc.IsOneOf(tgerr.FloodWaitErrors...), rpc.IsOneOf("PHONE_NUMBER_FLOOD", "PHONE_PASSWORD_FLOOD"):
		return ErrFloodWait
	case rpc.IsOneOf("PHONE_CODE_INVALID", "PHONE_CODE_EXPIRED", "PHONE_CODE_EMPTY", "PHONE_CODE_HASH_EMPTY"):
		return ErrCodeRejected
	case rpc.IsOneOf("PHONE_NUMBER_INVALID"):
		return ErrBadNumber
	case rpc.Code >= 500:
		return ErrUnavailable
	}
	return nil
}

// clip keeps what Telegram's error names are made of and cuts the rest,
// so an odd server cannot put anything long or strange in our errors.
func clip(msg string) string {
	msg = strings.Map(func(r rune) rune {
		if r == '_' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '?'
	}, msg)
	if len(msg) > 64 {
		msg = msg[:64] + "…"
	}
	return msg
}

func unexpected(step string, answer any) error {
	return fmt.Errorf("%w: %s answered %T", ErrUnexpected, step, answer)
}

// RetryAfter is how long Telegram asked to wait before the next try when
// err is a flood wait with a duration (FLOOD_WAIT_30: 30 s), else 0.
func RetryAfter(err error) time.Duration {
	if d, ok := tgerr.AsFloodWait(err); ok {
		return d
	}
	return 0
}

// errClass names an error for the log: its sentinel, or what it is.
func errClass(err error) string {
	classes := []struct {
		err  error
		name string
	}{
		{ErrFloodWait, "flood_wait"}, {ErrCodeRejected, "code_rejected"}, {ErrNoCode, "no_code"},
		{ErrBadNumber, "bad_number"}, {ErrUnavailable, "unavailable"}, {ErrUnexpected, "unexpected"},
		{context.Canceled, "canceled"}, {context.DeadlineExceeded, "timeout"},
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	if _, ok := tgerr.As(err); ok {
		return "rpc"
	}
	return "codes"
}

// rpcType is the type of Telegram's RPC error in err (FLOOD_WAIT,
// AUTH_RESTART), clipped, or "".
func rpcType(err error) string {
	if rpc, ok := tgerr.As(err); ok {
		return clip(rpc.Type)
	}
	return ""
}
