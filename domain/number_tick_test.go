package domain

import (
	"fmt"
	"testing"
	"time"
)

func TestNumber_Tick(t *testing.T) {
	p := DefaultPolicy()
	end := t0.Add(30 * day)
	tests := []struct {
		name  string
		setup func(t testing.TB) *Number
		now   time.Time
		wEvs  []Event
	}{
		{"free", freeNumber, t0.Add(100 * day), nil},
		{"hold before its end", func(t testing.TB) *Number { return heldNumber(t, alice) }, t0.Add(30*time.Minute - 1), nil},
		{"hold lapses at its end", func(t testing.TB) *Number { return heldNumber(t, alice) }, t0.Add(30 * time.Minute),
			[]Event{&NumberReleased{Op: "hold", Reason: "expired", At: t0.Add(30 * time.Minute)}}},
		{"offer before its end", offeredNumber, t0.Add(25*time.Hour - 1), nil},
		{"offer lapses at its end", offeredNumber, t0.Add(25 * time.Hour),
			[]Event{&TransferClosed{Op: "offer", Why: "expired"}}},
		{"rental mid-way", func(t testing.TB) *Number { return rentedNumber(t, alice) }, t0.Add(day), nil},
		{"first reminder", func(t testing.TB) *Number { return rentedNumber(t, alice) }, end.Add(-72 * time.Hour),
			[]Event{&ReminderDue{Step: 0, Renter: alice, Until: end}}},
		{"just before the first reminder", func(t testing.TB) *Number { return rentedNumber(t, alice) },
			end.Add(-72*time.Hour - 1), nil},
		{"rental ends at Until", func(t testing.TB) *Number { return rentedNumber(t, alice) }, end,
			[]Event{&RentalExpired{At: end}}},
		{"offer and rental end together", offeredNumber, end.Add(time.Hour),
			[]Event{&TransferClosed{Op: "offer", Why: "expired"}, &RentalExpired{At: end.Add(time.Hour)}}},
		{"already expired", expiredNumber, end.Add(day), nil},
		{"blocked rental still ends", func(t testing.TB) *Number { return blocked(t, rentedNumber(t, alice)) }, end,
			[]Event{&RentalExpired{At: end}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			before := cloneNumber(n)
			evs := n.Tick(p, tc.now)
			sameState(t, "number after Tick", n, before)
			wantEvent(t, evs, tc.wEvs)
		})
	}
}

// tickEvent is an event Tick emitted and when.
type tickEvent struct {
	at time.Time
	e  Event
}

// walk follows NextWake from n's state until nothing is scheduled, ticking
// and applying at each wake-up, and checks that nothing is due a nanosecond
// before each wake-up.
func walk(t testing.TB, n *Number, p Policy) []tickEvent {
	t.Helper()
	var out []tickEvent
	for range 100 {
		w := n.NextWake(p.Reminders)
		if w.IsZero() {
			return out
		}
		if early := n.Tick(p, w.Add(-1)); len(early) != 0 {
			t.Fatalf("Tick a nanosecond before the wake-up %v = %#v", w, early)
		}
		evs := n.Tick(p, w)
		if len(evs) == 0 {
			t.Fatalf("woken at %v for nothing", w)
		}
		for _, e := range evs {
			out = append(out, tickEvent{w, e})
			applyN(t, n, e.(NumberEvent))
		}
	}
	t.Fatal("NextWake never settles")
	return nil
}

// reminderSteps lists the Step of each ReminderDue in evs and when it came,
// and whether a RentalExpired ended the list.
func reminderSteps(t testing.TB, evs []tickEvent) (steps []int, at []time.Time, expired bool) {
	t.Helper()
	for i, te := range evs {
		switch e := te.e.(type) {
		case *ReminderDue:
			steps, at = append(steps, e.Step), append(at, te.at)
		case *RentalExpired:
			if i != len(evs)-1 {
				t.Errorf("events after the expiry: %v", evs[i+1:])
			}
			expired = true
		default:
			t.Errorf("unexpected event %#v", e)
		}
	}
	return steps, at, expired
}

func TestNumber_TickReminders(t *testing.T) {
	p := DefaultPolicy()
	end := t0.Add(30 * day)
	leads := p.Reminders

	t.Run("30-day rental by NextWake", func(t *testing.T) {
		n := rentedNumber(t, alice)
		steps, at, expired := reminderSteps(t, walk(t, n, p))
		sameState(t, "steps", steps, []int{0, 1, 2, 3})
		for i, a := range at {
			if w := end.Add(-leads[i]); !a.Equal(w) {
				t.Errorf("reminder %d at %v, want %v", i, a, w)
			}
		}
		if !expired || n.Status() != StatusExpired {
			t.Errorf("expired %v, status %v", expired, n.Status())
		}
	})

	t.Run("30-day rental ticked every 10 minutes", func(t *testing.T) {
		n := rentedNumber(t, alice)
		var got []tickEvent
		for now := t0; !now.After(end.Add(2 * time.Hour)); now = now.Add(10 * time.Minute) {
			for _, e := range n.Tick(p, now) {
				got = append(got, tickEvent{now, e})
				applyN(t, n, e.(NumberEvent))
			}
		}
		steps, at, expired := reminderSteps(t, got)
		sameState(t, "steps", steps, []int{0, 1, 2, 3})
		for i, a := range at {
			if w := end.Add(-leads[i]); !a.Equal(w) {
				t.Errorf("reminder %d at %v, want %v", i, a, w)
			}
		}
		if !expired || !got[len(got)-1].at.Equal(end) {
			t.Errorf("expiry missing or not at Until: %v", got)
		}
	})

	t.Run("2-day rental never gets the 72 h reminder", func(t *testing.T) {
		n := freeNumber(t)
		p2 := twoDayPolicy()
		must(t, n)(ev(n.Rent("buy", alice, 2, TONMoney(TON(1)), p2, t0)))
		steps, _, expired := reminderSteps(t, walk(t, n, p2))
		sameState(t, "steps", steps, []int{1, 2, 3})
		if !expired {
			t.Error("no expiry")
		}
	})

	t.Run("long gap gives only the latest step", func(t *testing.T) {
		n := rentedNumber(t, alice)
		evs := n.Tick(p, end.Add(-2*time.Hour))
		wantEvent(t, evs, []Event{&ReminderDue{Step: 2, Renter: alice, Until: end}})
		applyN(t, n, evs[0].(NumberEvent))
		if n.Rental.Reminded != 3 {
			t.Errorf("Reminded = %d, want 3", n.Rental.Reminded)
		}
		if again := n.Tick(p, end.Add(-2*time.Hour)); len(again) != 0 {
			t.Errorf("same step again: %#v", again)
		}
		wantEvent(t, n.Tick(p, end.Add(-30*time.Minute)), []Event{&ReminderDue{Step: 3, Renter: alice, Until: end}})
	})

	t.Run("gap past the end gives only the expiry", func(t *testing.T) {
		n := rentedNumber(t, alice)
		wantEvent(t, n.Tick(p, end.Add(5*day)), []Event{&RentalExpired{At: end.Add(5 * day)}})
	})

	t.Run("a renewal restarts the reminders", func(t *testing.T) {
		n := rentedNumber(t, alice)
		applyN(t, n, n.Tick(p, end.Add(-time.Minute))[0].(NumberEvent))
		must(t, n)(ev(n.Renew("r2", alice, 30, TONMoney(TON(10)), p, end.Add(-time.Minute))))
		steps, at, _ := reminderSteps(t, walk(t, n, p))
		sameState(t, "steps", steps, []int{0, 1, 2, 3})
		if len(at) > 0 && !at[0].Equal(end.Add(30*day-72*time.Hour)) {
			t.Errorf("first reminder at %v, want 72 h before the renewed end", at[0])
		}
	})

	t.Run("stale reminder does not step back", func(t *testing.T) {
		n := rentedNumber(t, alice)
		applyN(t, n, &ReminderDue{Step: 2, Renter: alice, Until: end}, &ReminderDue{Step: 0, Renter: alice, Until: end})
		if n.Rental.Reminded != 3 {
			t.Errorf("Reminded = %d, want 3", n.Rental.Reminded)
		}
	})
}

func TestNumber_NextWake(t *testing.T) {
	p := DefaultPolicy()
	end := t0.Add(30 * day)
	tests := []struct {
		name  string
		setup func(t testing.TB) *Number
		sched []time.Duration
		wWake time.Time
	}{
		{"free", freeNumber, p.Reminders, time.Time{}},
		{"held", func(t testing.TB) *Number { return heldNumber(t, alice) }, p.Reminders, t0.Add(30 * time.Minute)},
		{"rented", func(t testing.TB) *Number { return rentedNumber(t, alice) }, p.Reminders, end.Add(-72 * time.Hour)},
		{"rented without reminders", func(t testing.TB) *Number { return rentedNumber(t, alice) }, nil, end},
		{"all reminders sent", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			applyN(t, n, &ReminderDue{Step: 3, Renter: alice, Until: end})
			return n
		}, p.Reminders, end},
		{"two reminders sent", func(t testing.TB) *Number {
			n := rentedNumber(t, alice)
			applyN(t, n, &ReminderDue{Step: 1, Renter: alice, Until: end})
			return n
		}, p.Reminders, end.Add(-6 * time.Hour)},
		{"offer lapses first", offeredNumber, p.Reminders, t0.Add(25 * time.Hour)},
		{"expired", expiredNumber, p.Reminders, time.Time{}},
		{"reclaimed", func(t testing.TB) *Number {
			n := expiredNumber(t)
			must(t, n)(ev(n.Reclaim(end)))
			return n
		}, p.Reminders, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.setup(t)
			if got := n.NextWake(tc.sched); !got.Equal(tc.wWake) {
				t.Errorf("NextWake = %v, want %v", got, tc.wWake)
			}
		})
	}
}

func TestSortedReminders(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name string
		in   []time.Duration
		wOut []time.Duration
	}{
		{"default", []time.Duration{72 * h, 24 * h, 6 * h, h}, []time.Duration{72 * h, 24 * h, 6 * h, h}},
		{"reversed", []time.Duration{h, 6 * h, 24 * h}, []time.Duration{24 * h, 6 * h, h}},
		{"duplicates and non-positive", []time.Duration{h, 0, -h, h, 2 * h}, []time.Duration{2 * h, h}},
		{"empty", nil, []time.Duration{}},
		{"minutes", []time.Duration{time.Minute, 90 * time.Second, 30 * time.Minute}, []time.Duration{30 * time.Minute, 90 * time.Second, time.Minute}},
		{"sub-second apart", []time.Duration{500 * time.Millisecond, 900 * time.Millisecond}, []time.Duration{900 * time.Millisecond, 500 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tc.in...)
			got := SortedReminders(tc.in)
			sameState(t, "sorted", got, tc.wOut)
			sameState(t, "input", tc.in, in)
		})
	}
}

func TestStepsPassed(t *testing.T) {
	end := t0.Add(30 * day)
	sched := DefaultPolicy().Reminders
	for _, tc := range []struct {
		now time.Time
		wK  int
	}{
		{t0, 0}, {end.Add(-72*time.Hour - 1), 0}, {end.Add(-72 * time.Hour), 1}, {end.Add(-24 * time.Hour), 2},
		{end.Add(-6 * time.Hour), 3}, {end.Add(-time.Hour), 4}, {end, 4}, {end.Add(day), 4},
	} {
		t.Run(fmt.Sprint(end.Sub(tc.now)), func(t *testing.T) {
			if got := stepsPassed(end, tc.now, sched); got != tc.wK {
				t.Errorf("stepsPassed = %d, want %d", got, tc.wK)
			}
		})
	}
}
