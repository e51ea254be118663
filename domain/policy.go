package domain

import (
	"cmp"
	"slices"
	"time"
)

// Policy is the operator's configuration that rental decisions depend on.
// It is passed into decisions rather than stored in numbers, so changing it
// needs no migration of state.
type Policy struct {
	Prices    PriceList       // default prices per period
	HoldTTL   time.Duration   // how long a number stays reserved for an unpaid invoice
	OfferTTL  time.Duration   // how long a transfer offer waits for the recipient
	Reminders []time.Duration // lead times before expiry, longest first
}

// DefaultPolicy is what a fresh installation uses.
func DefaultPolicy() Policy {
	return Policy{
		Prices:    DefaultPrices(),
		HoldTTL:   30 * time.Minute,
		OfferTTL:  24 * time.Hour,
		Reminders: []time.Duration{72 * time.Hour, 24 * time.Hour, 6 * time.Hour, time.Hour},
	}
}

// SortedReminders returns the lead times longest first, without duplicates
// or non-positive values, whatever order the operator wrote them in.
func SortedReminders(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(ds))
	for _, d := range ds {
		if d > 0 && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out
}

// stepsPassed counts the reminder steps whose moment is already behind at
// now, so a two-day rental does not get a "three days left" reminder.
func stepsPassed(until, now time.Time, sched []time.Duration) int {
	k := 0
	for k < len(sched) && !now.Before(until.Add(-sched[k])) {
		k++
	}
	return k
}

// addDays extends t by whole days of 24 hours; rentals are sold in days.
func addDays(t time.Time, days int) time.Time { return t.Add(time.Duration(days) * 24 * time.Hour) }
