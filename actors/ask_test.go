package actors

import (
	"context"
	"errors"
	"testing"
	"time"

	"allot/domain"
)

// silent is a command its entity never answers: a lost reply.
type silent struct{ asker }

func (*silent) run(*exec) {}

// TestAsk_NoReplyTimesOutAndLeavesNothingBehind: an ask nobody answers
// fails with ErrNoReply after the request timeout, with or without a
// context to watch, and the asks after it get their own answers.
func TestAsk_NoReplyTimesOutAndLeavesNothingBehind(t *testing.T) {
	// Long enough that the asks which are answered never reach it, even
	// under the race detector on a busy machine.
	e := openTest(t, t.TempDir(), newClock(), func(o *Options) { o.RequestTimeout = time.Second })
	seed(t, e, domain.TON(5), num1)
	withDeadline, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ctx := range []context.Context{context.Background(), withDeadline} {
		_, err := e.ask(ctx, domain.KindNumber, num1, false, func(r replyTo) command { return &silent{asker{r}} })
		if !errors.Is(err, ErrNoReply) {
			t.Fatalf("err = %v, want %v", err, ErrNoReply)
		}
		for range 50 { // reusing the timers: each ask hears its own answer
			if got := balance(t, e, alice); got != domain.TON(5) {
				t.Fatalf("balance = %s, want 5 TON", got)
			}
		}
	}
}

// TestAsk_TheContextEndsTheWait: an ask whose context ends before any
// answer returns the context's error, not ErrNoReply.
func TestAsk_TheContextEndsTheWait(t *testing.T) {
	e := openTest(t, t.TempDir(), newClock(), nil)
	seed(t, e, 0, num1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := e.ask(ctx, domain.KindNumber, num1, false, func(r replyTo) command { return &silent{asker{r}} })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want %v", err, context.DeadlineExceeded)
	}
}
