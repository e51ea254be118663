package sheets

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoff_delay(t *testing.T) {
	b := backoff{base: time.Second, max: 32 * time.Second, jitter: func(l time.Duration) time.Duration { return l }}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 32, 32}
	for i, w := range want {
		if got := b.delay(i + 1); got != w*time.Second {
			t.Errorf("delay(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
	if got := b.delay(1000); got != 32*time.Second {
		t.Errorf("delay(1000) = %v", got)
	}
}

func TestBackoff_fullJitter(t *testing.T) {
	b := defaultBackoff()
	for n := 1; n <= 10; n++ {
		limit := min(32*time.Second, time.Second<<(n-1))
		for range 100 {
			if d := b.delay(n); d < 0 || d >= limit {
				t.Fatalf("delay(%d) = %v, outside [0, %v)", n, d, limit)
			}
		}
	}
}

func TestBurstFor(t *testing.T) {
	for n, want := range map[int]int{1: 5, 50: 5, 56: 5, 57: 4, 59: 2, 60: 1} {
		if got := burstFor(n); got != want {
			t.Errorf("burstFor(%d) = %d, want %d", n, got, want)
		}
		if n+burstFor(n)-1 > MaxPerMinute {
			t.Errorf("%d a minute with burst %d can exceed %d", n, burstFor(n), MaxPerMinute)
		}
	}
}

// TestBudget_window checks the promise behind burstFor: however the calls
// come, no 60 seconds hold more than n+burst-1 of them, and reads do not
// use up writes.
func TestBudget_window(t *testing.T) {
	for _, n := range []int{1, 30, 50, 60} {
		clk := newFakeClock()
		b := newBudget(n, n, clock{now: clk.Now, sleep: clk.Sleep})
		var times []time.Time
		for i := range 3*n + 10 {
			if i%7 == 0 {
				_ = clk.Sleep(context.Background(), 13*time.Second) // idle spells refill the burst
			}
			if err := b.take(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			times = append(times, clk.Now())
		}
		limit := n + burstFor(n) - 1
		for i := range times {
			j := i
			for j < len(times) && times[j].Sub(times[i]) < time.Minute {
				j++
			}
			if j-i > limit {
				t.Fatalf("%d a minute: %d writes within a minute from %v, want <= %d", n, j-i, times[i], limit)
			}
		}
		before := clk.Now()
		if err := b.take(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		if !clk.Now().Equal(before) {
			t.Errorf("%d a minute: a read waited for the writes' budget", n)
		}
	}
}

func TestBudget_canceled(t *testing.T) {
	clk := newFakeClock()
	b := newBudget(60, 60, clock{now: clk.Now, sleep: clk.Sleep})
	_ = b.take(context.Background(), true) // the burst of 1 is used
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for range 10 {
		if err := b.take(canceled, true); !errors.Is(err, context.Canceled) {
			t.Fatalf("take = %v, want context.Canceled", err)
		}
	}
	// The canceled waits gave their tokens back: the next one waits one
	// token's time, not eleven.
	before := clk.Now()
	if err := b.take(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if waited := clk.Now().Sub(before); waited > time.Second {
		t.Errorf("waited %v after canceled takes, want <= 1s", waited)
	}
}
