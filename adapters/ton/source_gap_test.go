package ton_test

import (
	"context"
	"errors"
	"testing"
	"time"

	tonapi "github.com/xssnick/tonutils-go/ton"

	"allot/actors"
	"allot/adapters/ton"
	"allot/adapters/ton/tontest"
	"allot/domain"
)

func TestSource_Since_PrunedHistory(t *testing.T) {
	c, s, cur := started(t, ton.WithPageSize(2))
	gone := c.Pay(bob, domain.TON(1), "in the gap", t0.Add(time.Hour))
	c.Pay(bob, domain.TON(2), "also in the gap", t0.Add(2*time.Hour))
	held := []domain.TxID{
		c.Pay(alice, domain.TON(3), "first held", t0.Add(3*time.Hour)),
		c.Pay(alice, domain.TON(4), "", t0.Add(4*time.Hour)),
		c.Pay(alice, domain.TON(5), "", t0.Add(5*time.Hour)),
	}
	c.PruneBelow(held[0].LT)
	_, next, err := s.Since(context.Background(), cur)
	var pe *actors.PrunedError
	if !errors.As(err, &pe) {
		t.Fatalf("Since over a pruned history: %v, want a PrunedError", err)
	}
	if next != cur {
		t.Errorf("the cursor moved to %+v on an error", next)
	}
	if oldest, at := c.Oldest(); pe.OldestLT != oldest.LT || !pe.OldestAt.Equal(at) || !at.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("oldest held %d at %v, want %d at %v", pe.OldestLT, pe.OldestAt, oldest.LT, at)
	}
	if pe.Resume.LT <= gone.LT || pe.Resume.LT >= held[0].LT {
		t.Errorf("resume at %d, want the transaction just before %d", pe.Resume.LT, held[0].LT)
	}
	pays, next := since(t, s, pe.Resume)
	wantLTs(t, pays, held...)
	if next != c.Head() {
		t.Errorf("cursor %+v after resuming, want the head %+v", next, c.Head())
	}
}

// Only "lt not in db" on a transaction older than one already read is a
// gap: every other refusal keeps the cursor and is retried.
func TestSource_Since_TransientIsNotAGap(t *testing.T) {
	for name, fail := range map[string]error{
		"timeout":         context.DeadlineExceeded,
		"block not in db": tonapi.LSError{Code: 651, Text: "block not in db"},
		"not ready":       tonapi.LSError{Code: -400, Text: "block is not applied"},
		"injected":        tontest.ErrInjected,
	} {
		t.Run(name, func(t *testing.T) {
			c, s, cur := started(t, ton.WithPageSize(1))
			c.Pay(bob, domain.TON(1), "", t0)
			c.Pay(bob, domain.TON(2), "", t0.Add(time.Minute))
			pages := 0
			c.SetFault(func(method string) error {
				if method == tontest.MethodTransactions {
					if pages++; pages > 1 {
						return fail
					}
				}
				return nil
			})
			_, next, err := s.Since(context.Background(), cur)
			var pe *actors.PrunedError
			if err == nil || errors.As(err, &pe) || next != cur {
				t.Fatalf("Since: %v (cursor %+v), want a plain error and the cursor kept", err, next)
			}
		})
	}
	t.Run("the newest transaction itself", func(t *testing.T) {
		c, s, cur := started(t)
		c.Pay(bob, domain.TON(1), "", t0)
		c.PruneBelow(c.Head().LT + 1) // a liteserver that holds nothing: nothing to resume from
		_, _, err := s.Since(context.Background(), cur)
		var pe *actors.PrunedError
		if err == nil || errors.As(err, &pe) {
			t.Fatalf("Since: %v, want a plain error", err)
		}
	})
}
