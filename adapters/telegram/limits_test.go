package telegram

import (
	"testing"
	"time"
)

// limitsClock is a time the test moves by hand.
type limitsClock struct{ t time.Time }

func (c *limitsClock) now() time.Time          { return c.t }
func (c *limitsClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimits(o LimitOptions) (*Limits, *limitsClock) {
	c := &limitsClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	return NewLimits(o, c.now), c
}

// allowed counts how many of n immediate attempts Limits lets through.
func allowed(l *Limits, user int64, premium bool, act Action, n int) int {
	ok := 0
	for range n {
		if a, _ := l.Allow(user, premium, act); a {
			ok++
		}
	}
	return ok
}

func TestLimits_Allow(t *testing.T) {
	tests := []struct {
		act       Action
		premium   bool
		wantBurst int
		perMin    int
	}{
		{ActMessage, false, 10, 30},
		{ActOperation, false, 5, 20},
		{ActPayment, false, 2, 5},
		{ActMessage, true, 20, 60},
		{ActOperation, true, 10, 40},
		{ActPayment, true, 4, 10},
	}
	for _, tt := range tests {
		name := tt.act.String()
		if tt.premium {
			name += "/premium"
		}
		t.Run(name, func(t *testing.T) {
			l, clock := newTestLimits(LimitOptions{})
			if got := allowed(l, 1, tt.premium, tt.act, 100); got != tt.wantBurst {
				t.Fatalf("burst let %d through, want %d", got, tt.wantBurst)
			}
			clock.advance(time.Minute)
			if got := allowed(l, 1, tt.premium, tt.act, 100); got != min(tt.perMin, tt.wantBurst) {
				t.Errorf("a minute later %d through, want %d", got, min(tt.perMin, tt.wantBurst))
			}
			clock.advance(time.Minute/time.Duration(tt.perMin) + time.Millisecond)
			if got := allowed(l, 1, tt.premium, tt.act, 100); got != 1 {
				t.Errorf("one interval later %d through, want 1", got)
			}
			if hits := l.Hits()[tt.act]; hits == 0 {
				t.Errorf("no hits counted for %v", tt.act)
			}
		})
	}
}

func TestLimits_AllowTellsOncePerStretch(t *testing.T) {
	l, clock := newTestLimits(LimitOptions{PaymentsPerMin: 6, PaymentBurst: 1})
	want := []struct{ ok, tell bool }{{true, false}, {false, true}, {false, false}, {false, false}}
	for i, w := range want {
		if ok, tell := l.Allow(7, false, ActPayment); ok != w.ok || tell != w.tell {
			t.Fatalf("attempt %d: ok %v tell %v, want %v %v", i, ok, tell, w.ok, w.tell)
		}
	}
	clock.advance(10 * time.Second)
	if ok, _ := l.Allow(7, false, ActPayment); !ok {
		t.Fatal("not allowed after the refill")
	}
	if ok, tell := l.Allow(7, false, ActPayment); ok || !tell {
		t.Errorf("new stretch: ok %v tell %v, want a refusal that tells", ok, tell)
	}
	if ok, tell := l.Allow(7, false, ActMessage); !ok || tell {
		t.Errorf("messages share the payments' budget: ok %v tell %v", ok, tell)
	}
}

func TestLimits_AllowPeopleAreIndependent(t *testing.T) {
	l, _ := newTestLimits(LimitOptions{})
	if got := allowed(l, 1, false, ActOperation, 10); got != 5 {
		t.Fatalf("user 1: %d through", got)
	}
	if got := allowed(l, 2, false, ActOperation, 10); got != 5 {
		t.Errorf("user 2 after user 1 used theirs: %d through, want 5", got)
	}
}

func TestLimits_AllowPremiumChange(t *testing.T) {
	l, _ := newTestLimits(LimitOptions{})
	if got := allowed(l, 1, false, ActPayment, 10); got != 2 {
		t.Fatalf("%d through", got)
	}
	l.Allow(1, true, ActMessage) // now they have Premium: budgets grow
	if got := allowed(l, 1, true, ActPayment, 10); got != 0 {
		t.Errorf("buying Premium refilled the budget: %d through", got)
	}
	p := l.people[1]
	if b := p.lims[ActPayment].Burst(); b != 4 {
		t.Errorf("burst %d after buying Premium, want 4", b)
	}
}

func TestLimits_AllowGlobal(t *testing.T) {
	l, clock := newTestLimits(LimitOptions{GlobalPerSec: 10, GlobalBurst: 3})
	for user := range int64(3) {
		if ok, _ := l.Allow(user, false, ActMessage); !ok {
			t.Fatalf("user %d refused within the global burst", user)
		}
	}
	if ok, tell := l.Allow(99, false, ActMessage); ok || tell {
		t.Errorf("over the global limit: ok %v tell %v, want a silent refusal", ok, tell)
	}
	if ok, _ := l.Allow(99, false, ActOperation); !ok {
		t.Error("operations count against the global limit")
	}
	clock.advance(100 * time.Millisecond)
	if ok, _ := l.Allow(99, false, ActMessage); !ok {
		t.Error("refused after the global refill")
	}
	if got := allowed(l, 99, false, ActMessage, 20); got != 0 {
		t.Errorf("%d more through with the global budget empty", got)
	}
	// The global refusals did not spend user 99's own budget.
	if tokens := l.people[99].lims[ActMessage].TokensAt(clock.now()); tokens < 9 {
		t.Errorf("user 99 has %.2f tokens left, want 9 of 10", tokens)
	}
}

func TestLimits_AllowForgetsIdlePeople(t *testing.T) {
	l, clock := newTestLimits(LimitOptions{})
	l.Allow(1, false, ActMessage)
	clock.advance(5 * time.Minute)
	l.Allow(2, false, ActMessage)
	clock.advance(6 * time.Minute)
	l.Allow(3, false, ActMessage)
	if _, ok := l.people[1]; ok || len(l.people) != 2 {
		t.Errorf("people %v: want 1 (idle 11 min) forgotten, 2 (6 min) and 3 kept", l.people)
	}
}

func TestLimits_AllowOff(t *testing.T) {
	l, _ := newTestLimits(LimitOptions{MessagesPerMin: -1, GlobalPerSec: -1})
	if got := allowed(l, 1, false, ActMessage, 5000); got != 5000 {
		t.Errorf("%d of 5000 through with the limits off", got)
	}
}
