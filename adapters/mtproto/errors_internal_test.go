package mtproto

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tgerr"
)

func TestClassify(t *testing.T) {
	sentinels := []error{ErrFloodWait, ErrCodeRejected, ErrNoCode, ErrBadNumber, ErrUnavailable, ErrUnexpected}
	tests := []struct {
		err       error
		want      error // nil: no sentinel
		wantAfter time.Duration
	}{
		{tgerr.New(420, "FLOOD_WAIT_30"), ErrFloodWait, 30 * time.Second},
		{tgerr.New(420, "FLOOD_PREMIUM_WAIT_5"), ErrFloodWait, 5 * time.Second},
		{tgerr.New(400, "PHONE_NUMBER_FLOOD"), ErrFloodWait, 0},
		{tgerr.New(400, "PHONE_CODE_INVALID"), ErrCodeRejected, 0},
		{tgerr.New(400, "PHONE_CODE_EXPIRED"), ErrCodeRejected, 0},
		{tgerr.New(400, "PHONE_CODE_EMPTY"), ErrCodeRejected, 0},
		{tgerr.New(400, "PHONE_NUMBER_INVALID"), ErrBadNumber, 0},
		{tgerr.New(500, "INTERNAL"), ErrUnavailable, 0},
		{tgerr.New(400, "AUTH_RESTART"), nil, 0},
		{fmt.Errorf("rpcDoRequest: %w", tgerr.New(420, "FLOOD_WAIT_3")), ErrFloodWait, 3 * time.Second},
		{errors.New("read tcp: connection reset"), ErrUnavailable, 0},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			err := classify(context.Background(), "auth.sendCode", tt.err)
			for _, s := range sentinels {
				if errors.Is(err, s) != (s == tt.want) {
					t.Errorf("errors.Is(%q, %v) = %v", err, s, s != tt.want)
				}
			}
			if got := RetryAfter(err); got != tt.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", got, tt.wantAfter)
			}
			if _, isRPC := tgerr.As(tt.err); isRPC {
				if _, ok := tgerr.As(err); !ok {
					t.Errorf("%q lost Telegram's error", err)
				}
			}
			if !strings.Contains(err.Error(), "auth.sendCode") {
				t.Errorf("%q does not name the step", err)
			}
		})
	}
}

func TestClassify_callerEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := classify(ctx, "auth.signIn", errors.New("rpc: engine closed"))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want the caller's context.Canceled", err)
	}
}

// Telegram's error text is echoed clipped to what error names are made
// of: an odd server cannot smuggle text into our errors or logs.
func TestClassify_clipsTelegramsText(t *testing.T) {
	err := classify(context.Background(), "auth.signIn", tgerr.New(400, "bad "+strings.Repeat("x", 100)+" <secret>"))
	if s := err.Error(); strings.ContainsAny(s, "<>x") || len(s) > 140 {
		t.Errorf("error text %q not clipped", s)
	}
	if got := rpcType(err); strings.ContainsAny(got, "<>x") {
		t.Errorf("rpcType = %q not clipped", got)
	}
}

func TestErrClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{classify(context.Background(), "s", tgerr.New(420, "FLOOD_WAIT_1")), "flood_wait"},
		{classify(context.Background(), "s", tgerr.New(400, "AUTH_RESTART")), "rpc"},
		{fmt.Errorf("x: %w", ErrNoCode), "no_code"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "timeout"},
		{errors.New("fragment: session expired"), "codes"},
	}
	for _, tt := range tests {
		if got := errClass(tt.err); got != tt.want {
			t.Errorf("errClass(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
